"""Parquet stores written row group by row group in the row groups :func:`.store._write_parquet` makes of a
whole table, so a store streamed from its parts has the bytes the table path gives it.

``_write_parquet`` writes the placed firms of a table, then the unplaced ones: it takes the table's record
batches (its chunks, cut at :data:`.store.ROW_GROUP` rows), keeps the rows of the pass, and writes what it
gathered -- as row groups of ``ROW_GROUP`` rows and the rest -- once it holds ``ROW_GROUP`` rows or more at the
end of a batch. :class:`Sink` does the same with rows handed over batch by batch (:meth:`Sink.end` where a
batch of the whole table would end).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import store as _store
from .background import Background
from .pool import StoredPool
from .store import Transaction, parquet_schema, parquet_writer, placed_mask

__all__ = ["LazyWriter", "Sink", "rewrite_store", "rewrite_without", "row_group", "store_rows", "table_rows"]


def row_group() -> int:
    """The store's row group size (looked up when used: tests make it small)."""
    return _store.ROW_GROUP


class LazyWriter:
    """The Parquet writer of a store file in a transaction, made when first asked for (a store that ends
    up with nothing to write gets no file)."""

    def __init__(self, tx: Transaction, path: Path, info: dict[str, Any]):
        self.tx, self.path, self.info = tx, path, info
        self.w: pq.ParquetWriter | None = None

    def get(self) -> pq.ParquetWriter:
        if self.w is None:
            self.w = parquet_writer(self.tx.temp(self.path), parquet_schema(self.info))
        return self.w

    def close(self) -> None:
        if self.w is not None:
            self.w.close()

    def __enter__(self) -> LazyWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Sink:
    """One pass (placed or unplaced firms) of a store's rows, written by ``bg`` in the row groups
    ``_write_parquet`` would make (see the module)."""

    def __init__(self, out: LazyWriter, placed: bool, bg: Background):
        self.out, self.placed, self.bg = out, placed, bg
        self.buf: list[pa.Table] = []
        self.size = 0

    def add(self, t: pa.Table | pa.RecordBatch) -> None:
        """Rows of the current batch (all of this pass)."""
        if not len(t):
            return
        if isinstance(t, pa.RecordBatch):
            t = pa.Table.from_batches([t])
        at = t.schema.get_field_index("placed")
        self.buf.append(t.set_column(at, "placed", pa.array(np.full(len(t), self.placed))))
        self.size += len(t)

    def end(self) -> None:
        """A batch of the whole table ends here."""
        if self.size >= row_group():
            self._write()

    def flush(self) -> None:
        """The pass ends."""
        if self.size:
            self._write()

    def _write(self) -> None:
        w = self.out.get()
        t = pa.concat_tables(self.buf).combine_chunks().cast(w.schema)
        self.bg.submit(_write_table, w, t)
        self.buf, self.size = [], 0


def _write_table(w: pq.ParquetWriter, t: pa.Table) -> None:
    w.write_table(t, row_group_size=row_group())


def table_rows(sink: Sink, t: pa.Table, gone: np.ndarray | None) -> None:
    """The rows of ``t`` not ``gone`` (per row; None: none), of the sink's pass, batch by batch as
    ``_write_parquet`` cuts ``t`` with those rows filtered out."""
    off = 0
    for b in t.to_batches():
        _batch_rows(sink, b, None if gone is None else gone[off : off + len(b)])
        off += len(b)


def store_rows(sink: Sink, pool: StoredPool, key: Path, gone: np.ndarray | None) -> None:
    """:func:`table_rows` of a store of ``pool``, read row group by row group (a row group of none of the
    pass's firms, by the statistics of its ``placed`` column, or of gone rows only is not read: neither
    would add a row nor end a batch)."""
    sizes = np.cumsum([0, *pool.group_sizes(key)])
    want = np.ones(len(sizes) - 1, bool)
    kinds = pool.placed_groups(key)
    if kinds is not None:
        want &= np.array([on if sink.placed else off for on, off in kinds], bool)
    if gone is not None:
        want &= np.add.reduceat(~gone, sizes[:-1]) > 0 if len(gone) else False
    for at, t in pool.groups(key, want):
        for b in t.to_batches():
            _batch_rows(sink, b, None if gone is None else gone[at : at + len(b)])
            at += len(b)


def _batch_rows(sink: Sink, b: pa.RecordBatch, drop: np.ndarray | None) -> None:
    if drop is not None and drop.any():
        b = b.filter(pa.array(~drop))
    size = row_group()
    for lo in range(0, len(b), size):
        piece = b.slice(lo, size)
        on = np.asarray(placed_mask(pa.Table.from_batches([piece])), dtype=bool)
        mine = on if sink.placed else ~on
        if mine.all():  # a store read back: its placed firms first, row groups of one kind but one
            sink.add(piece)
        elif mine.any():
            sink.add(piece.filter(pa.array(mine)))
        sink.end()


def rewrite_without(tx: Transaction, f: Path, t: pa.Table, gone: np.ndarray, info: dict[str, Any]) -> None:
    """Store ``f`` (held as ``t``) written again without the rows ``gone``: a Parquet store row group by
    row group (no filtered copy of the whole table), a YAML one (small) whole."""
    if f.suffix != ".parquet":
        tx.write_table(f, t.filter(pa.array(~gone)), "yaml", info)
        return
    _both_passes(tx, f, info, lambda sink: table_rows(sink, t, gone))


def rewrite_store(tx: Transaction, f: Path, pool: StoredPool, gone: np.ndarray, info: dict[str, Any]) -> None:
    """:func:`rewrite_without` of a store of ``pool``, a Parquet one read row group by row group."""
    if f.suffix != ".parquet":
        rewrite_without(tx, f, pool[f], gone, info)
        return
    _both_passes(tx, f, info, lambda sink: store_rows(sink, pool, f, gone))


def _both_passes(tx: Transaction, f: Path, info: dict[str, Any], fill: Callable[[Sink], None]) -> None:
    """A Parquet store ``f`` written (in ``tx``) from what ``fill`` hands a sink, the placed pass then the
    unplaced one."""
    with LazyWriter(tx, f, info) as out:
        out.get()
        with Background() as bg:
            for placed in (True, False):
                sink = Sink(out, placed, bg)
                fill(sink)
                sink.flush()
            bg.finish()
