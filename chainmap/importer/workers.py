"""Reading, cleaning and matching of an export's chunks in worker processes, while the main process
folds duplicates: on a two-core machine that is most of the import's CPU time run on both cores.

A big CSV reaches the workers as byte ranges (:mod:`.ranges`) that each reads itself; other chunks
(XLSX, the one-stream and row-by-row readers) as Arrow arrays. The worker cleans the cells
(:class:`.rows.Cleaner`) and places the firms (:class:`.chunkmatch.ChunkMatcher`); it writes the
chunk's records with the keys the dedupe stage reads to a scratch file of the import's transaction
(one Arrow file, which the importing process reads in place and keeps as the chunk's spill) and sends
back the rejects and the warnings the chunk raised (with review decisions to apply in the importing
process, no spill: the columns themselves, as one Arrow IPC stream). Results come back in the chunks' order (the first row of a firm
wins when duplicates are folded); at most ``ahead`` chunks are in flight, so memory stays bounded by
the chunk.

The workers are forked from the importing process once everything they read is set up (the header
map, the import's date, the matcher, the index of stored firms), so nothing large is copied into them.
They ignore Ctrl-C: the importing process handles it and ends them; they write no file but the
scratch files they are given (removed with the transaction's other temporaries). A worker
that dies (killed, out of memory) stops the import with a message instead of leaving it waiting.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import UsageError
from ..store import COLUMNS, TIES
from .chunkmatch import ChunkMatcher
from .ranges import ByteRange, column_names, read_range
from .records import read_spill, record_table, write_spill
from .rows import Chunk, Cleaner
from .store import placed_mask

__all__ = ["EARLY", "ChunkPool", "Done", "Spilled"]

MATCHED = ("operates", "makes", "holds", "evidence", "uncertain")  # the matcher's arrays, in its order


@dataclass
class Spilled:
    """A chunk's rows as records (ids not set yet), written by the worker to a scratch file of the
    import: the importing process reads the file in place (memory-mapped) and keeps it as the chunk's
    spill, instead of receiving the columns through a pipe and writing them out again. ``placed``: per
    row, tied to a node."""

    path: Path
    table: pa.Table
    placed: np.ndarray


Done = tuple[Chunk, list[pa.Array] | None, Counter[str], Spilled | None]  # a chunk, its matches, warnings, file
_STATE: dict[int, tuple[Cleaner, ChunkMatcher]] = {}  # pool id -> what its (forked) workers use
EARLY: dict[tuple[int, int], pa.Table] = {}  # (start, end) -> a range parsed before the fork (:mod:`.early`)


def _quiet(parent: int | None = None) -> None:
    """A worker's set-up: Ctrl-C is the importing process's to handle, and the worker ends on its own
    when that process is gone (``kill -9``, out of memory): otherwise it would wait on its task queue
    for ever, holding its memory and scratch files, and could write a spill after the next import
    removed the dead one's temporaries."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is None:
        return
    _die_with_parent()
    threading.Thread(target=_watch, args=(parent,), name="chainmap-parent", daemon=True).start()


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker the moment the importing thread that forked it ends (the
    import runs in that thread until the pool is closed). Elsewhere, or if it fails, :func:`_watch` is
    enough: it ends the worker once the chunk in hand lets its thread run (~1-2 s)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _watch(parent: int, every: float = 0.2) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    # no clean-up to run (the scratch files are the transaction's, removed at the next load)
    os.kill(os.getpid(), signal.SIGKILL)


def _work(key: int, cols: list[pa.Array], nums: Any, early: list[Any], spill: str | None = None) -> Any:
    cleaner, matcher = _STATE[key]
    cleaner.warn = Counter()
    ch = cleaner.chunk(cols, nums, early)
    ties = matcher.match_fields(ch.texts, ch.keep) if len(ch) else None
    ch.texts, ch.keep = [], None  # not needed back
    return _pack((ch, ties, cleaner.warn), spill)


@dataclass
class _Packed:
    """A worker's result on its way back: the chunk's columns as one Arrow IPC stream, read in place by
    the importing process (unpickling the 32 arrays one by one cost it ~12 ms a chunk), or (``spill``)
    the name of the file the worker wrote them to; the rest as it is."""

    data: bytes | None
    rest: Chunk
    warn: Counter[str]
    spill: str | None = None


def _pack(done: tuple[Chunk, list[pa.Array] | None, Counter[str]], spill: str | None = None) -> Any:
    ch, ties, warn = done
    if ties is None or not len(ch) or ch.namekeys is None or ch.hashes is None:
        return done
    rest = Chunk(
        {},
        ch.texts,
        ch.rownums,
        rows=ch.rows,
        rejects=ch.rejects,
        skipped=ch.skipped,
        silent=ch.silent,
        warned=ch.warned,
    )
    if spill is not None:  # the records and the keys the dedupe stage reads, in one file: no pipe, no copy back
        table = record_table({**ch.rec, **dict(zip(MATCHED, ties, strict=True))}, len(ch))
        keys = {
            "k:namekeys": ch.namekeys,
            "k:code": ch.hashes[0],
            "k:name": ch.hashes[1],
            "k:placed": placed_mask(table),
        }
        for name, col in keys.items():
            table = table.append_column(name, pa.array(col) if isinstance(col, np.ndarray) else col)
        write_spill(Path(spill), table)
        return _Packed(None, rest, warn, spill)
    cols = {f"r:{k}": v for k, v in ch.rec.items()}
    cols |= {"rownums": ch.rownums, "namekeys": ch.namekeys, "h:code": ch.hashes[0], "h:name": ch.hashes[1]}
    cols |= {f"t:{i}": t for i, t in enumerate(ties)}
    table = pa.table(cols)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    rest.rownums = pa.array([], pa.int64())  # in the stream
    return _Packed(sink.getvalue().to_pybytes(), rest, warn)


def _one(col: pa.ChunkedArray) -> pa.Array:
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()  # one chunk: no copy


def _unpack(packed: _Packed) -> Done:
    if packed.spill is not None:
        return _unspill(packed)
    assert packed.data is not None
    table = pa.ipc.open_stream(pa.py_buffer(packed.data)).read_all()
    col = {name: _one(table.column(name)) for name in table.column_names}
    ch = packed.rest
    ch.rec = {k[2:]: v for k, v in col.items() if k.startswith("r:")}
    ch.rownums, ch.namekeys = col["rownums"], col["namekeys"]
    ch.hashes = (col["h:code"].to_numpy(), col["h:name"].to_numpy())
    ties = [col[f"t:{i}"] for i in range(sum(k.startswith("t:") for k in col))]
    return ch, ties, packed.warn, None


def _unspill(packed: _Packed) -> Done:
    """A chunk the worker wrote to a file: its columns memory-mapped (only the pages read are touched)."""
    assert packed.spill is not None
    table = read_spill(Path(packed.spill))
    col = {name: _one(table.column(name)) for name in table.column_names}
    ch = packed.rest
    ch.rec = {c: col[c] for c in COLUMNS if c not in (*TIES, "evidence", "uncertain", "id", "placed")}
    ch.namekeys = col["k:namekeys"]
    ch.hashes = (col["k:code"].to_numpy(), col["k:name"].to_numpy())
    placed = col["k:placed"].to_numpy(zero_copy_only=False)
    return ch, [col[k] for k in MATCHED], packed.warn, Spilled(Path(packed.spill), table.select(COLUMNS), placed)


def _work_range(key: int, r: ByteRange, width: int, spill: str | None = None) -> Any:
    """A byte range of the CSV read here (:func:`.ranges.read_range`; or by the early read before the
    fork), then cleaned and matched."""
    table = _early(r)
    if table is None:
        table = read_range(r, column_names(width))
    cols = [_one(c) for c in table.columns]
    return _work(key, cols, np.arange(r.first, r.first + table.num_rows, dtype=np.int64), [], spill)


def _early(r: ByteRange) -> pa.Table | None:
    """The range's table if the early read parsed it; the tables of the ranges before it go (the other
    worker has them: ranges are handed out in order)."""
    got = EARLY.pop((r.start, r.end), None)
    for k in [k for k in EARLY if k[0] < r.start]:
        del EARLY[k]
    return got


class ChunkPool:
    """Clean and match chunks, in ``workers`` forked processes when ``workers`` >= 2 (and the platform
    can fork), else in this one. Use as a context manager; leaving it by an error or Ctrl-C ends the
    workers at once."""

    def __init__(self, cleaner: Cleaner, matcher: ChunkMatcher, workers: int, ahead: int | None = None):
        self.cleaner, self.matcher = cleaner, matcher
        self.spill: Callable[[], Path] | None = None  # scratch files the workers write the chunks' records to
        self.workers = workers if workers >= 2 and "fork" in multiprocessing.get_all_start_methods() else 1
        self.ahead = ahead or 2 * self.workers
        self.pool: Any = None
        self.key = id(self)

    def __enter__(self) -> ChunkPool:
        if self.workers >= 2:
            _STATE[self.key] = (self.cleaner, self.matcher)
            ctx = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_quiet, initargs=(os.getpid(),))
            # fork the workers now, while this process is small: a later fork would leave them holding
            # copies of pages this process frees while it imports
            self.pool.submit(int).result()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        _STATE.pop(self.key, None)
        if self.pool is None:
            return
        if exc_type is not None:  # Ctrl-C or an error: the workers are ended, pending chunks dropped
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    def run(self, chunks: Iterator[tuple[list[Any], list[int], list[Any]] | ByteRange]) -> Iterator[Done]:
        """Each chunk cleaned and matched, in order. A chunk is its columns, row numbers and early
        rejects, or (with worker processes) a :class:`.ranges.ByteRange` of a CSV that a worker reads."""
        if self.pool is None:
            for item in chunks:
                if isinstance(item, ByteRange):  # pragma: no cover - ranges are only made for workers
                    raise TypeError("byte ranges need worker processes")
                yield (*_work_here(self.cleaner, self.matcher, *item), None)
            return
        pending: deque[Any] = deque()
        width = len(self.cleaner.hm.headers)
        for item in chunks:
            if len(pending) >= self.ahead:
                yield self._collect(pending.popleft())
            spill = str(self.spill()) if self.spill is not None else None
            if isinstance(item, ByteRange):
                pending.append(self._submit(_work_range, item, width, spill))
                continue
            cols, nums, early = item
            cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in cols]
            pending.append(self._submit(_work, cols, nums, early, spill))
        while pending:
            yield self._collect(pending.popleft())

    def _submit(self, fn: Any, *args: Any) -> Any:
        try:
            return self.pool.submit(fn, self.key, *args)
        except BrokenProcessPool:
            raise _lost() from None

    def _collect(self, job: Any) -> Done:
        try:
            got = job.result()
        except BrokenProcessPool:
            raise _lost() from None
        ch, ties, warn, spilled = _unpack(got) if isinstance(got, _Packed) else (*got, None)
        self.cleaner.warn.update(warn)
        return ch, ties, warn, spilled


def _lost() -> UsageError:
    """A worker ended without a result (killed, out of memory): the import stops, nothing is written."""
    return UsageError(
        "导入的工作进程意外退出（可能是内存不足或被系统终止），导入已停止，链库中已有的导入数据保持原样："
        "请关闭其他占用内存的程序后重试，或加 --workers 1 只用一个进程导入"
    )


def _work_here(
    cleaner: Cleaner, matcher: ChunkMatcher, cols: list[Any], nums: list[int], early: list[Any]
) -> tuple[Chunk, list[pa.Array] | None, Counter[str]]:
    before = Counter(cleaner.warn)
    ch = cleaner.chunk(cols, nums, early)
    ties = matcher.match_fields(ch.texts, ch.keep) if len(ch) else None
    return ch, ties, cleaner.warn - before


def default_workers(requested: int | None) -> int:
    """Worker processes for a big CSV: as asked, else one per core, at most two."""
    return requested or min(2, os.cpu_count() or 1)
