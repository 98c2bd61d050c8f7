"""One import, stage by stage: read an export in chunks (:mod:`.read`), clean and check each row
(:mod:`.rows`), fold duplicates and find earlier records (:mod:`.dedupe`), place the firms on chain
nodes (:mod:`.place`), and write the stores and the rejects file in one switch (:mod:`.write`,
:mod:`.store`). :func:`run_import` returns an :class:`ImportSummary`.

Every data row ends up exactly once as imported, updated, merged, skipped or rejected, so the counts
add up to the rows read. Nothing is changed until every row is read: an error, a full disk, Ctrl-C or
a crash at any point leaves the stores exactly as they were (or, past the switch, exactly new).
"""

from __future__ import annotations

import errno
import functools
import itertools
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError
from ..library import select_chains
from ..load import Library
from ..store import SCHEMA
from . import clean
from .chunkmatch import ChunkMatcher
from .dedupe import NEW, Deduper, Folded
from .early import EarlyRead, Taken
from .headers import HeaderMap, find_header, parse_maps
from .match import Matcher
from .options import ImportOptions, ImportSummary, Summary
from .prepare import Existing, load_existing, resolve_as_of, resolve_output
from .ranges import ASCII_SAFE, BLOCK_BYTES, HEADER_SCAN_ROWS, PARALLEL_BYTES, ByteRange, Disagree, byte_ranges
from .read import Opened, SlowPath, csv_fast_chunks, open_export, row_chunks
from .records import record_table
from .rejects import Rejects
from .review import QUEUE, apply_decisions, read_decisions, updated_queue
from .rows import WHERE_SHOWN, Cleaner
from .signals import node_chains
from .space import check_space
from .store import StoreLock, Transaction, check_writable, is_ours
from .stream import can_stream, stream_store
from .update import can_stream_update, stream_update
from .workers import EARLY, MATCHED, ChunkPool, Done, default_workers
from .write import auto_kind, compare, count, plan, record_signals

__all__ = ["ImportOptions", "ImportSummary", "SCHEMA", "Summary", "run_import"]

# freed pages kept for the next chunk until the import ends (-1: jemalloc never purges them on its own):
# at 0 every chunk faulted its pages in anew (1M dense rows, with the early read: ~1.2M page faults and
# ~4 s of system CPU in the process tree), at 100 ms ~0.34M and ~2.1 s, kept ~0.17M and ~1.4 s; the peak
# stays (the pages are reused, not added to), and they go back to the system when the import ends
DECAY_MS = -1


def run_import(lib: Library, opts: ImportOptions, early: EarlyRead | None = None) -> ImportSummary:
    """Import ``opts.file`` into the library ``lib`` (see :class:`ImportOptions`); ``early``: the file's
    first ranges being read ahead (:func:`.early.start_early_read`), stopped here whatever happens.

    Raises :class:`~chainmap.errors.UsageError` with a message for officers on a file that cannot be
    read or an output that cannot be written; the stores are then as they were."""
    try:
        with _arrow_pool():
            try:
                try:
                    return _run(lib, opts, slow=False, early=early)
                except Disagree:  # the byte ranges do not fit the file (a stray quote): one stream
                    return _run(lib, opts, slow=False, ranges=False)
            except SlowPath:  # a ragged row: read again row by row, for exact row numbers in the rejects file
                return _run(lib, opts, slow=True)
    except OSError as err:
        # pyarrow's write errors name no file: then the store's folder is where it happened
        raise UsageError(_os_message(err, opts.output.parent if opts.output else lib.root / "imported")) from None
    finally:
        if early is not None:
            early.discard()


@contextmanager
def _arrow_pool() -> Iterator[None]:
    """Arrow's jemalloc pool with :data:`DECAY_MS` while the import runs, the memory it freed handed back
    to the system at the end (a notebook that imports keeps no pages of it); the previous pool
    afterwards. Where Arrow was built without jemalloc, nothing changes."""
    before = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(DECAY_MS)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        yield
        return
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(before)
        pool.release_unused()


@dataclass
class _Run:
    """The stages' state during one run."""

    s: ImportSummary
    hm: HeaderMap
    cleaner: Cleaner
    dd: Deduper
    rejects: Rejects
    pool: ChunkPool
    matcher: Matcher
    decisions: dict[tuple[str, str], str] = field(default_factory=dict)  # (firm id, node) -> accept | reject
    decided: dict[int, str] = field(default_factory=dict)  # record number -> id, of the firms with decisions
    skip: Counter[str] = field(default_factory=Counter)
    reject: Counter[str] = field(default_factory=Counter)
    warned: dict[str, list[int]] = field(default_factory=dict)  # warning -> its first rows, in file order


def _run(
    lib: Library, opts: ImportOptions, slow: bool, ranges: bool = True, early: EarlyRead | None = None
) -> ImportSummary:
    t0 = time.perf_counter()
    output, kind = resolve_output(lib.root, opts)
    check_writable(output)
    chains = select_chains(lib, opts.chains)
    s = ImportSummary(file=str(opts.file), dry_run=opts.dry_run, threshold=opts.threshold, chains=chains)
    with closing(open_export(opts.file, opts.sheet)) as opened:
        s.encoding, s.sheet = opened.encoding_label, opened.sheet
        head = list(itertools.islice(opened.rows, HEADER_SCAN_ROWS))
        hm = _header(opts, head)
        s.header_row, s.columns, s.unused_columns = hm.row, hm.describe(), hm.unused
        as_of, s.as_of_from = resolve_as_of(opts, opened, [r for r in head if r[0] < hm.row])
        s.as_of = as_of.isoformat()
        cleaner = Cleaner(hm, as_of, opts.file.name, _places(lib), opts.include_closed)
        matcher = Matcher(lib, chains if opts.chains else None, opts.threshold)
        # a dry run is the import itself, its transaction aborted instead of switched: the same counts and
        # signals by construction, in the same bounded memory (the whole-table path it took before held a
        # 1M-row refresh in 4.6 GB); its temporaries are the store folder's, under the lock like an import's
        with _as_found(output.parent, opts.dry_run), StoreLock(output.parent):
            ex = load_existing(lib, output)
            if ex.rows:  # else no closed row can be a stored firm's update: no look-up per row
                cleaner.known = functools.partial(ex.known_rows, as_of=as_of)
            s.outside_library = ex.outside_library
            check_space(output.parent, opened.kind, opened.size, ex.rows)
            tx = Transaction(output.parent)
            try:
                run = _Run(
                    s,
                    hm,
                    cleaner,
                    Deduper(ex, tx.scratch),
                    _rejects(output, hm, tx),
                    _pool(opened, opts, cleaner, matcher, slow),
                    matcher,
                )
                run.decisions = read_decisions(output.parent)
                # decisions are applied to the columns in this process: the workers then send them back
                run.pool.spill = tx.scratch if not run.decisions else None
                by_ranges = _by_ranges(opened, run, slow, ranges)
                taken = None
                if early is not None:  # stopped (never fork while it runs); what no worker takes goes now
                    taken = _take_early(early, opened, hm) if by_ranges else None
                    early.discard()
                with run.pool:  # the workers are forked here: the parsed early ranges are theirs
                    EARLY.clear()
                    _stream(run, opened, (r for r in head if r[0] > hm.row), opts, slow, by_ranges, taken)
                _store(lib, run, ex, tx, output, kind, opts, matcher)
            except BaseException:
                tx.abort()
                raise
    s.seconds = round(time.perf_counter() - t0, 2)
    return s


@contextmanager
def _as_found(folder: Path, dry_run: bool) -> Iterator[None]:
    """For a dry run, the folders it made for its lock and temporaries removed again: the library is left
    exactly as it was found."""
    made: list[Path] = []
    if dry_run:
        p = folder.resolve()
        while not p.exists():
            made.append(p)
            p = p.parent
    try:
        yield
    finally:
        for p in made:  # the deepest first
            try:
                p.rmdir()
            except OSError:  # not empty (another process wrote there meanwhile): left as it is
                break


def _header(opts: ImportOptions, head: list[tuple[int, list[Any]]]) -> HeaderMap:
    hm = find_header(head, parse_maps(list(opts.maps)))
    if hm is None:
        raise UsageError(
            f"{opts.file.name}: 前{len(head)}行中找不到表头（需要有“企业名称”一列，以及统一社会信用代码、"
            "经营范围等至少一列）。若表头名称特殊，请用 --map '表头=name' 指明哪一列是企业名称"
        )
    return hm


def _places(lib: Library) -> clean.Places:
    known = {r.city for r in lib.regions.values() if r.city}
    for r in lib.regions.values():
        for pr in r.priority_regions:
            known.update(pr.cities)
    return clean.Places(known)


def _rejects(output: Path, hm: HeaderMap, tx: Transaction) -> Rejects:
    return Rejects(output.with_name(output.name.rsplit(".", 1)[0] + ".rejects.csv"), hm.headers, tx)


def _pool(opened: Opened, opts: ImportOptions, cleaner: Cleaner, matcher: Matcher, slow: bool) -> ChunkPool:
    big = opened.kind == "csv" and not slow and opened.size > PARALLEL_BYTES and (opts.workers or 0) != 1
    return ChunkPool(cleaner, ChunkMatcher(matcher), default_workers(opts.workers) if big else 1)


def _by_ranges(opened: Opened, run: _Run, slow: bool, ranges: bool) -> bool:
    """Whether the worker processes read the CSV's byte ranges themselves."""
    return opened.kind == "csv" and not slow and ranges and run.pool.workers >= 2 and opened.encoding in ASCII_SAFE


def _take_early(early: EarlyRead, opened: Opened, hm: HeaderMap) -> Taken | None:
    """What the early read got to, if it read the file as this run does; its parsed ranges put where
    the workers forked next find them (:data:`.workers.EARLY`)."""
    taken = early.take(hm.row, opened.encoding, opened.delimiter, len(hm.headers), BLOCK_BYTES)
    if taken is not None:
        EARLY.update(taken.tables)
        taken.tables = {}
    return taken


def _stream(
    run: _Run, opened: Opened, rest: Any, opts: ImportOptions, slow: bool, by_ranges: bool, taken: Taken | None
) -> None:
    """Every chunk through clean, dedupe and place; a progress bar on a terminal."""
    width = len(run.hm.headers)
    if by_ranges:
        chunks: Any = _ranges(opened, run.hm.row, taken)  # the workers read the file, this process only cuts it
    elif opened.kind == "csv" and not slow:
        chunks = csv_fast_chunks(opened, run.hm.row, width, BLOCK_BYTES)
    else:
        chunks = row_chunks(itertools.chain(rest, opened.rows), width, opts.chunk_rows)
    show = opts.progress if opts.progress is not None else sys.stderr.isatty()
    if not show:
        _pump(run, chunks, lambda: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("导入 {task.fields[name]}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]} 行"),
        TimeRemainingColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("import", total=opened.size or None, name=opened.path.name, rows=0)
        _pump(run, chunks, lambda: bar.update(task, completed=opened.position(), rows=run.s.rows))


def _ranges(opened: Opened, header_row: int, taken: Taken | None) -> Iterator[ByteRange]:
    """The CSV's byte ranges for the workers (first those the early read cut); the progress bar follows
    the ranges handed out."""
    done = {"bytes": 0}
    opened.position = lambda: done["bytes"]
    cut = (
        itertools.chain(taken.ranges, taken.rest)
        if taken is not None
        else byte_ranges(opened.path, header_row, BLOCK_BYTES, opened.encoding, opened.delimiter)
    )
    for r in cut:
        yield r
        done["bytes"] = r.end


def _pump(run: _Run, chunks: Any, tick: Any) -> None:
    """Each chunk cleaned and matched (in the worker processes, if any), then counted and folded here."""
    for done in run.pool.run(chunks):
        _take(run, done)
        tick()


def _take(run: _Run, done: Done) -> None:
    """One chunk in: count, reject, skip, fold duplicates and store the records."""
    ch, ties, _warn, spilled = done
    s = run.s
    s.rows += ch.rows
    for label, at in ch.warned.items():
        have = run.warned.setdefault(label, [])
        have += at[: max(0, WHERE_SHOWN - len(have))]
    for rownum, reason, short, cells in ch.rejects:
        run.rejects.add(rownum, reason, cells)
        run.reject[short] += 1
    s.rejected += len(ch.rejects)
    s.skipped += sum(ch.skipped.values())
    run.skip.update(ch.skipped)
    if not len(ch) or ties is None:
        return
    base = run.dd.made
    folded = run.dd.fold(ch.rec["credit_code"], ch.namekeys, hashes=ch.hashes, silent=ch.silent)
    if folded.hand:
        s.skipped += folded.hand
        run.skip["库中已有手工维护的记录"] += folded.hand
    s.merged += len(folded.target)
    if spilled is not None:  # the worker's file is the spill; ids set when read back
        run.dd.add(spilled.table, folded, (spilled.path, spilled.placed))
        return
    rec = dict(ch.rec)
    for k, arr in zip(MATCHED, ties, strict=True):
        rec[k] = arr
    rec["id"] = pa.array(folded.ids, pa.string())
    if run.decisions:
        apply_decisions(rec, run.decisions, run.matcher.kind, _decision_ids(run, folded, base))
    run.dd.add(record_table(rec, len(ch)), folded)


def _decision_ids(run: _Run, folded: Folded, base: int) -> pa.Array:
    """Per row of a chunk, the firm its review decisions are about: a record's own id, and for a duplicate
    row folded into a record (its own id null) that record's, so that the node a rejected pair names is
    not put back among the firm's uncertain ones when the duplicate is folded in. ``base``: the records
    made before the chunk (its new records follow in row order)."""
    if not folded.target:
        return folded.ids
    firms = pa.array(sorted({f for f, _n in run.decisions}), pa.string())
    new = np.flatnonzero(folded.action == NEW)
    ids = folded.ids.take(pa.array(new, pa.int64()))
    for k in np.flatnonzero(np.asarray(pc.is_in(ids, value_set=firms))).tolist():
        run.decided[base + k] = ids[k].as_py()
    out = folded.ids.to_pylist()
    for row, rec in folded.target.items():
        out[row] = run.decided.get(rec)
    return pa.array(out, pa.string())


def _store(
    lib: Library,
    run: _Run,
    ex: Existing,
    tx: Transaction,
    output: Path,
    kind: str,
    opts: ImportOptions,
    matcher: Matcher,
) -> None:
    """The store stage: compare with the stores, count, and switch every changed file at once."""
    s, dd = run.s, run.dd
    base_key = output.resolve()  # the store holding the output's earlier records
    output, kind = auto_kind(dd, output, kind, len(dd.records))
    s.store, s.output = kind, str(output)
    s.imported = dd.new_firms
    s.updated = len(dd.rec_code) - s.imported
    if can_stream(dd, output, kind, base_key):  # only new firms: in bounded memory
        s.unchanged = 0
        if not s.adds_up():  # pragma: no cover - a bug
            raise AssertionError(f"import counts do not add up: {s}")
        stream_store(dd, tx, s, output, opts.region, node_chains(lib), {"source_file": opts.file.name})
        s.skipped_reasons, s.rejected_reasons = dict(run.skip.most_common()), dict(run.reject.most_common())
        s.warnings = dict(run.cleaner.warn.most_common())
        stale = output.with_suffix(".yaml")
        if stale.exists() and is_ours(stale):
            tx.remove(stale)  # the list outgrew YAML: one store per import
        _finish(run, tx, s)
        return
    prev = can_stream_update(dd, output, kind, base_key)
    if prev is not None:  # updates of stored firms: part by part
        info = {"source_file": opts.file.name}
        selected = matcher.nodes if opts.chains else None
        stream_update(dd, tx, s, prev, base_key, output, opts.region, node_chains(lib), info, selected)
        if not s.adds_up():  # pragma: no cover - a bug
            raise AssertionError(f"import counts do not add up: {s}")
        s.skipped_reasons, s.rejected_reasons = dict(run.skip.most_common()), dict(run.reject.most_common())
        s.warnings = dict(run.cleaner.warn.most_common())
        _finish(run, tx, s)
        return
    pairs: list[tuple[pa.Table, pa.Table]] = []
    mine, current, changed_ids, s.refreshed = compare(dd, kind, matcher.nodes, bool(opts.chains), pairs)
    s.unchanged = s.updated - len(changed_ids)
    if not s.adds_up():  # pragma: no cover - a bug
        raise AssertionError(f"import counts do not add up: {s}")
    count(s, current, opts.region, run.skip, run.reject, run.cleaner.warn)
    record_signals(dd, tx, s, pairs, mine, node_chains(lib), opts.file.name, output.parent)
    s.review = int(pc.sum(pc.fill_null(pc.list_value_length(mine["uncertain"]), 0)).as_py() or 0)
    if s.dry_run:  # the counts and signals are in; nothing to write
        _finish(run, tx, s)
        return
    plan(dd, tx, s, base_key, output, kind, mine, changed_ids, {"source_file": opts.file.name})
    queue = updated_queue(output.parent, mine)
    if queue is not None:
        tx.write_raw_parquet(output.parent / QUEUE, queue)
    _finish(run, tx, s)


def _finish(run: _Run, tx: Transaction, s: ImportSummary) -> None:
    """The rejects file, then the switch of every file at once (a dry run: every temporary removed)."""
    written = run.rejects.close()
    s.warning_rows = {k: run.warned[k] for k in s.warnings if run.warned.get(k)}
    if s.dry_run:
        tx.abort()
        return
    if written:
        s.rejects = str(run.rejects.path)
    elif run.rejects.path.exists():
        tx.remove(run.rejects.path)  # a stale rejects file from an earlier import of this file
    tx.commit()


_OS_HINTS = {
    errno.ENOSPC: "磁盘已满：请清理磁盘空间后重试",
    errno.EACCES: "没有写入权限：请检查该文件夹的权限，或用 -o 写到有权限的位置",
    errno.EPERM: "没有写入权限：请检查该文件夹的权限，或用 -o 写到有权限的位置",
    errno.EROFS: "该位置只读：请用 -o 写到可写的位置",
    errno.EDQUOT: "磁盘配额已用完：请清理空间后重试",
}


def _os_message(err: OSError, folder: Path) -> str:
    hint = _OS_HINTS.get(err.errno or 0, "请检查文件和文件夹是否存在、可读写")
    where = err.filename or str(folder)
    return (
        f"{where}：{err.strerror or err}。{hint}。导入已停止：链库的导入数据是导入前的原样，"
        "或（若中断发生在最后的切换时）下次加载时自动补全为导入后的完整状态"
    )
