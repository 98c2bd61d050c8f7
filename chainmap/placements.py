"""Imported firms per chain node, straight from the store, as tables: what analysis at national scale
needs without a networkx node per firm (issue 14, item 1).

:func:`placements` explodes the stores' ties into one row per (firm, node) with the firm's place,
status and capital (only placed row groups and the needed columns are read); :func:`presence` groups
them per node into local and outside counts for a region, with vectorised Arrow group-bys. Gap analysis
can take its presence from here and materialise firm nodes only for what a page or list shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .store import TIES, is_ours, read_table
from .vocab import COMPANY_STATUS_ACTIVE, COMPANY_STATUS_PRESENT

__all__ = ["placements", "presence"]

_COLS = ["id", "name", "province", "city", "district", "status", "capital_value", "capital_currency", *TIES]


def _placed(path: Path) -> pa.Table:
    if path.suffix != ".parquet":
        return read_table(path).select(_COLS)
    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    groups = list(range(pf.num_row_groups))
    if "placed" in names:
        i = names.index("placed")
        groups = [g for g in groups if (st := pf.metadata.row_group(g).column(i).statistics) is None or st.max]
    t = pf.read_row_groups(groups, columns=[c for c in _COLS if c in names])
    for c in _COLS:
        if c not in t.column_names:
            t = t.append_column(c, pa.nulls(len(t), pa.string()))
    return t.select(_COLS)


def placements(root: str | Path, nodes: set[str] | None = None) -> pa.Table:
    """One row per (imported firm, node): ``id``, ``name``, ``node``, ``role`` (operates, makes,
    holds), ``province``, ``city``, ``district``, ``status``, ``capital_value``, ``capital_currency``.

    Examples
    --------
    >>> import tempfile
    >>> placements(tempfile.mkdtemp()).column_names[:4]
    ['id', 'name', 'node', 'role']
    """
    folder = Path(root) / "imported"
    files = sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    parts = []
    for f in files:
        if not is_ours(f):
            continue
        t = _placed(f)
        for role in TIES:
            idx = pc.list_parent_indices(t[role])
            flat = pc.list_flatten(t[role])
            base = t.select(["id", "name"]).take(idx)
            rest = t.select(_COLS[2:8]).take(idx)
            cols = {"id": base["id"], "name": base["name"], "node": flat, "role": pa.array([role] * len(flat))}
            cols |= {c: rest[c] for c in rest.column_names}
            parts.append(pa.table(cols))
    schema_cols = ["id", "name", "node", "role", *_COLS[2:8]]
    if not parts:
        return pa.table({c: pa.array([], pa.string()) for c in schema_cols})
    out = pa.concat_tables(parts, promote_options="permissive")
    if nodes is not None:
        out = out.filter(pc.is_in(out["node"], value_set=pa.array(sorted(nodes), pa.string())))
    return out


def presence(table: pa.Table, region: Any) -> pa.Table:
    """Per node: ``local`` and ``outside`` counts for a region profile (its city, or its province and
    districts), as :func:`chainmap.analysis.classify.presence` counts them: local firms registered as
    present (:data:`~chainmap.vocab.COMPANY_STATUS_PRESENT`), outside firms that may be targets
    (:data:`~chainmap.vocab.COMPANY_STATUS_ACTIVE`); no status counts as 存续."""
    if region.city:
        local = pc.fill_null(pc.equal(table["city"], region.city), False)
    else:
        local = pc.and_(
            pc.fill_null(pc.equal(table["province"], region.province), False),
            pc.fill_null(pc.is_in(table["district"], value_set=pa.array(region.districts, pa.string())), False),
        )
    st = table["status"]

    def among(statuses: tuple[str, ...]) -> pa.Array:
        return pc.fill_null(pc.or_(pc.is_null(st), pc.is_in(st, value_set=pa.array(list(statuses)))), True)

    alive = pc.if_else(local, among(COMPANY_STATUS_PRESENT), among(COMPANY_STATUS_ACTIVE))
    t = pa.table({"node": table["node"], "local": pc.cast(local, pa.int64()), "alive": alive}).filter(alive)
    g = t.group_by("node").aggregate([("local", "sum"), ("local", "count")])
    return pa.table(
        {"node": g["node"], "local": g["local_sum"], "outside": pc.subtract(g["local_count"], g["local_sum"])}
    )
