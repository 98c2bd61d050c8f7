"""The stores an import finds in its output's folder (:attr:`.prepare.Existing.pool`): a mapping of store
file to its table, as :func:`.store.read_table` reads it -- but a Parquet store holds only its ids and
credit codes (the index's arrays) until a whole table is asked for. The streamed store
stage never asks: it reads the stored rows it needs row group by row group (:meth:`StoredPool.groups`,
:mod:`.gather`), so an import over a store of millions of firms does not hold the store in memory
(~470 MB at 917k firms, before).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..store import COLUMNS, SCHEMA

__all__ = ["KEY_COLUMNS", "StoredPool", "read_columns", "read_key_columns"]

KEY_COLUMNS = ["id", "credit_code", "name"]  # what the look-ups read first


def read_columns(path: Path, columns: list[str]) -> pa.Table:
    """Some columns of a Parquet store, of :data:`SCHEMA`'s types (missing ones empty), chunked as
    :func:`.store.read_table` reads them (a chunk a row group: the stores written from it get the
    same row groups)."""
    have = set(pq.read_schema(path).names)
    t = pq.read_table(path, columns=[c for c in columns if c in have])
    n = t.num_rows if t.num_columns else pq.read_metadata(path).num_rows
    return _typed(t, columns, have, n)


def read_key_columns(path: Path) -> pa.Table:
    """:data:`KEY_COLUMNS` of a Parquet store, a column at a time, each in one chunk (the look-ups take from
    one array; read all at once and joined afterwards, 10M stored firms took ~1.7 GB for a moment)."""
    have = set(pq.read_schema(path).names)
    cols = {c: pq.read_table(path, columns=[c])[c].combine_chunks() for c in KEY_COLUMNS if c in have}
    return _typed(pa.table(cols), KEY_COLUMNS, set(cols), pq.read_metadata(path).num_rows)


def _typed(t: pa.Table, columns: list[str], have: set[str], n: int) -> pa.Table:
    t = pa.table({c: t[c] if c in have else pa.nulls(n, SCHEMA.field(c).type) for c in columns})
    return t.cast(pa.schema([SCHEMA.field(c) for c in columns]))


class StoredPool(Mapping[Path, pa.Table]):
    """Store file -> its whole table (made when first asked for, then kept). ``tables``: per store, the
    whole table, or -- for a store named in ``lazy`` (its Parquet file) -- some of its columns (the index's
    ids and codes: the other columns are read from the file when the whole table is asked for)."""

    def __init__(self, tables: Mapping[Path, pa.Table], lazy: Mapping[Path, Path] | None = None):
        self._tables = dict(tables)
        self._lazy = dict(lazy or {})

    def __getitem__(self, key: Path) -> pa.Table:
        t = self._tables[key]
        if key in self._lazy:
            held = set(t.column_names)
            rest = read_columns(self._lazy.pop(key), [c for c in COLUMNS if c not in held])
            t = pa.table({c: (t if c in held else rest)[c] for c in COLUMNS}).cast(SCHEMA)
            self._tables[key] = t
        return t

    def __iter__(self) -> Iterator[Path]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __contains__(self, key: object) -> bool:
        return key in self._tables

    def rows(self, key: Path) -> int:
        """How many records the store holds."""
        return len(self._tables[key])

    def ids(self, key: Path) -> pa.ChunkedArray:
        """The store's ids (held: nothing read)."""
        return self._tables[key]["id"]

    def column(self, key: Path, name: str) -> pa.ChunkedArray:
        """One column of the store (read from its file alone when the table is not held)."""
        if key in self._lazy and name not in self._tables[key].column_names:
            return read_columns(self._lazy[key], [name])[name]
        return self._tables[key][name]

    def take(self, key: Path, rows: np.ndarray) -> pa.Table:
        """The records at ``rows`` of a store, in that order (a store not held: only the row groups holding
        them are read, one at a time)."""
        if key not in self._lazy:
            return self._tables[key].take(pa.array(rows, pa.int64()))
        o = np.argsort(rows, kind="stable")
        r = rows[o]
        pieces = [SCHEMA.empty_table(), *(t.take(pa.array(r[lo:hi] - at)) for at, t, lo, hi in self.holding(key, r))]
        back = np.empty(len(rows), np.int64)
        back[o] = np.arange(len(rows))
        return pa.concat_tables(pieces).take(pa.array(back))

    def holding(self, key: Path, rows: np.ndarray) -> Iterator[tuple[int, pa.Table, int, int]]:
        """(first row, rows, lo, hi) of each row group holding some of ``rows`` (ascending): ``rows[lo:hi]``
        are in it; the other row groups are not read."""
        sizes = np.cumsum([0, *self.group_sizes(key)])
        want = np.zeros(len(sizes) - 1, bool)
        want[np.searchsorted(sizes, rows, side="right") - 1] = True
        for at, t in self.groups(key, want):
            lo, hi = np.searchsorted(rows, [at, at + len(t)]).tolist()
            yield at, t, lo, hi

    def groups(self, key: Path, want: np.ndarray | None = None) -> Iterator[tuple[int, pa.Table]]:
        """(first row, rows) of the store, a row group at a time (the batches of the whole table), each
        with every column of :data:`SCHEMA`. ``want``: per row group, whether to read it (the others are
        skipped: nothing decoded)."""
        if key not in self._lazy:
            at = 0
            for i, b in enumerate(self._tables[key].to_batches()):
                if want is None or want[i]:
                    yield at, pa.Table.from_batches([b])
                at += len(b)
            return
        pf = pq.ParquetFile(self._lazy[key])
        have = set(pf.schema_arrow.names)
        at = 0
        for i in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(i).num_rows
            if want is None or want[i]:
                t = pf.read_row_group(i, columns=[c for c in COLUMNS if c in have])
                yield at, _typed(t, COLUMNS, have, n).combine_chunks()
            at += n

    def group_sizes(self, key: Path) -> list[int]:
        """The rows of each row group (each batch of a held table)."""
        if key in self._lazy:
            md = pq.read_metadata(self._lazy[key])
            return [md.row_group(i).num_rows for i in range(md.num_row_groups)]
        return [len(b) for b in self._tables[key].to_batches()]

    def placed_groups(self, key: Path) -> list[tuple[bool, bool]] | None:
        """Per row group of a store not held: (holds placed firms, holds unplaced ones), from the ``placed``
        column's statistics (None: not known)."""
        if key not in self._lazy:
            return None
        md = pq.read_metadata(self._lazy[key])
        names = [md.schema.column(i).name for i in range(md.num_columns)]
        if "placed" not in names:
            return None
        j = names.index("placed")
        out = []
        for i in range(md.num_row_groups):
            st = md.row_group(i).column(j).statistics
            if st is None or not st.has_min_max or st.null_count:
                return None
            out.append((bool(st.max), not bool(st.min)))
        return out
