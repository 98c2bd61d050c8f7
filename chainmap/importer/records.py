"""This run's records between the dedupe stage and the store: per chunk, the firms placed on a chain
node and the others, kept apart from the moment they are added (in memory, or spilled to temporary
Arrow files and read back), with the later duplicate rows of a record kept as
patches and folded in when the records are read back.

The store stage reads the placed records of every chunk, then the unplaced ones: each spill is read
once (twice for the rare chunk holding a record a patch places: such a record moves to the placed
records, at its place in the order the records were first seen).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..store import COLUMNS, SCHEMA, to_table
from .background import Background
from .merge import LISTISH, merge_into, merge_lists, merged
from .store import placed_mask

__all__ = [
    "Part",
    "Records",
    "merge_into",
    "merge_lists",
    "read_ipc",
    "read_spill",
    "record_table",
    "write_ipc",
    "write_spill",
]

# not compressed: LZ4 cost ~1.2 s of CPU to write and ~0.3 s to read the spills of a 1M-row export (Arrow's
# threads; 2.5x fewer bytes on disk), more than the whole write and read of the plain bytes (~1 s)
_IPC = pa.ipc.IpcWriteOptions(compression=None, use_threads=False)
_IDS = pa.schema([("id", pa.string())])


def write_ipc(path: Path, batches: list[pa.RecordBatch], create: bool = True, schema: pa.Schema = SCHEMA) -> None:
    """A spill file: Arrow's own format, not compressed, written and read back at memory speed. With ``create``
    false the file must exist (a scratch file an aborted import has removed is not made again); it is
    then made in memory and written in one call (no Python call per buffer, no GIL asked for each)."""
    buf = pa.BufferOutputStream()
    with pa.ipc.new_file(buf, schema, options=_IPC) as w:
        for b in batches:
            w.write_batch(b)
    with path.open("wb" if create else "r+b") as fh:
        fh.write(buf.getvalue())


def read_ipc(path: Path, lo: int = 0, hi: int | None = None) -> pa.Table:
    """The record batches ``lo`` to ``hi`` (default: the last) of a spill file, as one table."""
    with pa.OSFile(str(path), "rb") as src:
        r = pa.ipc.open_file(src)
        hi = r.num_record_batches if hi is None else hi
        return pa.Table.from_batches([r.get_batch(i) for i in range(lo, hi)], schema=r.schema)


def write_spill(path: Path, table: pa.Table) -> None:
    """A worker process's spill file (which must exist, as :func:`write_ipc` with ``create`` false):
    written buffer by buffer, no copy made first (no thread of that process waits for the GIL)."""
    with path.open("r+b") as fh, pa.ipc.new_file(pa.PythonFile(fh, mode="w"), table.schema, options=_IPC) as w:
        w.write_table(table)


def read_spill(path: Path) -> pa.Table:
    """A whole spill file, memory-mapped: nothing is copied, only the pages used are read (the
    mapping lives as long as the table's buffers)."""
    with pa.memory_map(str(path), "rb") as src:
        r = pa.ipc.open_file(src)
        return pa.Table.from_batches([r.get_batch(i) for i in range(r.num_record_batches)], schema=r.schema)


def record_table(rec: dict[str, Any], n: int) -> pa.Table:
    """A chunk's ``n`` records as a table of the store's schema (a column not in ``rec``: nulls)."""
    return pa.table([rec[c] if c in rec else pa.nulls(n, SCHEMA.field(c).type) for c in COLUMNS], schema=SCHEMA)


@dataclass
class _Rows:
    """A part spilled by a worker process: every row of its chunk (ids not set), of which ``new``
    are records (``placed``: per row, tied to a node); the records' ids in a file of their own."""

    new: np.ndarray
    placed: np.ndarray
    ids: Path


@dataclass
class Part:
    """The records of one chunk: numbers ``lo`` to ``lo + len(placed)``, ``placed`` telling which
    are tied to a node when added; kept in memory (``tables``) or in a spill file (``path``, the
    placed records in its first ``split`` batches, the others after)."""

    lo: int
    placed: np.ndarray
    tables: tuple[pa.Table, pa.Table] | None = None
    path: Path | None = None
    split: int = 0
    rows: _Rows | None = None

    @property
    def hi(self) -> int:
        return self.lo + len(self.placed)

    def read(self, placed: bool, patch: _Patch | None = None) -> pa.Table:
        """The part's placed (or unplaced) records as added, with ``patch`` applied: in a worker's spill
        gathered with the rows (one gather of a patched column, not a second one of the rows read)."""
        if self.rows is None:
            return _apply(self._read_added(placed), patch)
        r = self.rows
        rows = np.flatnonzero(r.new & (r.placed if placed else ~r.placed))
        t = _rows_of(read_spill(self.path).select(COLUMNS), rows, patch)
        ids = read_spill(r.ids)["id"].filter(pa.array(self.placed if placed else ~self.placed))
        t = t.set_column(t.schema.get_field_index("id"), "id", ids)
        return t if patch is None or "id" not in patch.cols else _apply(t, _Patch(patch.pos, {"id": patch.cols["id"]}))

    def _read_added(self, placed: bool) -> pa.Table:
        if self.tables is not None:
            return self.tables[0 if placed else 1]
        assert self.path is not None
        return read_ipc(self.path, 0, self.split) if placed else read_ipc(self.path, self.split)

    def pick(self, j: np.ndarray, columns: list[str] = COLUMNS) -> pa.Table:
        """The part's records ``j`` (numbered from 0 in the order added; ascending), as :meth:`read` has them
        (only ``columns``)."""
        if self.rows is not None:  # a worker's spill: only the rows asked for are taken from the mapped file
            t = _rows_of(read_spill(self.path).select(columns), np.flatnonzero(self.rows.new)[j])
            if "id" not in columns:
                return t
            ids = read_spill(self.rows.ids)["id"].take(pa.array(j))
            return t.set_column(t.schema.get_field_index("id"), "id", ids)
        return self._pick_added(j).select(columns)

    def _pick_added(self, j: np.ndarray) -> pa.Table:
        on = self.placed[j]
        rank_on, rank_off = np.cumsum(self.placed) - 1, np.cumsum(~self.placed) - 1
        t = pa.concat_tables(
            [self.read(True).take(pa.array(rank_on[j[on]])), self.read(False).take(pa.array(rank_off[j[~on]]))]
        )
        return t.take(pa.array(np.argsort(np.concatenate([j[on], j[~on]]), kind="stable")))


@dataclass
class _Patch:
    """The patched records of some rows: their positions (ascending) and, per column the patches change,
    its folded values (in the order of ``pos``)."""

    pos: np.ndarray
    cols: dict[str, pa.Array]


@dataclass
class _Patches:
    """Every patch, sorted by its record (in the order they came within a record)."""

    targets: np.ndarray
    rows: pa.Table
    movers: np.ndarray  # the records added unplaced that a patch places (sorted)


@dataclass
class _Merged:
    """The records patches touch (``recs``, ascending): the columns that may change, as added (``base``)
    and with the patches folded in (``new``), one value per record."""

    recs: np.ndarray
    base: pa.Table | None = None
    new: pa.Table | None = None


class Records:
    """This run's records, in the order they were first seen, chunk by chunk (see the module); a later
    duplicate row is kept as a patch and folded into its record when the records are read back."""

    def __init__(self, spill: Callable[[], Path] | None = None) -> None:
        self.spill = spill
        self.parts: list[Part] = []
        self.size = 0
        self.patch_rows: list[pa.Table] = []  # duplicate rows, in the order they came
        self.patch_targets: list[np.ndarray] = []  # the record each is folded into
        self._patches: _Patches | None = None
        self._merged_cache: dict[int, _Merged] = {}  # by window of parts
        self._io: Background | None = None

    def __len__(self) -> int:
        return self.size

    def add_chunk(self, t: pa.Table, new: np.ndarray | None = None, placed: np.ndarray | None = None) -> None:
        """The rows ``new`` of ``t`` (default: all) become records; ``placed``, if known: per row of
        ``t``, whether it is tied to a node."""
        new = np.ones(len(t), dtype=bool) if new is None else new
        placed = _flags(t) if placed is None else placed
        on, off = new & placed, new & ~placed
        if not on.any() and not off.any():
            return
        tables = (t if on.all() else t.filter(pa.array(on)), t.filter(pa.array(off)))
        part = Part(self.size, placed[new])
        self.size = part.hi
        self.parts.append(part)
        if self.spill is None:
            part.tables = tables
            return
        first, rest = tables[0].to_batches(), tables[1].to_batches()
        part.path, part.split = self.spill(), len(first)
        self._io = self._io or Background()
        self._io.submit(write_ipc, part.path, first + rest, False)

    def add_spilled(self, path: Path, placed: np.ndarray, new: np.ndarray, ids: pa.Array) -> None:
        """The rows ``new`` of a chunk a worker spilled to ``path`` (:class:`.workers.Spilled`; ``placed``
        per row) become records, with ids ``ids`` (per row of the chunk)."""
        if not new.any():
            return
        assert self.spill is not None
        part = Part(self.size, placed[new], path=path, rows=_Rows(new, placed, self.spill()))
        self.size = part.hi
        self.parts.append(part)
        mine = ids if new.all() else ids.filter(pa.array(new))
        self._io = self._io or Background()
        self._io.submit(write_ipc, part.rows.ids, pa.table({"id": mine}).to_batches(), False, _IDS)

    def add_patches(self, rows: pa.Table, targets: np.ndarray) -> None:
        if len(rows):
            self.patch_rows.append(rows)
            self.patch_targets.append(targets.astype(np.int64))
            self._patches, self._merged_cache = None, {}

    def sides(self) -> list[tuple[int, int]]:
        """Per chunk, how many of its records end up placed and how many unplaced (in the order of
        :meth:`placed_parts`)."""
        movers = self._sorted_patches().movers
        out = []
        for part in self.parts:
            mv = len(_within(movers, part.lo, part.hi))
            on = int(part.placed.sum())
            out.append((on + mv, len(part.placed) - on - mv))
        return out

    def placed_parts(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        """Per chunk, its records that end up placed (with their numbers), duplicates folded in."""
        p = self._sorted_patches()
        for part in self._read():
            recs = part.lo + np.flatnonzero(part.placed)
            mv = _within(p.movers, part.lo, part.hi)
            if not len(mv):
                yield part.read(True, self._patch(recs)), recs
                continue
            # unplaced when added, placed by a patch: in its place among the placed
            on, off = part.read(True), part.read(False)
            urecs = part.lo + np.flatnonzero(~part.placed)
            on = pa.concat_tables([on, off.take(pa.array(np.searchsorted(urecs, mv)))])
            recs = np.concatenate([recs, mv])
            order = np.argsort(recs, kind="stable")
            on, recs = on.take(pa.array(order)), recs[order]
            yield self._fold(on, recs), recs

    def unplaced_parts(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        """Per chunk, its records that end up unplaced (with their numbers), duplicates folded in."""
        p = self._sorted_patches()
        for part in self._read():
            recs = part.lo + np.flatnonzero(~part.placed)
            mv = _within(p.movers, part.lo, part.hi)
            if not len(mv):
                yield part.read(False, self._patch(recs)), recs
                continue
            keep = ~np.isin(recs, mv)
            recs = recs[keep]
            yield self._fold(part.read(False).filter(pa.array(keep)), recs), recs

    def batches(self) -> Iterator[pa.Table]:
        """The records chunk by chunk in the order first seen, duplicates folded in."""
        for (on, ron), (off, roff) in zip(self.placed_parts(), self.unplaced_parts(), strict=True):
            if not len(off) or not len(on):
                yield (on if len(on) else off).cast(SCHEMA)
                continue
            order = np.argsort(np.concatenate([ron, roff]), kind="stable")
            yield pa.concat_tables([on, off]).take(pa.array(order)).cast(SCHEMA)

    def table(self) -> pa.Table:
        parts = list(self.batches())
        return pa.concat_tables(parts) if parts else to_table([])

    def _sorted_patches(self) -> _Patches:
        if self._patches is not None:
            return self._patches
        targets = np.concatenate(self.patch_targets) if self.patch_targets else np.zeros(0, np.int64)
        order = np.argsort(targets, kind="stable")
        rows = pa.concat_tables(self.patch_rows).take(pa.array(order)) if self.patch_rows else to_table([])
        targets = targets[order]
        placed = np.concatenate([p.placed for p in self.parts]) if self.parts else np.zeros(0, bool)
        self._patches = _Patches(targets, rows, np.unique(targets[_flags(rows) & ~placed[targets]]))
        return self._patches

    def _read(self) -> Iterator[Part]:
        """The parts in order, for the caller to read (in its own thread: the store stage's other thread
        writes the Parquet store, and a third busy thread (reading ahead) only took CPU from that writer, the
        longest chain of the stage); the spill files of the next parts are asked of the disk ahead instead."""
        if self._io is not None:  # every spill written
            io, self._io = self._io, None
            with io:
                io.finish()
        for k, part in enumerate(self.parts):
            for later in self.parts[k + 1 : k + 3]:
                _read_ahead(later)
            yield part

    def _merged(self, w: int) -> _Merged:
        """The records of window ``w`` of parts that a patch touches, with their patches folded in. Windows of
        2, 4, 8, ... parts: a fold per part cost ~5 ms of fixed work each, a fold of every record at once kept
        the store's writer waiting for its first row group; the records' rows as added read from their parts."""
        if w in self._merged_cache:
            return self._merged_cache[w]
        p = self._sorted_patches()
        parts = self.parts[(2 << w) - 2 : min((4 << w) - 2, len(self.parts))]
        a, b = np.searchsorted(p.targets, parts[0].lo), np.searchsorted(p.targets, parts[-1].hi)
        targets, rows = p.targets[a:b], p.rows.slice(a, b - a)
        recs = np.unique(targets)
        out = _Merged(recs)
        if len(recs):
            some = [c for c in COLUMNS if c in LISTISH or rows[c].null_count < len(rows)]  # may change
            base = pa.concat_tables(
                [part.pick(mine - part.lo, some) for part in parts if len(mine := _within(recs, part.lo, part.hi))]
            )
            out.new = pa.table(merged(base, np.searchsorted(recs, targets), rows.select(some)))
            out.base = base.select(out.new.column_names).combine_chunks()
        self._merged_cache[w] = out
        return out

    def _fold(self, t: pa.Table, recs: np.ndarray) -> pa.Table:
        """``t`` (records ``recs`` of one part, ascending) with their patches folded in."""
        return _apply(t, self._patch(recs))

    def _patch(self, recs: np.ndarray) -> _Patch | None:
        """The patches of records ``recs`` (of one part, ascending): only the columns they change (a
        column they leave as it was is kept: no copy of the part)."""
        if not len(recs):
            return None
        k = int(np.searchsorted([part.lo for part in self.parts], recs[0], side="right")) - 1  # the part
        m = self._merged((k + 2).bit_length() - 2)  # its window: parts 0-1, 2-5, 6-13, ...
        cand = _within(m.recs, recs[0], recs[-1] + 1)
        pos = np.searchsorted(recs, cand)
        hit = recs[np.minimum(pos, len(recs) - 1)] == cand
        if not hit.any() or m.new is None or m.base is None:
            return None
        rows = pa.array(np.searchsorted(m.recs, cand[hit]))
        new, base = m.new.take(rows).combine_chunks(), m.base.take(rows)  # a call per table, not per column
        cols = {name: new[name].chunk(0) for name in new.column_names if not new[name].equals(base[name])}
        return _Patch(pos[hit], cols) if cols else None


def _apply(t: pa.Table, patch: _Patch | None) -> pa.Table:
    """``t`` with ``patch`` applied: each patched record in its place, the other rows as they are."""
    if patch is None:
        return t
    at = np.arange(len(t), dtype=np.int64)
    at[patch.pos] = len(t) + np.arange(len(patch.pos))
    where = pa.array(at)
    out = []
    for name in t.column_names:
        col = t[name]
        if name in patch.cols:
            col = pa.chunked_array([*col.chunks, patch.cols[name].cast(col.type)], col.type).take(where)
        out.append(col)
    return pa.table(out, schema=t.schema)


def _read_ahead(part: Part) -> None:
    """Ask the system to read a spilled part's files into its cache (no wait: read on their own)."""
    if not hasattr(os, "posix_fadvise"):  # pragma: no cover - not on Windows or macOS
        return
    for path in (part.path, part.rows.ids if part.rows else None):
        if path is None:
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:  # pragma: no cover - the read itself will say what is wrong
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


def _rows_of(t: pa.Table, rows: np.ndarray, patch: _Patch | None = None) -> pa.Table:
    """The rows ``rows`` of ``t`` (``patch`` applied, the ids' column aside): a patched column gathered from
    its values and the patches' at once; a column with no value at all (in a worker's spill: the ids,
    ``placed`` and every column the file does not fill) made as nulls, not gathered."""
    at, n = pa.array(rows), len(t)
    cols = []
    for name, c in zip(t.column_names, t.columns, strict=True):
        if patch is not None and name in patch.cols and name != "id":
            where = rows.copy()
            where[patch.pos] = n + np.arange(len(patch.pos))
            c = pa.chunked_array([*c.chunks, patch.cols[name].cast(c.type)], c.type).take(pa.array(where))
        else:
            c = pa.nulls(len(rows), c.type) if c.null_count == n else c.take(at)
        cols.append(c)
    return pa.table(cols, schema=t.schema)


def _within(sorted_values: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return sorted_values[np.searchsorted(sorted_values, lo) : np.searchsorted(sorted_values, hi)]


def _flags(t: pa.Table) -> np.ndarray:
    """Per row of ``t``: tied to at least one node."""
    return np.asarray(placed_mask(t), dtype=bool) if len(t) else np.zeros(0, dtype=bool)
