"""The store stage of an import that only adds firms (none of them stored before, none now kept by
hand), in memory bounded by the chunk: the records, spilled per chunk as placed and unplaced firms
(:class:`.records.Records`), are read back, counted and streamed into the new Parquet store in two
passes -- the placed firms of every chunk, then the unplaced ones -- in row groups of
:data:`.store.ROW_GROUP` firms. The review pairs and signals of each chunk are put back in the order
of its records.

Any other import (updates of stored firms, a YAML store) takes the table path of :mod:`.write`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..model import Region
from ..store import SIGNALS, read_signals
from .background import Background
from .dedupe import Deduper
from .options import ImportSummary
from .review import QUEUE, queue_rows, read_queue
from .signals import new_signals
from .store import ROW_GROUP, Transaction, parquet_schema, parquet_writer
from .write import local_count, tally_ties

__all__ = ["can_stream", "stream_store"]


def can_stream(dd: Deduper, output: Path, kind: str, base_key: Path) -> bool:
    """True when this run only adds new firms to a Parquet store that does not exist yet."""
    return (
        kind == "parquet"
        and len(dd.records) > 0
        and not dd.prev_by_id
        and not dd.superseded
        and output.resolve() not in dd.ex.pool
        and base_key not in dd.ex.pool
    )


class _Groups:
    """Rows to a Parquet writer in row groups of ROW_GROUP rows, the ``placed`` column set, written
    by the background thread."""

    def __init__(self, writer: pq.ParquetWriter, placed: bool, bg: Background):
        self.w, self.placed, self.bg = writer, placed, bg
        self.buf: list[pa.Table] = []
        self.size = 0

    def add(self, t: pa.Table) -> None:
        if not len(t):
            return
        t = t.set_column(t.schema.get_field_index("placed"), "placed", pa.array(np.full(len(t), self.placed)))
        self.buf.append(t)
        self.size += len(t)
        while self.size >= ROW_GROUP:
            whole = pa.concat_tables(self.buf)
            self._submit(whole.slice(0, ROW_GROUP))
            rest = whole.slice(ROW_GROUP)
            self.buf, self.size = ([rest] if len(rest) else []), len(rest)

    def flush(self) -> None:
        if self.size:
            self._submit(pa.concat_tables(self.buf))
        self.buf, self.size = [], 0

    def _submit(self, t: pa.Table) -> None:
        # one chunk per column: a row group's bytes depend on its rows alone, not on the chunks they came in
        # (the file's cut into chunks differs between one process and worker processes); made here, so the
        # writer's thread -- the stage's longest chain -- only encodes
        self.bg.submit(self._write, t.combine_chunks().cast(self.w.schema))

    def _write(self, t: pa.Table) -> None:
        self.w.write_table(t, row_group_size=ROW_GROUP)


def stream_store(
    dd: Deduper,
    tx: Transaction,
    s: ImportSummary,
    output: Path,
    region: Region | None,
    chains_of: dict[str, list[str]],
    info: dict[str, Any],
) -> None:
    """Write the new store (and the review queue and signals this run adds) into ``tx``; set the
    summary's counts of placed, unplaced and local firms, firms per node and open review items."""
    nodes: Counter[str] = Counter()
    old_queue = read_queue(output.parent)  # its pairs of this run's firms are replaced (ids kept only then)
    sides: list[list[_Side]] = []
    # the helper thread stops (its ``with`` ends first) before the file its jobs write is closed; the
    # unplaced records are read and counted while it still writes the last placed ones, and the review
    # queue and the signals are written while it writes the last row groups
    with parquet_writer(tx.temp(output), parquet_schema(info)) as writer, Background() as bg:
        for placed, parts in ((True, dd.records.placed_parts()), (False, dd.records.unplaced_parts())):
            rows = _Groups(writer, placed, bg)
            side = []
            for t, recs in parts:
                s.placed += len(t) if placed else 0
                s.unplaced += 0 if placed else len(t)
                side.append(
                    _count(s, t, recs, nodes, region, chains_of if dd.ex.pool else None, info, len(old_queue) > 0)
                )
                rows.add(t)
            rows.flush()
            sides.append(side)
        _rest(tx, s, output.parent, old_queue, sides, bool(dd.ex.pool))
        bg.finish()
    s.nodes = dict(sorted(nodes.items(), key=lambda kv: (-kv[1], kv[0])))
    if region is not None and s.local is None:
        s.local = 0


def _rest(tx: Transaction, s: ImportSummary, folder: Path, old_queue: pa.Table, sides: list, signals: bool) -> None:
    """The review queue, and the signals when the store already held firms, of the chunks' ``sides``."""
    on, off = sides
    queue = [_in_order(a.queue, a.qrecs, b.queue, b.qrecs) for a, b in zip(on, off, strict=True)]
    ids = [x.ids for side in sides for x in side if x.ids is not None]
    _queue(tx, folder, old_queue, queue, ids)
    if signals:
        found = pa.concat_tables(
            [_in_order(a.signals, a.recs, b.signals, b.recs) for a, b in zip(on, off, strict=True)]
        )
        s.signals = dict(Counter(found["kind"].to_pylist()).most_common())
        if len(found):
            tx.write_raw_parquet(folder / SIGNALS, pa.concat_tables([read_signals(folder), found]))


@dataclass
class _Side:
    """What one chunk's placed (or unplaced) records add to the review queue and the signals, with
    the record of each row (to put the chunk's rows back in the order of its records); their ids
    when an older queue is to lose their pairs."""

    queue: pa.Table
    qrecs: np.ndarray
    signals: pa.Table | None = None
    recs: np.ndarray | None = None
    ids: pa.ChunkedArray | None = None


def _count(
    s: ImportSummary,
    t: pa.Table,
    recs: np.ndarray,
    nodes: Counter[str],
    region: Region | None,
    chains_of: dict[str, list[str]] | None,
    info: dict[str, Any],
    keep_ids: bool,
) -> _Side:
    """Count some records (``recs``) into the summary; their review pairs and signals."""
    tally_ties(t, nodes)
    if region is not None:
        s.local = (s.local or 0) + local_count(t, region)
    pairs = np.asarray(pc.fill_null(pc.list_value_length(t["uncertain"]), 0), dtype=np.int64)
    s.review += int(pairs.sum())
    out = _Side(queue_rows(t), np.repeat(recs, pairs), ids=t["id"] if keep_ids else None)
    if chains_of is not None:
        out.signals, out.recs = new_signals(t, chains_of, info["source_file"]), recs
    return out


def _in_order(a: pa.Table, ra: np.ndarray, b: pa.Table, rb: np.ndarray) -> pa.Table:
    """The rows of ``a`` and ``b`` (of records ``ra`` and ``rb``) in the order of their records."""
    if not len(b):
        return a
    if not len(a):
        return b
    return pa.concat_tables([a, b]).take(pa.array(np.argsort(np.concatenate([ra, rb]), kind="stable")))


def _queue(tx: Transaction, folder: Path, old: pa.Table, parts: list[pa.Table], ids: list[Any]) -> None:
    """The review queue with this run's open pairs (the firms are new: no old pair is theirs, but an
    old queue keeps its pairs)."""
    fresh = pa.concat_tables(parts) if parts else old.schema.empty_table()
    if not len(fresh):
        return
    keep = old
    if len(old):
        keep = old.filter(pc.invert(pc.is_in(old["firm"], value_set=pa.chunked_array(ids).combine_chunks())))
    tx.write_raw_parquet(folder / QUEUE, pa.concat_tables([keep, fresh.cast(old.schema)]))
