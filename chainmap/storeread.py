"""The read side of the firm store: placed row groups, the columns asked for, ties to the library's
nodes, and ``Company`` objects built fast from store rows (for :func:`attach_imported`, the loader's
graph path, and :meth:`chainmap.firmstore.FirmStore.companies`, which builds only the firms shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .money import Amount
from .store import _LOAD_COLUMNS, SCHEMA, TIES, _company_factory, is_ours

__all__ = ["LOAD_EXTRA", "attach_imported", "companies_of", "known_ties", "placed_groups", "read_groups"]

_REPEATING = {"province", "city", "district", "as_of", "founded", "status", "registered_province", "registered_city"}
# Company fields with a default the store may leave empty (null in the store -> the model's default)
_DEFAULTS = {"status": "存续"}


def _may_hold_true(stats: Any) -> bool:
    return stats is None or not stats.has_min_max or bool(stats.max)


def _pylist(col: pa.ChunkedArray | pa.Array, repeats: bool = False) -> list[Any]:
    """``to_pylist`` for a load of 100k+ rows: list columns sliced from one flat list, dates and other
    repeating values converted once per distinct value."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_list(col.type):
        flat = col.flatten().to_pylist()
        offs = (pc.subtract(col.offsets, col.offsets[0]) if len(col) else col.offsets).to_pylist()
        valid = col.is_valid().to_pylist()
        return [flat[a:b] if ok else None for a, b, ok in zip(offs, offs[1:], valid, strict=False)]
    if pa.types.is_date(col.type) or (pa.types.is_string(col.type) and repeats):
        d = pc.dictionary_encode(col)
        uniq = d.dictionary.to_pylist()
        if len(uniq) * 4 > len(col):
            return col.to_pylist()  # mostly distinct: nothing to save
        return [None if i is None else uniq[i] for i in d.indices.to_pylist()]
    return col.to_pylist()


def attach_imported(lib: Any, root: Path) -> int:
    """Add to ``lib.companies`` the firms of ``root/imported/*.parquet`` stores that sit on a node of
    the library. Unplaced firms stay in the store (see :func:`read_store`): they would not enter the
    graph anyway, and the store keeps placed firms first so only their row groups are read. Ties to
    nodes the chains no longer have are dropped; a hand-written record with the same id wins.
    Returns the number of firms added."""
    folder = Path(root) / "imported"
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return 0
    import gc

    enabled = gc.isenabled()
    gc.disable()  # 100k+ new objects, none of them cyclic garbage: collections would only cost time
    try:
        return sum(_attach_file(lib, path) for path in sorted(folder.glob("*.parquet")) if is_ours(path))
    finally:
        if enabled:
            gc.enable()


def placed_groups(pf: pq.ParquetFile) -> list[int]:
    """The row groups of a store that may hold placed firms (they come first in the store)."""
    names = pf.schema_arrow.names
    groups = list(range(pf.num_row_groups))
    if "placed" in names:
        i = names.index("placed")
        groups = [g for g in groups if _may_hold_true(pf.metadata.row_group(g).column(i).statistics)]
    return groups


LOAD_EXTRA = ("capital_value", "capital_currency", "evidence", "note")


def read_groups(pf: pq.ParquetFile, groups: list[int], columns: list[str] | tuple[str, ...]) -> pa.Table:
    """``columns`` of row ``groups`` of a store; columns an older store lacks come back empty."""
    names = pf.schema_arrow.names
    wanted = [c for c in columns if c in names]
    t = pf.read_row_groups(groups, columns=wanted) if groups else SCHEMA.empty_table().select(wanted)
    for c in columns:  # a store of an older version: columns added since are empty
        if c not in t.column_names:
            t = t.append_column(SCHEMA.field(c), pa.nulls(len(t), SCHEMA.field(c).type))
    return t.select(list(columns))


def known_ties(t: pa.Table, nodes: Any) -> pa.Table:
    """``t`` with its ties to nodes the library no longer has dropped (the chains may have changed)."""
    known = pa.array(sorted(nodes), pa.string())
    for k in TIES:
        flat = pc.list_flatten(t[k])
        if len(flat) and not pc.all(pc.is_in(flat, value_set=known)).as_py():
            rows = [[n for n in ids if n in nodes] for ids in t[k].to_pylist()]
            t = t.set_column(t.column_names.index(k), k, pa.array(rows, pa.list_(pa.string())))
    return t


def _placed_rows(lib: Any, path: Path) -> pa.Table:
    """The rows of a store placed on nodes the library has (ties to vanished nodes dropped)."""
    pf = pq.ParquetFile(path)
    t = read_groups(pf, placed_groups(pf), (*_LOAD_COLUMNS, *LOAD_EXTRA))
    if not len(t):
        return t
    placed = None
    for k in TIES:
        n = pc.fill_null(pc.list_value_length(t[k]), 0)
        placed = n if placed is None else pc.add(placed, n)
    t = t.filter(pc.greater(placed, 0))
    return known_ties(t, lib.nodes)


def companies_of(t: pa.Table, display: str) -> list[tuple[str, Any]]:
    """(id, Company) for each row of ``t`` (columns of :func:`read_groups` with ``_LOAD_COLUMNS`` and
    ``LOAD_EXTRA``) that has a tie; built with the fast constructor, as the loader does."""
    make = _company_factory()
    cols = [_pylist(t[c], c in _REPEATING) for c in _LOAD_COLUMNS]
    values = _pylist(t["capital_value"])
    currencies = _pylist(t["capital_currency"], True)
    evidence, notes = _pylist(t["evidence"]), _pylist(t["note"])
    out = []
    for row, value, cur, ev, note in zip(zip(*cols, strict=True), values, currencies, evidence, notes, strict=True):
        d = dict(zip(_LOAD_COLUMNS, row, strict=True))
        if not (d["operates"] or d["makes"] or d["holds"]):
            continue
        d["registered_capital"] = None if value is None else Amount(value, cur or "CNY")
        d["note"] = note if note is not None else (f"导入匹配依据：{ev}" if ev else None)
        d.update(aliases=[], parent=None, tags=[], revenue=None, revenue_year=None, supplies=[])
        for k, default in _DEFAULTS.items():
            if d[k] is None:
                d[k] = default
        if not d["source"]:
            d["source"] = [display]
        out.append((d["id"], make(d)))
    return out


def _attach_file(lib: Any, path: Path) -> int:
    t = _placed_rows(lib, path)
    if not len(t):
        return 0
    display = str(path)
    companies, where = lib.companies, lib.where
    added = 0
    for cid, c in companies_of(t, display):
        if cid in companies:
            continue
        companies[cid] = c
        where[cid] = (display, 0, 0)
        added += 1
    return added
