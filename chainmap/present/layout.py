"""Node positions for the HTML maps, computed in Python so the browser draws at once (physics off).

Links stand in columns by their segment, in the order of the chain file (upstream left, downstream right).
Within a column links keep their chain / segment order, refined by one barycenter sweep (a link
moves towards the mean position of its suppliers, a raw material towards its customers) so that
``feeds`` edges cross less. Every other node is a *satellite* drawn in the block under one link, its
*anchor*: technologies, components and institutions first, then firms (local first), in rows as
wide as suits the whole map. A firm operating several links is one node, anchored at the first link
it operates.

Firms beyond ``firm_cap`` in a block are folded behind a "+N" node: they keep positions below it
(the block grows by ``Group.extra`` when the browser expands the group and shifts the blocks under it).
Everything here is deterministic: ties are broken by ids, never by hash or set order.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import networkx as nx

from ..vocab import chain_node

SHOWN_KINDS = ("link", "technology", "component", "institution", "company")
LEADER_TAGS = ("链主", "龙头", "单项冠军")

PART_CELL = 166  # technologies, components, institutions: label wraps at 150 px
FIRM_CELL = 110  # firms: label cut to about 7 CJK characters
EDGE_ROOM = 120  # between two level bands, for the feeds edges
LANE_GAP = 40  # between two lanes of one level
PART_ROW = 68  # a part's label may take two lines
FIRM_ROW = 50
BLOCK_GAP = 70
HEADER_GAP = 110  # from the column heading down to the first link
LINK_FONT = 30  # bold link names (key links 10% larger): big enough to read on the whole-chain view
LINK_WIDTH = 360  # widthConstraint of a link box
LINK_WRAP = 10  # CJK characters per line of a link label in that box
# (parts per row, firms per row) tried, with 1..MAX_LANES lanes per level: the layout that a 16:9
# canvas shows at the largest scale wins (a level with many links gets several lanes side by side)
GRIDS = ((2, 3), (3, 4), (4, 6), (5, 8), (6, 10))
MAX_LANES = 8
VIEW = (1500, 850)  # the canvas of a 1920 x 1080 screen, less the legend


@dataclass
class Group:
    """The firms anchored at one link, when there are more than the cap."""

    link: str
    firms: list[str]  # all of them, in display order
    shown: int  # visible while collapsed
    more: str  # id of the "+N" node
    extra: int  # how much taller the block is when expanded


@dataclass
class Lane:
    """A vertical stack of link blocks; a level has one lane or several side by side."""

    index: int
    x: int
    band: int  # index of its level band
    bottom: int  # lowest y used while collapsed


@dataclass
class Band:
    """The background band and heading of one level of the material flow."""

    index: int
    x0: int
    x1: int
    bottom: int
    header: list[str]  # lines of the heading (level, main segment names)


@dataclass
class Layout:
    pos: dict[str, tuple[int, int]] = field(default_factory=dict)
    column: dict[str, int] = field(default_factory=dict)  # every placed node -> its lane
    anchor: dict[str, str] = field(default_factory=dict)  # satellite -> its link
    groups: dict[str, Group] = field(default_factory=dict)  # link -> its folded firms
    hidden: set[str] = field(default_factory=set)  # firms behind a "+N" node
    lanes: list[Lane] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # link -> (top, bottom) collapsed
    top: int = -HEADER_GAP  # y of the headings
    grid: tuple[int, int] = (2, 3)  # parts per row, firms per row

    @property
    def order(self) -> list[str]:
        """Placed node ids in drawing order (lane, then top to bottom): the browser's node order."""
        return list(self.pos)


@cache
def text_width(s: str) -> float:
    """Width of ``s`` in CJK character cells (Latin letters and digits count about half). Cached: a page
    of 5,000 firms measures the same names and characters many times."""
    return sum(0.55 if ord(ch) < 0x2E80 else 1.0 for ch in s)


def link_label_lines(name: str) -> int:
    return max(1, math.ceil(text_width(name) / LINK_WRAP))


def _members(g: nx.MultiDiGraph, node: str, keys: tuple[str, ...], out: bool) -> list[str]:
    adjacency = (g._succ if out else g._pred)[node]  # neighbours in edge order, each with its keys (plain dicts)
    return [other for other, ks in adjacency.items() if any(k in ks for k in keys)]


def chain_ids(g: nx.MultiDiGraph) -> list[str]:
    """The graph's chains in their selection order."""
    chains = list(g.graph.get("chains") or [])
    extra = sorted(n[6:] for n, d in g.nodes(data=True) if d.get("kind") == "chain" and n[6:] not in chains)
    return chains + extra


def declared_rank(g: nx.MultiDiGraph) -> dict[str, int]:
    """Links in the order the chain files list them: chain, then segment, then place in the segment."""
    rank: dict[str, int] = {}
    for cid in chain_ids(g):
        cnode = chain_node(cid)
        if cnode not in g:
            continue
        segments = sorted(_members(g, cnode, ("part_of",), out=False), key=lambda s: (g.nodes[s].get("order", 0), s))
        for seg in segments:
            for link in _members(g, seg, ("part_of",), out=False):
                rank.setdefault(link, len(rank))
    for n in sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "link"):
        rank.setdefault(n, len(rank))
    return rank


def segment_column(g: nx.MultiDiGraph, link: str) -> int:
    """The column of a link: the place of its segment in the chain file (the first of them for a link in
    several chains); a link outside every segment goes by its level in the material flow."""
    orders = [int(g.nodes[s].get("order", 0)) for s in _members(g, link, ("part_of",), out=True)]
    return min(orders) if orders else int(g.nodes[link].get("level", 0))


def order_columns(g: nx.MultiDiGraph, links: list[str], rank: dict[str, int]) -> list[list[str]]:
    """Links per column (one per segment, in the chain file's order), each column ordered by declared
    rank and one barycenter sweep."""
    level = {n: segment_column(g, n) for n in links}
    ncols = max(level.values(), default=-1) + 1
    cols: list[list[str]] = [[] for _ in range(ncols)]
    for n in sorted(links, key=rank.__getitem__):
        cols[level[n]].append(n)
    preds = {n: [p for p in _members(g, n, ("feeds",), out=False) if p in level] for n in links}
    succs = {n: [s for s in _members(g, n, ("feeds",), out=True) if s in level] for n in links}
    where: dict[str, float] = {}

    def settle(col: list[str]) -> None:
        for i, n in enumerate(col):
            where[n] = i / max(len(col) - 1, 1)

    def sweep(start: int) -> None:
        for c in range(start, ncols):
            col = cols[c]
            own = {n: i / max(len(col) - 1, 1) for i, n in enumerate(col)}

            def key(n: str, own: dict[str, float] = own) -> tuple[float, int, str]:
                known = [where[p] for p in preds[n] if p in where]
                return (sum(known) / len(known) if known else own[n], rank[n], n)

            cols[c] = sorted(col, key=key)
            settle(cols[c])

    if ncols:
        settle(cols[0])
        sweep(1)
        # raw materials (column 0) follow their customers, then the rest follow again
        own0 = dict(where)
        cols[0] = sorted(
            cols[0],
            key=lambda n: (
                sum(where[s] for s in succs[n]) / len(succs[n]) if succs[n] else own0[n],
                rank[n],
                n,
            ),
        )
        settle(cols[0])
        sweep(1)
    return cols


def _anchor_of(g: nx.MultiDiGraph, node: str, link_anchor: dict[str, str]) -> str | None:
    """The link a satellite is drawn under (first in insertion order, which follows the YAML files)."""
    kind = g.nodes[node]["kind"]
    if kind in ("technology", "component"):
        owners = _members(g, node, ("requires", "uses"), out=False)
        return owners[0] if owners else None
    if kind == "institution":
        targets = _members(g, node, ("researches", "holds"), out=True)
    else:
        targets = _members(g, node, ("operates",), out=True) + _members(g, node, ("makes", "holds"), out=True)
    for t in targets:
        tkind = g.nodes[t]["kind"]
        if tkind == "link":
            return t
        if t in link_anchor:
            return link_anchor[t]
    return None


def firm_sort_key(g: nx.MultiDiGraph, firm: str) -> tuple:
    """Display order of firms in a block: local, leaders, listed, larger registered capital, name."""
    d = g.nodes[firm]
    tags = set(d.get("tags") or ())
    return (
        not d.get("local"),
        not (tags & set(LEADER_TAGS)),
        not d.get("stock_code"),
        -float(d.get("registered_capital") or 0),
        d.get("short_name") or d.get("name") or "",
        firm,
    )


MAP_FIRM_BUDGET = 5000  # firm nodes in one page's data: it still draws in a fraction of a second


def limit_firms(g: nx.MultiDiGraph, budget: int | None = MAP_FIRM_BUDGET) -> tuple[nx.MultiDiGraph, int]:
    """The graph with at most about ``budget`` firms, shared evenly among the links, technologies and
    components that hold firms; each node's share goes half to local firms and half to candidates
    (either side's unused part to the other), each side in display order (leaders, listed, larger).
    A firm stays if any of its nodes keeps it.

    A map is for seeing the chain: with a national import one link can hold tens of thousands of
    firms, which would make every page hundreds of megabytes; the lists carry them all. Returns the
    graph (``g`` itself when nothing is dropped) and the number of firms left out.
    """
    firms_total = sum(1 for _n, d in g.nodes(data=True) if d["kind"] == "company")
    if budget is None or firms_total <= budget:
        return g, 0
    holders = {
        n: [u for u in g.pred[n] if g.nodes[u]["kind"] == "company"]
        for n, d in g.nodes(data=True)
        if d["kind"] in ("link", "technology", "component")
    }
    holders = {n: f for n, f in holders.items() if f}
    per_node = max(budget // max(len(holders), 1), 5)
    keep: set[str] = set()
    for firms in holders.values():
        if len(firms) <= per_node:
            keep.update(firms)
            continue
        firms.sort(key=lambda f: firm_sort_key(g, f))
        local = [f for f in firms if g.nodes[f].get("local")]
        outside = [f for f in firms if not g.nodes[f].get("local")]
        # half the share each for local firms and candidates; what one side does not use, the other gets
        n_local = min(len(local), max(per_node // 2, per_node - len(outside)))
        keep.update(local[:n_local])
        keep.update(outside[: per_node - n_local])
    dropped = [n for n, d in g.nodes(data=True) if d["kind"] == "company" and n not in keep]
    if not dropped:
        return g, 0
    smaller = g.copy()
    smaller.remove_nodes_from(dropped)
    return smaller, len(dropped)


def _column_header(g: nx.MultiDiGraph, index: int, links: list[str]) -> list[str]:
    """The segment the column's links belong to (two names when the column joins several chains' segments)."""
    names: Counter[str] = Counter()
    for link in links:
        for seg in _members(g, link, ("part_of",), out=True):
            names[g.nodes[seg].get("name", "")] += 1
    common = [n for n, _c in sorted(names.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    if not common:
        return [f"第{index + 1}列"]
    shown = common[:1] if names[common[0]] * 2 >= sum(names.values()) else common[:2]
    return [" / ".join(shown)] + ([f"等{len(common)}个分段"] if len(common) > len(shown) else [])


def _offsets(n: int, cell: int) -> list[int]:
    return [round((i - (n - 1) / 2) * cell) for i in range(n)]


def _half(grid: tuple[int, int]) -> int:
    return max(grid[0] * PART_CELL, grid[1] * FIRM_CELL, LINK_WIDTH) // 2 + 10


def _box(g: nx.MultiDiGraph, link: str) -> int:
    """Half the height of a link box: margins, the name's lines, the status line."""
    return 14 + round(0.65 * LINK_FONT) * link_label_lines(g.nodes[link].get("name", link)) + 13


def _block_height(
    g: nx.MultiDiGraph, link: str, nparts: int, nfirms: int, firm_cap: int | None, grid: tuple[int, int]
) -> int:
    shown = nfirms if firm_cap is None or nfirms <= firm_cap else firm_cap + 1
    return (
        2 * _box(g, link)
        + 46
        + math.ceil(nparts / grid[0]) * PART_ROW
        + math.ceil(shown / grid[1]) * FIRM_ROW
        + BLOCK_GAP
    )


def _split(heights: list[int], lanes: int) -> list[int]:
    """Cut an ordered list of block heights into ``lanes`` runs of about equal height: run sizes."""
    total = sum(heights)
    sizes, acc, start = [], 0, 0
    for i, h in enumerate(heights):
        acc += h
        if len(sizes) < lanes - 1 and acc >= total * (len(sizes) + 1) / lanes and i + 1 < len(heights):
            sizes.append(i + 1 - start)
            start = i + 1
    sizes.append(len(heights) - start)
    return [s for s in sizes if s]


def compute_layout(g: nx.MultiDiGraph, firm_cap: int | None = 12) -> Layout:
    """Place every link, technology, component, institution and company node of ``g``."""
    links = [n for n, d in g.nodes(data=True) if d.get("kind") == "link"]
    rank = declared_rank(g)
    cols = order_columns(g, links, rank)

    anchor: dict[str, str] = {}
    for kind in ("technology", "component", "institution", "company"):
        for n in sorted(n for n, d in g.nodes(data=True) if d.get("kind") == kind):
            a = _anchor_of(g, n, anchor)
            if a is not None:
                anchor[n] = a
    parts: dict[str, list[str]] = {n: [] for n in links}
    firms: dict[str, list[str]] = {n: [] for n in links}
    kind_order = {"technology": 0, "component": 1, "institution": 2}
    for n, a in anchor.items():
        (firms if g.nodes[n]["kind"] == "company" else parts)[a].append(n)
    for a in links:
        parts[a].sort(key=lambda n: (kind_order[g.nodes[n]["kind"]], rank.get(n, 0), n))
        firms[a].sort(key=lambda n: firm_sort_key(g, n))

    # choose the grid and the lanes per level from block heights alone, then place once
    best: tuple[float, tuple[int, int], list[list[int]]] | None = None
    for grid in GRIDS:
        heights = [[_block_height(g, n, len(parts[n]), len(firms[n]), firm_cap, grid) for n in col] for col in cols]
        tallest = max((sum(h) for h in heights), default=0)
        for m in range(1, MAX_LANES + 1):
            target = tallest / m
            split = [_split(h, max(1, min(len(h), math.ceil(sum(h) / target - 0.01)))) if h else [] for h in heights]
            lane_w = 2 * _half(grid)
            width = sum(len(s) * lane_w + (len(s) - 1) * LANE_GAP for s in split) + EDGE_ROOM * (len(split) - 1)
            height = (
                max(
                    (
                        sum(h[i : i + n])
                        for s, h in zip(split, heights, strict=True)
                        for i, n in zip(_starts(s), s, strict=True)
                    ),
                    default=0,
                )
                + HEADER_GAP
                + 90
            )
            scale = min(VIEW[0] / max(width, 1), VIEW[1] / max(height, 1))
            if best is None or scale > best[0] * 1.02:  # more lanes or a wider grid must gain clearly
                best = (scale, grid, split)
    grid, split = (best[1], best[2]) if best else ((2, 3), [])
    return _place(g, cols, split, parts, firms, firm_cap, grid)


def _starts(sizes: list[int]) -> list[int]:
    out, at = [], 0
    for s in sizes:
        out.append(at)
        at += s
    return out


def _place(
    g: nx.MultiDiGraph,
    cols: list[list[str]],
    split: list[list[int]],
    parts: dict[str, list[str]],
    firms: dict[str, list[str]],
    firm_cap: int | None,
    grid: tuple[int, int],
) -> Layout:
    part_dx, firm_dx = _offsets(grid[0], PART_CELL), _offsets(grid[1], FIRM_CELL)
    half = _half(grid)
    lay = Layout(grid=grid)

    def put(n: str, x: int, y: int, lane: int, link: str | None) -> None:
        lay.pos[n] = (x, y)
        lay.column[n] = lane
        if link is not None:
            lay.anchor[n] = link

    x = half
    for c, col in enumerate(cols):
        x0 = x - half
        sizes = split[c] if c < len(split) and split[c] else ([len(col)] if col else [])
        for start, size in zip(_starts(sizes), sizes, strict=True):
            lane = len(lay.lanes)
            y = 0
            for link in col[start : start + size]:
                top = y
                box = _box(g, link)
                put(link, x, y + box, lane, None)
                y += 2 * box + 46
                for i, n in enumerate(parts[link]):
                    row, slot = divmod(i, len(part_dx))
                    put(n, x + part_dx[slot], y + row * PART_ROW, lane, link)
                y += math.ceil(len(parts[link]) / len(part_dx)) * PART_ROW
                group = firms[link]
                capped = firm_cap is not None and len(group) > firm_cap
                shown = firm_cap if capped and firm_cap is not None else len(group)
                cells = [*group[:shown], *([f"more:{link}"] if capped else []), *group[shown:]]
                for i, n in enumerate(cells):
                    row, slot = divmod(i, len(firm_dx))
                    put(n, x + firm_dx[slot], y + row * FIRM_ROW, lane, link)
                collapsed_rows = math.ceil((shown + (1 if capped else 0)) / len(firm_dx))
                y += collapsed_rows * FIRM_ROW
                if capped:
                    extra = (math.ceil(len(cells) / len(firm_dx)) - collapsed_rows) * FIRM_ROW
                    lay.groups[link] = Group(link, group, shown, f"more:{link}", extra)
                    lay.hidden.update(group[shown:])
                lay.blocks[link] = (top, y)
                y += BLOCK_GAP
            lay.lanes.append(Lane(lane, x, c, y - BLOCK_GAP))
            x += 2 * half + LANE_GAP
        x += EDGE_ROOM - LANE_GAP
        bottom = max((ln.bottom for ln in lay.lanes if ln.band == c), default=0)
        lay.bands.append(Band(c, x0, x - EDGE_ROOM - half, bottom, _column_header(g, c, col)))

    # nodes with no link to hang from (not produced by build_graph, but a hand-made graph may have them)
    orphans = sorted(n for n, d in g.nodes(data=True) if d.get("kind") in SHOWN_KINDS and n not in lay.pos)
    if orphans:
        lane, band = len(lay.lanes), len(lay.bands)
        for i, n in enumerate(orphans):
            row, slot = divmod(i, len(firm_dx))
            put(n, x + firm_dx[slot], row * FIRM_ROW, lane, None)
        bottom = (math.ceil(len(orphans) / len(firm_dx)) - 1) * FIRM_ROW
        lay.lanes.append(Lane(lane, x, band, bottom))
        lay.bands.append(Band(band, x - half, x + half, bottom, ["其他"]))
    return lay
