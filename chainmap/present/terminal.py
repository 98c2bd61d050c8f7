"""Terminal output with rich: tables whose CJK columns line up, and the chain tree of `chainmap show`."""

from __future__ import annotations

import io
import shutil
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..vocab import chain_node

if TYPE_CHECKING:  # networkx is a slow import, and only a type here
    import networkx as nx


def terminal_width(default: int = 100) -> int:
    """The terminal's width in columns (``COLUMNS`` first, as the shell sets it); ``default`` when unknown."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def _console(width: int | None = None) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    console = Console(file=buf, width=width or terminal_width(), color_system=None, highlight=False, soft_wrap=False)
    return console, buf


SHORT_TEXT = 10  # a column whose longest cell is at most this wide is shown whole; longer text gets an ellipsis
MIN_TEXT = 10  # the narrowest a long-text column may become


def _cells(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def _widths(natural: list[int], need: list[int], room: int) -> list[int]:
    """Column widths within ``room`` cells: short columns whole, the rest share what is left."""
    widths = list(natural)
    if sum(widths) <= room:
        return widths
    long = [i for i, n in enumerate(natural) if n > need[i]]
    spare = room - sum(need)  # beyond every column's minimum, shared by the long ones by their length
    total = sum(natural[i] - need[i] for i in long) or 1
    for i in long:
        widths[i] = need[i] + min(natural[i] - need[i], max(0, spare) * (natural[i] - need[i]) // total)
    return widths


def _favour(widths: list[int], natural: list[int], need: list[int], first: int | None, room: int) -> list[int]:
    """Give column ``first`` the room it needs before the other long columns share what is left."""
    if first is None or sum(natural) <= room:
        return _widths(natural, need, room)
    own = min(natural[first], room - (sum(need) - need[first]))
    if own <= need[first]:
        return _widths(natural, need, room)
    rest = _widths(natural[:first] + natural[first + 1 :], need[:first] + need[first + 1 :], room - own)
    return rest[:first] + [own] + rest[first:]


def _fits(natural: list[int], width: int) -> bool:
    return sum(natural) + 3 * len(natural) + 1 <= width


def table_text(
    df: pd.DataFrame,
    headers: Sequence[str] | None = None,
    title: str | None = None,
    width: int | None = None,
    *,
    optional: Sequence[str] = (),
    favour: str | None = None,
) -> str:
    """Render a DataFrame as a plain-text table within ``width`` columns (default: the terminal's).

    Columns are kept in order while they fit (the rest are named in a note); each row stays on one line
    and long text ends with an ellipsis ("…"): the full text is in --format csv / json. rich measures
    CJK characters as two cells wide. ``optional``: headers of columns dropped first (last named first)
    when the table does not fit whole; ``favour``: the header of the column that gets spare room first.
    """
    width = width or terminal_width()
    heads = [str(h) for h in (headers or list(df.columns))]
    data = [[_cells(v) for v in df.iloc[:, i]] for i in range(len(heads))]
    natural = [max([cell_len(h)] + [cell_len(x) for x in col]) for h, col in zip(heads, data, strict=True)]
    dropped: list[str] = []
    for name in reversed(list(optional)):
        if name in heads and not _fits(natural, width):
            i = heads.index(name)
            dropped.append(name)
            heads, data, natural = heads[:i] + heads[i + 1 :], data[:i] + data[i + 1 :], natural[:i] + natural[i + 1 :]
    need = [n if n <= SHORT_TEXT else max(MIN_TEXT, cell_len(h)) for n, h in zip(natural, heads, strict=True)]
    keep = len(heads)
    while keep > 1 and sum(need[:keep]) + 3 * keep + 1 > width:
        keep -= 1
    first = heads.index(favour) if favour in heads[:keep] else None
    widths = _favour(natural[:keep], natural[:keep], need[:keep], first, width - 3 * keep - 1)
    console, buf = _console(width)
    t = Table(title=title, show_lines=False, header_style="bold", pad_edge=True)
    for i in range(keep):
        t.add_column(escape(heads[i]), no_wrap=True, overflow="ellipsis", width=widths[i])
    for r in range(len(df)):
        t.add_row(*[escape(data[i][r]) for i in range(keep)])
    console.print(t)
    cut = any(natural[i] > SHORT_TEXT for i in range(keep)) and sum(natural[:keep]) + 3 * keep + 1 > width
    left_out = dropped + heads[keep:]
    if left_out or cut:
        left = f"省略列：{'、'.join(left_out)}；" if left_out else ""
        console.print(Text(f"（终端宽 {width} 列：{left}长文本以…截断；完整内容请用 --format csv 或 json）"))
    return buf.getvalue()


def chain_tree(g: nx.MultiDiGraph, chain: str, width: int | None = None) -> str:
    """The chain as a tree: segments -> links (★ key) -> technologies, components, institutions, firms."""
    console, buf = _console(width)
    cnode = chain_node(chain)
    data = g.nodes[cnode]
    root = Tree(Text(f"{data['name']}" + (f"  {data['name_en']}" if data.get("name_en") else "") + f"  [{chain}]"))
    segments = sorted(
        (u for u, _v, k in g.in_edges(cnode, keys=True) if k == "part_of"), key=lambda s: g.nodes[s]["order"]
    )
    for seg in segments:
        seg_tree = root.add(Text(g.nodes[seg]["name"]))
        links = [u for u, _v, k in g.in_edges(seg, keys=True) if k == "part_of"]
        for link in sorted(links, key=lambda n: (g.nodes[n]["level"], n)):
            d = g.nodes[link]
            downstream = [v for _u, v, k in g.out_edges(link, keys=True) if k == "feeds"]
            label = ("★ " if d.get("key") else "") + d["name"] + f"  [{link}]"
            if downstream:
                label += "  → " + "、".join(g.nodes[v]["name"] for v in sorted(downstream))
            lt = seg_tree.add(Text(label))
            groups = {"技术": "requires", "部件/材料": "uses"}
            for title, kind in groups.items():
                names = [g.nodes[v]["name"] for _u, v, k in g.out_edges(link, keys=True) if k == kind]
                if names:
                    lt.add(Text(f"{title}: " + "、".join(sorted(names))))
            inst = sorted(g.nodes[u]["name"] for u, _v, k in g.in_edges(link, keys=True) if k == "researches")
            if inst:
                lt.add(Text("研究机构: " + "、".join(inst)))
            firms = sorted(
                (
                    (not g.nodes[u].get("local"), g.nodes[u]["short_name"])
                    for u, _v, k in g.in_edges(link, keys=True)
                    if k == "operates"
                )
            )
            if firms:
                lt.add(Text("企业: " + "、".join(("【本地】" if not other else "") + name for other, name in firms)))
    console.print(root)
    return buf.getvalue()


_TIE_TITLES = (("operates", "从事环节"), ("makes", "生产部件/材料"), ("holds", "掌握技术"))


def firm_card(firm: Any, nodes: Mapping[str, Any]) -> str:
    """A firm's record as lines of text (what ``chainmap show FIRM`` prints): names, place, status,
    capital, the chain nodes it works at (name and id), source and date. Fields left empty are left out."""
    place = "".join(dict.fromkeys(x for x in (firm.province, firm.city, firm.district) if x))
    rows = [
        ("简称", firm.short_name if firm.short_name and firm.short_name != firm.name else None),
        ("统一社会信用代码", firm.credit_code),
        ("所在地", place + (f"（{firm.address}）" if firm.address else "") if place or firm.address else None),
        ("登记状态", firm.status),
        ("股票代码", firm.stock_code),
        ("注册资本", str(firm.registered_capital) if firm.registered_capital is not None else None),
        ("成立日期", firm.founded.isoformat() if firm.founded else None),
    ]
    for key, title in _TIE_TITLES:
        ids = getattr(firm, key) or []
        rows.append((title, "、".join(f"{nodes[n].name} [{n}]" if n in nodes else n for n in ids) or None))
    rows += [
        ("来源", "；".join(firm.source) if firm.source else None),
        ("数据日期", firm.as_of.isoformat() if firm.as_of else None),
        ("备注", firm.note),
    ]
    lines = [f"{firm.name}  [{firm.id}]"] + [f"  {k}：{v}" for k, v in rows if v]
    return "\n".join(lines) + "\n"
