"""Imported firms kept in the store: the library's handle on them, read as Arrow columns and NumPy arrays
(issue 14, item 1).

A national import puts hundreds of thousands of firms on chain nodes. Made into ``Company`` objects and
networkx nodes they cost about 8 KB and 20 µs each; kept here, a firm costs a few columns and its ties.
:class:`FirmStore` reads only the placed row groups of each ``imported/*.parquet`` store and only the
columns analysis needs; the rest (source, evidence, dates ...) is read for the rows that are shown, when
they are materialised (:meth:`FirmStore.companies`). :class:`StoreView` is one region's view of the
store over one graph's nodes: which firms are local, how many firms work at each node, the candidates at
the gaps, all as grouped, vectorised queries.

The same firm never counts twice: a hand-written record with the same id wins (the firm is not in the
store's view), an earlier store file wins over a later one, and a firm materialised into a graph is
counted there and no longer here (:meth:`StoreView.shown`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .store import _LOAD_COLUMNS, SCHEMA, TIES, is_ours
from .storeread import LOAD_EXTRA, companies_of, known_ties, placed_groups, read_groups
from .vocab import COMPANY_STATUS_ACTIVE, COMPANY_STATUS_PRESENT, ROLE_OF_KIND

__all__ = ["FirmStore", "StoreView", "open_store", "signal_lookup"]

# What analysis reads of every placed firm; the rest is read when a firm is shown.
COLUMNS = (
    "id",
    "name",
    "short_name",
    "province",
    "city",
    "status",
    "capital_value",
    "capital_currency",
)
LAZY = ("district", "stock_code", "credit_code", "as_of", "delisted")  # read on first use (:meth:`FirmStore.col`)
ROLE_CODE = {r: i for i, r in enumerate(TIES)}


@dataclass
class _File:
    path: Path
    groups: list[int]  # placed row groups read, in order
    starts: np.ndarray  # first position of each of those groups in the read
    sizes: np.ndarray  # rows in each of those groups


def _tie_arrays(t: pa.Table, vocab: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, node code, role code) of every tie of ``t`` to a node of ``vocab``."""
    rows, codes, roles = [], [], []
    for role in TIES:
        col = t[role].combine_chunks() if isinstance(t[role], pa.ChunkedArray) else t[role]
        idx = pc.list_parent_indices(col)
        code = pc.index_in(pc.list_flatten(col), value_set=vocab)
        keep = pc.is_valid(code)
        rows.append(idx.filter(keep).to_numpy().astype(np.int64))
        codes.append(code.filter(keep).to_numpy().astype(np.int64))
        roles.append(np.full(len(rows[-1]), ROLE_CODE[role], np.int64))
    return np.concatenate(rows), np.concatenate(codes), np.concatenate(roles)


class FirmStore:
    """The placed firms of a library's Parquet stores that are not hand-curated, one row each.

    ``nodes``: the library's node ids (ties to other nodes are dropped, as the loader drops them);
    ``skip``: ids kept elsewhere (the curated firms). Attributes: ``table`` (the :data:`COLUMNS`),
    ``tie_row``, ``tie_node`` (index into ``node_ids``), ``tie_role`` (index into ``TIES``): one entry
    per distinct (firm, node, role), sorted.
    """

    def __init__(self, files: list[Path], nodes: Iterable[str], skip: Iterable[str] = ()):
        self.node_ids = sorted(nodes)
        self.node_index = {n: i for i, n in enumerate(self.node_ids)}
        vocab = pa.array(self.node_ids, pa.string())
        self.files: list[_File] = []
        self._groups: dict[tuple[Path, int], pa.Table] = {}  # (file, placed group) -> what companies() reads
        self._map_rank: np.ndarray | None = None
        self._made: dict[int, Any] = {}  # row -> its Company (see companies())
        self._made_for: Any = None
        self._regions: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}  # level -> region_codes()
        tables, where, ties = [], [], []
        seen = pa.array(sorted(set(skip)), pa.string())
        offset = 0
        for fi, path in enumerate(files):
            pf = pq.ParquetFile(path)
            groups = placed_groups(pf)
            sizes = [pf.metadata.row_group(g).num_rows for g in groups]
            self.files.append(_File(path, groups, np.cumsum([0, *sizes])[:-1], np.array(sizes, np.int64)))
            t = read_groups(pf, groups, (*COLUMNS, *TIES))
            row, code, role = _tie_arrays(t, vocab)
            keep = np.zeros(len(t), bool)
            keep[row] = True
            keep &= ~pc.fill_null(pc.is_in(t["id"], value_set=seen), False).to_numpy(zero_copy_only=False)
            kept = np.flatnonzero(keep)
            remap = np.full(len(t), -1, np.int64)
            remap[kept] = np.arange(offset, offset + len(kept))
            t = t.select(list(COLUMNS))
            if len(kept) < len(t):  # (usually every placed row is kept: no copy then)
                t = t.take(pa.array(kept))
            seen = pa.concat_arrays([seen, t["id"].combine_chunks()])  # an earlier file wins
            tables.append(t)
            where.append(np.stack([np.full(len(kept), fi, np.int64), kept]))
            on = remap[row] >= 0
            ties.append((remap[row][on], code[on], role[on]))
            offset += len(kept)
        empty = SCHEMA.empty_table().select(list(COLUMNS))
        self.table = pa.concat_tables(tables).combine_chunks() if tables else empty
        self.where = np.concatenate(where, axis=1) if where else np.zeros((2, 0), np.int64)
        self._set_ties(ties)

    def _set_ties(self, ties: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        if not ties:
            self.tie_row = self.tie_node = self.tie_role = np.zeros(0, np.int64)
            return
        row, code, role = (np.concatenate(x) for x in zip(*ties, strict=True))
        key = _distinct_sorted(np.sort((row * len(self.node_ids) + code) * len(TIES) + role))  # sorted by firm
        self.tie_role = key % len(TIES)
        self.tie_node = (key // len(TIES)) % len(self.node_ids)
        self.tie_row = key // (len(TIES) * len(self.node_ids))

    def __len__(self) -> int:
        return self.table.num_rows

    def __repr__(self) -> str:
        return f"FirmStore({len(self)} firms, {len(self.tie_row)} ties, {len(self.files)} files)"

    def column(self, name: str) -> np.ndarray:
        """A column as a NumPy array (text as objects, None for empty)."""
        return self.col(name).to_numpy(zero_copy_only=False)

    def col(self, name: str) -> pa.Array:
        """A column of the firms, read from the store files on first use when it is not read at once."""
        if name not in self.table.column_names:
            parts = []
            for fi, f in enumerate(self.files):
                pos = self.where[1][self.where[0] == fi]
                t = read_groups(pq.ParquetFile(f.path), f.groups, [name])
                parts.append(t[name].take(pa.array(pos)))
            col = pa.chunked_array([c for p in parts for c in p.chunks], SCHEMA.field(name).type)
            self.table = self.table.append_column(SCHEMA.field(name), col.combine_chunks())
        return self.table[name]

    def map_rank(self) -> np.ndarray:
        """Each firm's place in map order (listed first, larger registered capital, short name, id): one
        sort of the store, shared by every graph's :meth:`StoreView.top_rows` (ids are distinct: a total order)."""
        if self._map_rank is None:
            stock = np.array([not v for v in self.column("stock_code")], bool)
            cap = np.nan_to_num(self.table["capital_value"].to_numpy(zero_copy_only=False).astype(float), nan=0.0)
            t = self.table
            name = pc.coalesce(pc.if_else(pc.equal(t["short_name"], ""), None, t["short_name"]), t["name"])
            key = pa.table({"stock": stock, "cap": -cap, "name": name, "id": t["id"]})
            order = pc.sort_indices(key, [(c, "ascending") for c in ("stock", "cap", "name", "id")]).to_numpy()
            self._map_rank = np.empty(len(order), np.int64)
            self._map_rank[order] = np.arange(len(order))
        return self._map_rank

    def region_codes(self, level: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(registered capital in yuan, NaN when none or in another currency; each firm's code into the
        region keys; the keys: province and city, or the province alone for ``level`` province): what
        :meth:`StoreView.placements` gives, computed once per store and level."""
        if level not in self._regions:
            t = self.table
            value = t["capital_value"].to_numpy(zero_copy_only=False).astype(float)
            cny = pc.fill_null(pc.equal(pc.fill_null(t["capital_currency"], "CNY"), "CNY"), False).to_numpy()
            capital = np.where(cny & (np.nan_to_num(value, nan=0.0) != 0), value, np.nan)
            key = pc.fill_null(t["province"], "")
            if level == "city":
                key = pc.binary_join_element_wise(key, pc.fill_null(t["city"], ""), "")
            key = pc.dictionary_encode(key)
            key = key.combine_chunks() if isinstance(key, pa.ChunkedArray) else key
            codes = key.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            self._regions[level] = (capital, codes, key.dictionary.to_pylist())
        return self._regions[level]

    def ids(self, rows: np.ndarray) -> list[str]:
        """The ids of ``rows``."""
        return self.table["id"].take(pa.array(np.asarray(rows, np.int64))).to_pylist()

    def companies(self, rows: np.ndarray, nodes: Mapping[str, Any]) -> dict[str, Any]:
        """``Company`` objects for ``rows`` (read in full from the store files), by id, in row order. Each
        firm is made once per store and ``nodes`` (the graphs of several chains share their firms)."""
        rows = np.asarray(rows, np.int64)
        if self._made_for is not nodes:
            self._made, self._made_for = {}, nodes
        made = self._made
        todo = np.array([r for r in dict.fromkeys(rows.tolist()) if r not in made], np.int64)
        if len(todo):
            found = self._read_companies(todo, nodes)
            for r, i in zip(todo.tolist(), self.ids(todo), strict=True):
                if i in found:
                    made[r] = found[i]
        return {i: made[r] for r, i in zip(rows.tolist(), self.ids(rows), strict=True) if r in made}

    def _read_companies(self, rows: np.ndarray, nodes: Mapping[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for fi, f in enumerate(self.files):
            pos = self.where[1][rows[self.where[0][rows] == fi]]
            if not len(pos):
                continue
            gi = np.searchsorted(f.starts, pos, side="right") - 1
            t = pa.concat_tables([self._group(f, int(g)) for g in np.unique(gi).tolist()])
            touched = np.unique(gi)
            local_start = dict(zip(touched.tolist(), np.cumsum([0, *f.sizes[touched][:-1]]).tolist(), strict=True))
            take = [local_start[g] + p - f.starts[g] for g, p in zip(gi.tolist(), pos.tolist(), strict=True)]
            t = known_ties(t.take(pa.array(take, pa.int64())), nodes)
            found.update(companies_of(t, str(f.path)))
        return found

    def _group(self, f: _File, i: int) -> pa.Table:
        """The columns a ``Company`` is made of, of the ``i``-th placed row group of ``f``: read once per
        store (every chain's graph reads the same groups for its firms)."""
        key = (f.path, i)
        if key not in self._groups:
            self._groups[key] = read_groups(pq.ParquetFile(f.path), [f.groups[i]], (*_LOAD_COLUMNS, *LOAD_EXTRA))
        return self._groups[key]

    def attrs(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """Node attributes of ``rows`` as the graph gives a firm (:func:`chainmap.graph._company_attrs`),
        limited to what analysis reads: no chains, local, source, note or website."""
        rows = np.asarray(rows, np.int64)
        cols = {c: self.col(c).take(pa.array(rows)).to_pylist() for c in (*COLUMNS, *LAZY)}
        out = []
        for i in range(len(rows)):
            name, as_of = cols["name"][i], cols["as_of"][i]
            d: dict[str, Any] = {
                "kind": "company",
                "name": name,
                "short_name": cols["short_name"][i] or name,
                "province": cols["province"][i] or "",
                "city": cols["city"][i] or "",
                "district": cols["district"][i] or "",
                "tags": [],
                "as_of": as_of.isoformat() if as_of else "",
            }
            for k in ("stock_code", "credit_code"):
                if cols[k][i]:
                    d[k] = cols[k][i]
            if (cols["status"][i] or "存续") != "存续":
                d["status"] = cols["status"][i]
            if cols["delisted"][i]:
                d["delisted"] = cols["delisted"][i].isoformat()
            if cols["capital_value"][i] is not None:
                d["registered_capital"] = cols["capital_value"][i]
                d["capital_currency"] = cols["capital_currency"][i] or "CNY"
            out.append(d)
        return out

    def ties_of(self, rows: np.ndarray, mask: np.ndarray | None = None) -> dict[int, list[tuple[str, str]]]:
        """Row -> its (node id, role) ties, those of ``mask`` (over the ties) only when given."""
        rows = np.asarray(rows, np.int64)
        if len(rows) < 2000:  # a few rows: their slices of the ties (sorted by row)
            lo, hi = np.searchsorted(self.tie_row, rows, "left"), np.searchsorted(self.tie_row, rows, "right")
            at = np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)] or [[]])
            at = at.astype(np.int64)
            if mask is not None:
                at = at[mask[at]]
        else:
            m = np.isin(self.tie_row, rows)
            at = np.flatnonzero(m & mask if mask is not None else m)
        out: dict[int, list[tuple[str, str]]] = {int(r): [] for r in rows.tolist()}
        ids, roles = self.node_ids, TIES
        for r, n, k in zip(
            self.tie_row[at].tolist(), self.tie_node[at].tolist(), self.tie_role[at].tolist(), strict=True
        ):
            out[r].append((ids[n], roles[k]))
        return out

    def credit_codes(self, ids: Iterable[str]) -> dict[str, str]:
        """Firm id -> credit code, for the ``ids`` kept here that have one."""
        wanted = pa.array(list(ids), pa.string())
        hit = pc.fill_null(pc.is_in(self.table["id"], value_set=wanted), False)
        self.col("credit_code")
        t = self.table.select(["id", "credit_code"]).filter(hit)
        return {i: c for i, c in zip(t["id"].to_pylist(), t["credit_code"].to_pylist(), strict=True) if c}

    def find(self, names: Iterable[str]) -> dict[str, int]:
        """Rows of the firms named (id, name or short name), for the names found."""
        wanted = pa.array(list(dict.fromkeys(names)), pa.string())
        out: dict[str, int] = {}
        for col in ("id", "name", "short_name"):
            hit = np.flatnonzero(pc.fill_null(pc.is_in(self.table[col], value_set=wanted), False).to_numpy())
            for r, v in zip(hit.tolist(), self.table[col].take(pa.array(hit)).to_pylist(), strict=True):
                out.setdefault(v, r)
        return out

    def view(self, region: Any, nodes: Mapping[str, str]) -> StoreView:
        """One region's view over the graph nodes ``nodes`` (id -> kind)."""
        return StoreView(self, region, nodes)


def open_store(root: Path, nodes: Iterable[str], skip: Iterable[str] = ()) -> FirmStore | None:
    """The firm store of a library folder, or None when it has no Parquet store."""
    folder = Path(root) / "imported"
    files = [f for f in sorted(folder.glob("*.parquet")) if is_ours(f)] if folder.is_dir() else []
    return FirmStore(files, nodes, skip) if files else None


def signal_lookup(root: Path) -> Any:
    """A function of firm ids giving each one's change signals between exports (``chainmap changes``),
    newest first, as (kind, date, old, new); None when the library has recorded none."""
    from .store import SIGNALS, recent_signals

    if not (Path(root) / "imported" / SIGNALS).exists():
        return None

    def lookup(ids: list[str]) -> dict[str, list[tuple]]:
        df = recent_signals(root, firms=set(ids))
        out: dict[str, list[tuple]] = {}
        for fid, kind, date, old, new in zip(df["id"], df["kind"], df["date"], df["old"], df["new"], strict=True):
            out.setdefault(fid, []).append((kind, date.isoformat() if date is not None else "", old, new))
        return out

    return lookup


def local_mask(store: FirmStore, region: Any) -> np.ndarray:
    """Which firms are local (:func:`chainmap.graph.is_local`, vectorised)."""
    t = store.table
    if region is None:
        return np.zeros(len(store), bool)
    if region.city:
        local = pc.equal(t["city"], region.city)
    else:
        local = pc.and_(
            pc.equal(t["province"], region.province),
            pc.is_in(store.col("district"), value_set=pa.array(list(region.districts), pa.string())),
        )
    listed = pc.is_in(t["id"], value_set=pa.array(list(region.local_companies), pa.string()))
    return pc.fill_null(pc.or_(pc.fill_null(local, False), listed), False).to_numpy(zero_copy_only=False)


def _distinct_sorted(a: np.ndarray) -> np.ndarray:
    """The distinct values of an array already sorted."""
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


class StoreView:
    """The store seen from a region over one graph's nodes. ``active_ties``: the ties to nodes of the
    graph in the role that places a firm there (operates a link, makes a component, holds a technology);
    ``in_graph``: ties to any node of the graph (a firm with one would be a node of the old graph)."""

    def __init__(self, store: FirmStore, region: Any, nodes: Mapping[str, str]):
        self.store, self.region = store, region
        n = len(store.node_ids)
        self.kind_role = np.full(n, -1, np.int64)  # node code -> the role that places a firm there
        self.in_scope = np.zeros(n, bool)
        for nid, kind in nodes.items():
            code = store.node_index.get(nid)
            if code is not None:
                self.in_scope[code] = True
                self.kind_role[code] = ROLE_CODE.get(ROLE_OF_KIND.get(kind, ""), -1)
        self.local = local_mask(store, region)
        self.scope = self.in_scope[store.tie_node]
        self.placing = self.scope & (store.tie_role == self.kind_role[store.tie_node])
        self.shown = np.zeros(len(store), bool)  # firms materialised into the graph
        self.alive = self._status_in(COMPANY_STATUS_ACTIVE)  # counted as candidates (classify.presence)
        self.present = self._status_in(COMPANY_STATUS_PRESENT)  # counted as local strength

    def rows_in_graph(self) -> np.ndarray:
        """Firms with a tie to a node of the graph (the firms the old graph held), in row order."""
        return _distinct_sorted(self.store.tie_row[self.scope])

    def hidden(self) -> int:
        """How many firms with a tie to a node of the graph are not shown (kept here only)."""
        rows = self.rows_in_graph()
        return int(len(rows) - self.shown[rows].sum())

    def local_rows(self) -> np.ndarray:
        """The local firms with a tie to a node of the graph."""
        rows = self.rows_in_graph()
        return rows[self.local[rows]]

    def top_rows(self, budget: int = 5000) -> np.ndarray:
        """Per node, the first outside firms in map order (listed, larger registered capital, short name,
        id): about ``budget`` firms over the nodes that hold any (what a map keeps, at least 5 a node)."""
        s = self.store
        m = self.placing & ~self.local[s.tie_row]
        row, node = s.tie_row[m], s.tie_node[m]
        if not len(row):
            return row
        per_node = max(budget // np.count_nonzero(np.bincount(s.tie_node[self.placing])), 5)
        order = np.lexsort((s.map_rank()[row], node))  # by node, then map order
        node_sorted = node[order]
        first = np.searchsorted(node_sorted, node_sorted, side="left")
        keep = np.arange(len(node_sorted)) - first < per_node
        return np.unique(row[order][keep])

    def copy(self) -> StoreView:
        """A view of its own (what is shown marked apart), sharing the rest."""
        other = copy.copy(self)
        other.shown = self.shown.copy()
        return other

    def mark_shown(self, rows: np.ndarray) -> None:
        """``rows`` are now nodes of the graph: counted there, not here."""
        self.shown[np.asarray(rows, np.int64)] = True

    def outside(self) -> dict[str, int]:
        """Node id -> outside firms kept here (not shown) that work there: :class:`Presence` ``outside``."""
        s = self.store
        m = self.placing & ~self.local[s.tie_row] & ~self.shown[s.tie_row] & self.alive[s.tie_row]
        counts = np.bincount(s.tie_node[m], minlength=len(s.node_ids))
        return {s.node_ids[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def local_at(self) -> dict[str, list[tuple[str, str]]]:
        """Node id -> (short name, id) of the local firms kept here (not shown) that work there."""
        s = self.store
        m = self.placing & self.local[s.tie_row] & ~self.shown[s.tie_row] & self.present[s.tie_row]
        row, node = s.tie_row[m], s.tie_node[m]
        if not len(row):
            return {}
        rows = _distinct_sorted(np.sort(row))
        t = s.table
        short = pc.if_else(pc.equal(t["short_name"], ""), pa.nulls(len(t), pa.string()), t["short_name"])
        names = pc.coalesce(short, t["name"]).take(pa.array(rows)).to_pylist()
        ids = s.ids(rows)
        pos = np.searchsorted(rows, row)
        out: dict[str, list[tuple[str, str]]] = {}
        for i, n in zip(pos.tolist(), node.tolist(), strict=True):
            out.setdefault(s.node_ids[n], []).append((names[i], ids[i]))
        return out

    def kept(self) -> dict[str, Any]:
        """The firms kept here (not shown), per node: ``outside`` counts and ``local`` (short name, id):
        the keyword arguments :func:`chainmap.analysis.gaps.chain_gaps` takes."""
        return {"outside": self.outside(), "local": self.local_at()}

    def active(self) -> np.ndarray:
        """Firms that may be targets: 登记状态 存续 / 在业 / 迁入 / 迁出, or none given."""
        return self.alive

    def _status_in(self, statuses: tuple[str, ...]) -> np.ndarray:
        st = self.store.table["status"]
        ok = pc.or_(pc.is_null(st), pc.is_in(st, value_set=pa.array(list(statuses), pa.string())))
        return pc.fill_null(ok, True).to_numpy(zero_copy_only=False)

    def candidate_ties(self, gap_nodes: Iterable[str]) -> np.ndarray:
        """Mask over the ties: an outside firm kept here working at one of ``gap_nodes``."""
        s = self.store
        gap = np.zeros(len(s.node_ids), bool)
        gap[[s.node_index[n] for n in gap_nodes if n in s.node_index]] = True
        return self.placing & gap[s.tie_node] & ~self.local[s.tie_row] & ~self.shown[s.tie_row]

    def placements(self, level: str = "city") -> dict[str, Any]:
        """One entry per (firm kept here, link it operates in the graph), as arrays: ``row`` (store
        rows), ``key`` (codes into ``keys``: province and city, or the province alone for ``level``
        province, as :func:`chainmap.analysis.feasibility.rca` keys regions), ``node`` (codes into
        ``store.node_ids``), ``capital`` (registered capital in yuan; NaN when none or in another
        currency): the rows :func:`chainmap.analysis.feasibility.placements_from_graph` would give."""
        s = self.store
        m = self.scope & (s.tie_role == ROLE_CODE["operates"]) & ~self.shown[s.tie_row]
        row = s.tie_row[m]
        capital, codes, keys = s.region_codes(level)
        return {"row": row, "key": codes[row], "keys": keys, "node": s.tie_node[m], "capital": capital[row]}
