"""The stored versions of the records an import takes over, gathered in one pass over the stores' row groups
(:meth:`.pool.StoredPool.groups`) into the order the import asks for them: the chunks' order, which is,
nearly, the order the records were taken in (:attr:`.taken.Prev.taken`). The store itself is never held:
a row group is read, the rows taken over in it go to the scratch file of their range of that order
(:data:`SPAN` records each, Arrow's stream format), and the store stage reads the ranges back one or two
at a time. Up to :data:`SPAN` records in all are held in memory instead (a daily file).

A store's rows in the order of their ids (an updated store writes its changed records so) and an export
in the platform's order have nothing in common: reading the store row group by row group for each chunk
would read it again for every chunk; gathered once, it is read once.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..store import SCHEMA
from .pool import StoredPool
from .store import Transaction
from .taken import Prev

__all__ = ["SPAN", "Gathered"]

SPAN = 1 << 16  # records per range of the order taken (one or two ranges are held at a time)
_HELD = 2


class Gathered:
    """The stored records ``prev`` names, from the stores of ``pool`` (in its order: ``prev.file``)."""

    def __init__(self, pool: StoredPool, prev: Prev, tx: Transaction):
        self.prev = prev
        self.span = _span(len(prev.ids))
        self.part = prev.taken // self.span  # per taken-over record: its range
        self.slot = np.full(len(prev.ids), -1, np.int64)  # per record of a held range: its row there
        self.files: dict[int, Path] = {}
        self.held: OrderedDict[int, pa.Table] = OrderedDict()
        self._gather(pool, tx)

    def take(self, k: np.ndarray) -> pa.Table:
        """The stored records ``k`` (indices in ``prev``), in that order."""
        parts = self.part[k]
        first = parts[0] if len(k) else 0
        if len(k) and (parts == first).all():
            return _rows(self._range(int(first)), self.slot[k])
        pieces, order = [], []
        for p in np.unique(parts).tolist():
            at = np.flatnonzero(parts == p)
            pieces.append(_rows(self._range(p), self.slot[k[at]]))
            order.append(at)
        if not pieces:
            return SCHEMA.empty_table()
        t = pa.concat_tables(pieces)
        back = np.empty(len(k), np.int64)
        back[np.concatenate(order)] = np.arange(len(k))
        return t.take(pa.array(back))

    def close(self) -> None:
        self.held.clear()

    def _range(self, p: int) -> pa.Table:
        if p in self.held:
            self.held.move_to_end(p)
            return self.held[p]
        with pa.memory_map(str(self.files[p])) as src:  # mapped: the one copy is the one _hold makes
            self._hold(p, pa.ipc.open_stream(src).read_all())
        return self.held[p]

    def _hold(self, p: int, t: pa.Table) -> None:
        ks = np.asarray(t["_k"].combine_chunks() if len(t) else np.zeros(0, np.int64), dtype=np.int64)
        t = t.drop_columns(["_k"]).combine_chunks()
        self.slot[ks] = np.arange(len(ks))
        self.held[p] = t
        while len(self.held) > _HELD:
            self.held.popitem(last=False)

    def _gather(self, pool: StoredPool, tx: Transaction) -> None:
        """One pass over each store's row groups holding taken-over records: those records, by range."""
        prev = self.prev
        by_file = np.argsort(prev.row, kind="stable") if len(pool) == 1 else np.lexsort((prev.row, prev.file))
        bounds = np.searchsorted(prev.file[by_file], np.arange(len(pool) + 1))
        out: dict[int, list[pa.Table]] = {}
        writers: dict[int, tuple[pa.OSFile, pa.ipc.RecordBatchStreamWriter]] = {}
        try:
            for fi, key in enumerate(pool):
                ks = by_file[bounds[fi] : bounds[fi + 1]]
                rows = prev.row[ks]  # rising
                if not len(ks):
                    continue
                for at, t, lo, hi in pool.holding(key, rows):
                    self._out(t, rows[lo:hi] - at, ks[lo:hi], out, writers, tx)
        finally:
            for f, w in writers.values():
                w.close()
                f.close()
        for p, pieces in out.items():  # few records: held, no file
            self._hold(p, pa.concat_tables(pieces))

    def _out(self, t: pa.Table, local: np.ndarray, ks: np.ndarray, out: dict, writers: dict, tx: Transaction) -> None:
        """The rows ``local`` of a row group ``t`` (records ``ks``) to their ranges: picked and put in the
        order of their ranges with one take (none when they are the whole group, in order)."""
        parts = self.part[ks]
        if len(parts) > 1 and (np.diff(parts) < 0).any():
            o = np.argsort(parts, kind="stable")
            local, ks, parts = local[o], ks[o], parts[o]
        whole = len(local) == len(t) and (len(local) == 0 or (local[0] == 0 and (np.diff(local) == 1).all()))
        t = (t if whole else t.take(pa.array(local))).append_column("_k", pa.array(ks, pa.int64()))
        cuts = np.flatnonzero(np.concatenate([[True], parts[1:] != parts[:-1], [True]]))
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            p, piece = int(parts[a]), t.slice(a, b - a)
            if self.span >= len(self.prev.ids):  # one range, in memory
                out.setdefault(p, []).append(piece)
                continue
            if p not in writers:
                self.files[p] = tx.scratch()
                f = pa.OSFile(str(self.files[p]), "wb")
                writers[p] = (f, pa.ipc.new_stream(f, piece.schema))
            writers[p][1].write_table(piece.combine_chunks())


def _rows(t: pa.Table, at: np.ndarray) -> pa.Table:
    """Rows ``at`` of a one-chunk table: runs of rows in a row sliced (no copy) where they are long (the
    records of a chunk, asked for in the order of their stored rows, often are)."""
    if not len(at):
        return t.slice(0, 0)
    starts = np.flatnonzero(np.concatenate([[True], np.diff(at) != 1]))
    if len(starts) * 64 > len(at):
        return t.take(pa.array(at))
    ends = np.concatenate([starts[1:], [len(at)]])
    return pa.concat_tables([t.slice(at[a], b - a) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)])


def _span(n: int) -> int:
    """Records per range (looked up when used: tests make it small)."""
    return SPAN if n > SPAN else max(n, 1)
