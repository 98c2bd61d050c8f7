"""The store stage of an import that updates stored firms, part by part: this run's records are read chunk by
chunk (the placed ones, then the unplaced ones, :class:`.records.Records`), each chunk's records that take
a stored record over are compared with their stored versions (taken from the store's table by row), and the
counts, review pairs and signals are made per chunk. Memory: a chunk, the stored tables
:class:`.prepare.Existing` holds, and per record a few numbers.

The outputs are those of the table path (:mod:`.write`), byte for byte. The output store holds the base
store's records this run leaves as they were, then this run's new firms (in the order first seen), then its
changed records (per store they came from, by id) -- the placed ones of all three, then the unplaced ones,
in the row groups :func:`.store._write_parquet` makes (:mod:`.rewrite`). The changed records wait in
scratch files, by range of id, each range sorted when read back; the new firms wait in scratch files too
when the base store's records come first. The other stores that lose records are rewritten row group by
row group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import Region
from ..store import SCHEMA, SIGNAL_SCHEMA, SIGNALS, read_signals
from .background import Background
from .dedupe import Deduper
from .gather import Gathered
from .heap import release_freed
from .options import ImportSummary
from .review import QUEUE, queue_after, queue_rows, read_queue
from .rewrite import LazyWriter, Sink, rewrite_store, row_group, store_rows
from .signals import changed_signal_rows, new_signals
from .store import Transaction, is_ours, placed_mask
from .taken import Prev, prev_index
from .write import kept_over, local_count, tally_ties, ties_kept, versions

__all__ = ["can_stream_update", "stream_update"]

BUCKET = 1 << 16  # stored records per scratch file of changed records (one is sorted in memory at a time)


def can_stream_update(dd: Deduper, output: Path, kind: str, base_key: Path) -> Prev | None:
    """:class:`Prev` when this run's store stage can be streamed: a Parquet output that is the base store or a
    new one, and chunks of at most a row group of records each (the table path cuts the records only where
    the chunks end); else None."""
    out = output.resolve()
    if kind != "parquet" or (out in dd.ex.pool and out != base_key):
        return None
    if any(len(p.placed) > row_group() for p in dd.records.parts):
        return None
    return prev_index(dd)


class _Held:
    """Tables waiting in a scratch file (Arrow's stream format, one batch each), read back in the order
    written."""

    def __init__(self, tx: Transaction):
        self.tx = tx
        self.w: Any = None
        self.f: Any = None
        self.path: Path | None = None

    def add(self, t: pa.Table) -> None:
        if self.w is None:
            self.path = self.tx.scratch()
            self.f = pa.OSFile(str(self.path), "wb")
            self.w = pa.ipc.new_stream(self.f, t.schema)
        self.w.write_table(t.combine_chunks())

    def close(self) -> None:
        """The file closed (for reading, or when the import stops)."""
        if self.f is not None and not self.f.closed:
            self.w.close()
            self.f.close()

    def read(self) -> pa.Table | None:
        if self.path is None:
            return None
        self.close()
        with pa.OSFile(str(self.path), "rb") as src:
            return pa.ipc.open_stream(src).read_all()

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.path is None:
            return
        self.close()
        with pa.OSFile(str(self.path), "rb") as src:
            yield from pa.ipc.open_stream(src)


@dataclass
class _Run:
    """The state of one streamed store stage."""

    dd: Deduper
    tx: Transaction
    s: ImportSummary
    prev: Prev
    region: Region | None
    chains_of: dict[str, list[str]] | None
    source: str
    changed: np.ndarray  # per taken-over record (``prev``'s order): changed
    selected: set[str] | None = None  # a ``--chain`` update's nodes (the stored ties to the others stay)
    nodes: Counter[str] = field(default_factory=Counter)
    mine: list[pa.Array] = field(default_factory=list)  # ids of the records written
    new_sig: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)  # by record number
    new_q: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)
    chg_sig: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)  # by index in ``prev``
    chg_q: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)
    buckets: dict[tuple[bool, int], _Held] = field(default_factory=dict)
    pending: list[tuple[bool, pa.Table]] = field(default_factory=list)  # changed records before any bucket
    n_pending: int = 0
    gathered: Gathered | None = None  # the stored versions of the taken-over records
    files: list[Path] = field(default_factory=list)  # the stores, in the pool's order

    def count(self, t: pa.Table, placed: bool | None) -> None:
        """Count records as they now stand (``placed``: all of them are, or not; None: look)."""
        if not len(t):
            return
        on = len(t) if placed is True else 0 if placed is False else int(pc.sum(placed_mask(t)).as_py() or 0)
        self.s.placed += on
        self.s.unplaced += len(t) - on
        tally_ties(t, self.nodes)
        if self.region is not None:
            self.s.local = (self.s.local or 0) + local_count(t, self.region)

    def written(self, t: pa.Table, keys: np.ndarray, queue: list, signals: list | None) -> None:
        """Records this run writes (``keys``: their place in the order they are written in)."""
        if not len(t):
            return
        self.mine.append(t["id"].combine_chunks())
        pairs = np.asarray(pc.fill_null(pc.list_value_length(t["uncertain"]), 0), dtype=np.int64)
        self.s.review += int(pairs.sum())
        q = queue_rows(t)
        if len(q):
            queue.append((q, np.repeat(keys, pairs)))
        if signals is not None and self.chains_of is not None:
            signals.append((new_signals(t, self.chains_of, self.source), keys))

    def hold(self, t: pa.Table, k: np.ndarray, placed: bool) -> None:
        """Changed records (``k``: their index in ``prev``) kept in memory while they are few (no rank of
        the stored ids made: that sort cost ~0.5 s at 1M), else in the scratch files of their rank's range."""
        t = t.append_column("_k", pa.array(k, pa.int64()))
        if not self.buckets:
            self.pending.append((placed, t))
            self.n_pending += len(t)
            if self.n_pending <= BUCKET:
                return
            pending, self.pending = self.pending, []
            for p, held in pending:
                self._to_buckets(held, p)
            return
        self._to_buckets(t, placed)

    def _to_buckets(self, t: pa.Table, placed: bool) -> None:
        b = self.prev.rank[np.asarray(t["_k"])] // BUCKET
        o = np.argsort(b, kind="stable")
        t, b = t.take(pa.array(o)), b[o]  # one gather, then a slice per range
        cuts = np.flatnonzero(np.concatenate([[True], b[1:] != b[:-1], [True]]))
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            key = (placed, int(b[lo]))
            if key not in self.buckets:
                self.buckets[key] = _Held(self.tx)
            self.buckets[key].add(t.slice(lo, hi - lo))

    def held(self, placed: bool) -> Iterator[pa.Table]:
        """The changed records of one pass, range by range (in rank order between the ranges)."""
        if not self.buckets:
            mine = [t for p, t in self.pending if p == placed]
            if mine:
                yield pa.concat_tables(mine)
            return
        for key in sorted(k for k in self.buckets if k[0] == placed):
            t = self.buckets[key].read()
            if t is not None:
                yield t

    def order(self) -> np.ndarray:
        """Per taken-over record that changed: its place among the changed ones in (store, id) order."""
        ks = np.flatnonzero(self.changed)
        if self.buckets:
            ks = ks[np.argsort(self.prev.rank[ks])]
        else:  # few: sorted here
            keys = pa.table({"f": self.prev.file[ks], "id": self.prev.ids.take(pa.array(ks))})
            ks = ks[np.asarray(pc.sort_indices(keys, sort_keys=[("f", "ascending"), ("id", "ascending")]))]
        dense = np.zeros(len(self.changed), np.int64)
        dense[ks] = np.arange(len(ks))
        return dense


def stream_update(
    dd: Deduper,
    tx: Transaction,
    s: ImportSummary,
    prev: Prev,
    base_key: Path,
    output: Path,
    region: Region | None,
    chains_of: dict[str, list[str]],
    info: dict[str, Any],
    selected: set[str] | None = None,
) -> None:
    """Compare, count and write (into ``tx``) as :func:`.write.compare`, :func:`.write.count`,
    :func:`.write.record_signals`, :func:`.write.plan` and :func:`.review.updated_queue` do, part by part;
    ``s.unchanged`` set too. A record whose rows had no scope and no products keeps the stored placements,
    and a ``--chain`` update's (``selected``: its nodes) its stored ties to the other chains
    (:func:`.write.ties_kept`)."""
    run = _Run(
        dd, tx, s, prev, region, chains_of if dd.ex.pool else None, info["source_file"], np.zeros(len(prev.ids), bool)
    )
    run.files = list(dd.ex.pool)
    run.selected = selected
    sides = dd.records.sides()
    held = {True: _Held(tx), False: _Held(tx)}
    try:
        run.gathered = Gathered(dd.ex.pool, prev, tx)
        release_freed()
        gone, dense = _compare_and_write(run, sides, held, base_key, output, info)
    finally:
        for h in [*held.values(), *run.buckets.values()]:
            h.close()
        if run.gathered is not None:
            run.gathered.close()
    _others(run, dd, base_key, gone, info)
    stale = output.with_suffix(".yaml")
    if stale.exists() and is_ours(stale):
        tx.remove(stale)  # the list outgrew YAML: one store per import
    _signals_and_queue(run, output.parent, dense)
    if region is not None and s.local is None:
        s.local = 0
    s.nodes = dict(sorted(run.nodes.items(), key=lambda kv: (-kv[1], kv[0])))


def _compare_and_write(
    run: _Run, sides: list[tuple[int, int]], held: dict[bool, _Held], base_key: Path, output: Path, info: dict
) -> tuple[dict[Path, np.ndarray], np.ndarray]:
    """Every chunk compared, then the output store written (when it changes); the rows each store loses and
    :meth:`_Run.order`."""
    dd, s = run.dd, run.s
    has_base = base_key in dd.ex.pool
    direct = not has_base  # nothing of an older store comes first: the new placed firms go straight out
    with LazyWriter(run.tx, output, info) as out, Background() as bg:
        sinks = {True: Sink(out, True, bg), False: Sink(out, False, bg)}
        for placed, parts in ((True, dd.records.placed_parts()), (False, dd.records.unplaced_parts())):
            fresh_out: Sink | _Held = sinks[True] if placed and direct else held[placed]
            for i, ((t, recs), (n_on, n_off)) in enumerate(zip(parts, sides, strict=True)):
                _part(run, t.cast(SCHEMA), recs, placed, (n_off if placed else n_on) == 0, fresh_out)
                if i % 8 == 7:
                    release_freed()  # each part's temporaries differ in size: the heaps would keep them all
        s.unchanged = s.updated - int(run.changed.sum())
        dense = run.order() if run.changed.any() else np.zeros(0, np.int64)
        gone = _gone_rows(run, dd)
        release_freed()
        rewrite = not has_base or base_key != output.resolve() or bool(run.mine) or base_key in gone
        if rewrite and (run.mine or has_base):
            for placed in (True, False):
                sink = sinks[placed]
                if has_base:
                    store_rows(sink, dd.ex.pool, base_key, gone.get(base_key))
                if not (placed and direct):
                    for b in held[placed].batches():
                        sink.add(b)
                        sink.end()
                _changed_rows(run, sink, dense)
                sink.flush()
            out.get()  # an empty store is written too
        bg.finish()
    return gone, dense


def _part(run: _Run, t: pa.Table, recs: np.ndarray, placed: bool, alone: bool, fresh_out: Sink | _Held) -> None:
    """One chunk's placed (or unplaced) records: the new firms out (batch by batch as the table path has
    them: the chunk's table cut where its chunks end when ``alone`` -- no record of the other side --, whole
    otherwise), the taken-over ones compared with their stored versions."""
    if not len(t):
        return
    pos, k = run.prev.find(t["id"])
    seen = np.zeros(len(t), dtype=bool)
    seen[pos] = True
    off = 0
    for b in t.to_batches() if alone else [t]:
        keep = ~seen[off : off + len(b)]
        off += len(b)
        fb = b.filter(pa.array(keep))
        if isinstance(fresh_out, Sink):
            fresh_out.add(fb)
            fresh_out.end()
        elif len(fb):
            fresh_out.add(pa.Table.from_batches([fb]) if isinstance(fb, pa.RecordBatch) else fb)
    fresh = t.filter(pa.array(~seen)) if len(pos) else t
    run.count(fresh, placed)
    run.written(fresh, recs[~seen], run.new_q, run.new_sig)
    if not len(pos):
        return
    files = run.prev.file[k]
    for fi in np.unique(files).tolist():
        sel = np.flatnonzero(files == fi)
        rows = run.prev.row[k[sel]]
        if len(rows) > 1 and (np.diff(rows) < 0).any():  # in the order of their stored rows
            o = np.argsort(rows)
            sel, rows = sel[o], rows[o]
            new = t.take(pa.array(pos[sel]))
        else:  # already: no copy of the chunk's records
            mask = np.zeros(len(t), dtype=bool)
            mask[pos[sel]] = True
            new = t if mask.all() else t.filter(pa.array(mask))
        old = run.gathered.take(k[sel])
        new = kept_over(new, old, run.files[fi])
        quiet = run.dd.silent(recs[pos[sel]])  # said nothing of what the firm does: the stored ties stay
        kept_ties = quiet.any() or run.selected is not None  # stored ties kept: placed or not, look
        if kept_ties:
            new = ties_kept(new, old, quiet, run.selected)
        ch, dated = versions(new, old, "parquet")
        ch = np.asarray(ch, dtype=bool)
        run.s.refreshed += dated
        if not ch.any():
            run.count(old, None)
            continue
        ks = k[sel][ch]
        run.changed[ks] = True
        if ch.all():  # a newer export: every record changed (its source and date at least)
            kept, was = new, old
        else:
            run.count(old.filter(pa.array(~ch)), None)
            kept, was = new.filter(pa.array(ch)), old.filter(pa.array(ch))
        run.count(kept, None if kept_ties else placed)
        run.written(kept, ks, run.chg_q, None)
        if run.chains_of is not None:
            sig, rows = changed_signal_rows(kept, was, run.chains_of, run.source)
            if len(sig):
                run.chg_sig.append((sig, ks[rows]))
        if not kept_ties:
            run.hold(kept, ks, placed)
            continue
        on = np.asarray(placed_mask(kept), dtype=bool)  # a stored placement kept: a placed record now
        for side in (True, False):
            if (on == side).any():
                run.hold(kept.filter(pa.array(on == side)), ks[on == side], side)


def _changed_rows(run: _Run, sink: Sink, dense: np.ndarray) -> None:
    """The changed records of the sink's pass, in (store, id) order (``dense``: :meth:`_Run.order`), cut as
    the table path's per-store tables of changed records (both passes' records, by id) are cut into
    batches."""
    before = np.concatenate([[0], np.cumsum(np.bincount(run.prev.file[run.changed], minlength=len(run.files)))])
    size, last = row_group(), None
    for t in run.held(sink.placed):
        ks = np.asarray(t["_k"])
        o = np.argsort(dense[ks], kind="stable")
        t, ks = t.take(pa.array(o)).drop_columns(["_k"]), ks[o]
        fi = run.prev.file[ks]
        piece = fi * (1 << 32) + (dense[ks] - before[fi]) // size
        cuts = np.flatnonzero(np.concatenate([[True], piece[1:] != piece[:-1], [True]]))
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            if piece[a] != last:
                sink.end()
                last = piece[a]
            sink.add(t.slice(a, b - a))
    sink.end()


def _gone_rows(run: _Run, dd: Deduper) -> dict[Path, np.ndarray]:
    """Per store losing records (changed ones, or of firms now kept by hand): which rows."""
    out = {}
    at = np.flatnonzero(run.changed)
    sup = pa.array(sorted(dd.superseded), pa.string())
    for i, f in enumerate(dd.ex.pool):
        gone = np.zeros(dd.ex.pool.rows(f), dtype=bool)
        mine = at[run.prev.file[at] == i]
        gone[run.prev.row[mine]] = True
        if len(sup):
            gone |= np.asarray(pc.is_in(dd.ex.pool.ids(f), value_set=sup), dtype=bool)
        if gone.any():
            out[f] = gone
    return out


def _others(run: _Run, dd: Deduper, base_key: Path, gone: dict[Path, np.ndarray], info: dict[str, Any]) -> None:
    """The other stores without the records this run moves out of them."""
    for f in dd.ex.pool:
        if f == base_key or f not in gone:
            continue
        if gone[f].all():
            run.tx.remove(f)
        else:
            rewrite_store(run.tx, f, dd.ex.pool, gone[f], info)
        run.s.moved_from.append(str(f))


def _ordered(parts: list[tuple[pa.Table, np.ndarray]], empty: pa.Table) -> pa.Table:
    """The tables' rows by their keys (stable: rows of one key stay in order)."""
    if not parts:
        return empty
    keys = np.concatenate([k for _t, k in parts])
    return pa.concat_tables([t for t, _k in parts]).take(pa.array(np.argsort(keys, kind="stable")))


def _signals_and_queue(run: _Run, folder: Path, dense: np.ndarray) -> None:
    tx, s = run.tx, run.s
    s.signals = {}
    if run.chains_of is not None:
        found = pa.concat_tables(
            [
                _ordered([(t, dense[k]) for t, k in run.chg_sig], SIGNAL_SCHEMA.empty_table()),
                _ordered(run.new_sig, SIGNAL_SCHEMA.empty_table()),
            ]
        )
        s.signals = dict(Counter(found["kind"].to_pylist()).most_common())
        if len(found):
            tx.write_raw_parquet(folder / SIGNALS, pa.concat_tables([read_signals(folder), found]))
    old = read_queue(folder)
    fresh = pa.concat_tables(
        [
            _ordered(run.new_q, old.schema.empty_table()),
            _ordered([(t, dense[k]) for t, k in run.chg_q], old.schema.empty_table()),
        ]
    )
    ids = pa.concat_arrays(run.mine) if run.mine else pa.array([], pa.string())
    queue = queue_after(old, ids, fresh)
    if queue is not None:
        tx.write_raw_parquet(folder / QUEUE, queue)
