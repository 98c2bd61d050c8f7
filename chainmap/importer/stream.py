"""The store stage of an import that only adds firms (none of them stored before, none now kept by
hand), in memory bounded by the chunk: the spilled records are read back part by part, counted, and
streamed into the new Parquet store in two passes -- placed firms while counting, unplaced ones from
a temporary file afterwards -- in row groups of :data:`.store.ROW_GROUP` firms.

Any other import (updates of stored firms, a YAML store) takes the table path of :mod:`.write`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..model import Region
from ..store import SCHEMA, SIGNALS, read_signals
from .background import Background
from .dedupe import _IPC, Deduper
from .options import ImportSummary
from .review import QUEUE, queue_rows, read_queue
from .signals import new_signals
from .store import ROW_GROUP, Transaction, parquet_schema, parquet_writer, placed_mask
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
        t = t.set_column(t.schema.get_field_index("placed"), "placed", pa.array([self.placed] * len(t), pa.bool_()))
        self.buf.append(t)
        self.size += len(t)
        while self.size >= ROW_GROUP:
            whole = pa.concat_tables(self.buf)
            self.bg.submit(self._write, whole.slice(0, ROW_GROUP))
            rest = whole.slice(ROW_GROUP)
            self.buf, self.size = ([rest] if len(rest) else []), len(rest)

    def flush(self) -> None:
        if self.size:
            self.bg.submit(self._write, pa.concat_tables(self.buf))
        self.buf, self.size = [], 0

    def _write(self, t: pa.Table) -> None:
        self.w.write_table(t.cast(self.w.schema), row_group_size=ROW_GROUP)


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
    queue, signals, ids = [], [], []
    old_queue = read_queue(output.parent)  # its pairs of this run's firms are replaced (ids kept only then)
    rest = tx.scratch()
    with parquet_writer(tx.temp(output), parquet_schema(info)) as writer:
        # each helper thread stops (its ``with`` ends first) before the files its jobs use are closed
        with (
            pa.OSFile(str(rest), "wb") as sink,
            pa.ipc.new_file(sink, SCHEMA, options=_IPC) as spill,
            Background() as bg,
        ):
            placed_rows = _Groups(writer, True, bg)
            for t in dd.records.batches():
                mask = placed_mask(t)
                n_placed = pc.sum(mask).as_py() or 0
                s.placed += n_placed
                s.unplaced += len(t) - n_placed
                tally_ties(t, nodes)
                if region is not None:
                    s.local = (s.local or 0) + local_count(t, region)
                s.review += int(pc.sum(pc.fill_null(pc.list_value_length(t["uncertain"]), 0)).as_py() or 0)
                queue.append(queue_rows(t))
                if len(old_queue):
                    ids.append(t["id"])
                if dd.ex.pool:
                    signals.append(new_signals(t, chains_of, info["source_file"]))
                placed_rows.add(t.filter(mask))
                bg.submit(spill.write_table, t.filter(pc.invert(mask)).cast(SCHEMA))
            placed_rows.flush()
            bg.finish()  # the spill is complete before it is closed
        with pa.memory_map(str(rest)) as src, Background() as bg:
            unplaced_rows = _Groups(writer, False, bg)
            reader = pa.ipc.open_file(src)
            for i in range(reader.num_record_batches):
                unplaced_rows.add(pa.Table.from_batches([reader.get_batch(i)]))
            unplaced_rows.flush()
            bg.finish()
    s.nodes = dict(sorted(nodes.items(), key=lambda kv: (-kv[1], kv[0])))
    if region is not None and s.local is None:
        s.local = 0
    _queue(tx, output.parent, old_queue, queue, ids)
    if signals:
        found = pa.concat_tables(signals)
        s.signals = dict(Counter(found["kind"].to_pylist()).most_common())
        if len(found):
            tx.write_raw_parquet(output.parent / SIGNALS, pa.concat_tables([read_signals(output.parent), found]))


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
