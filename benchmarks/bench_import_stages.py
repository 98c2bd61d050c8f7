"""Where an import's time goes, stage by stage: wall seconds and the CPU seconds of the thread that ran
each stage (the store's Parquet encoding and the spill files run in a helper thread; their CPU shows on
their own lines). Imports FILE into a fresh copy of the bundled library, in this process.

    python benchmarks/bench_import_stages.py /tmp/dense_1m.csv [--workers 1]

On a shared machine the wall seconds swing with the load; the CPU seconds much less (the load average
is printed: compare runs made under the same load).
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import chainmap.importer.dedupe as dd
import chainmap.importer.records as records
import chainmap.importer.rows as rows
import chainmap.importer.run as run
import chainmap.importer.stream as stream
from chainmap.importer.chunkmatch import ChunkMatcher
from chainmap.importer.options import ImportOptions
from chainmap.load import load_library

ROOT = Path(__file__).resolve().parents[1]

STAGES = [
    (rows.Cleaner, "chunk", "clean"),
    (ChunkMatcher, "match", "match"),
    (run, "_take", "take (fold and add)"),
    (dd.Deduper, "fold", "  dedupe.fold"),
    (dd.Deduper, "add", "  dedupe.add"),
    (run, "stream_store", "store"),
    (records, "_patched", "  duplicates folded in"),
    (stream, "queue_rows", "  review queue"),
    (stream, "new_signals", "  new signals"),
    (pq.ParquetWriter, "write_table", "  parquet write (helper)"),
    (records, "write_ipc", "  spill write (helper)"),
    (records, "read_ipc", "  spill read (helper)"),
    (records, "read_spill", "  worker spill mapped (helper)"),
]


def _timed(owner: Any, name: str, label: str, wall: collections.Counter, cpu: collections.Counter) -> None:
    f = getattr(owner, name)

    @functools.wraps(f)
    def timed(*a: Any, **k: Any) -> Any:
        t, c = time.perf_counter(), time.thread_time()
        try:
            return f(*a, **k)
        finally:
            wall[label] += time.perf_counter() - t
            cpu[label] += time.thread_time() - c

    setattr(owner, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    wall: collections.Counter[str] = collections.Counter()
    cpu: collections.Counter[str] = collections.Counter()
    for owner, name, label in STAGES:
        if hasattr(owner, name):  # a stage the code no longer has is left out
            _timed(owner, name, label, wall, cpu)
    with tempfile.TemporaryDirectory() as tmp:
        lib_dir = Path(tmp) / "chains"
        shutil.copytree(ROOT / "chains", lib_dir)
        shutil.rmtree(lib_dir / "imported", ignore_errors=True)
        lib = load_library(lib_dir)
        load = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        s = run.run_import(lib, ImportOptions(file=args.file, workers=args.workers, progress=False))
        total_wall, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{args.file.name}: {s.rows:,} rows, {s.imported:,} firms ({s.placed:,} placed)")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: {os.getloadavg()[0]:.2f}")
    print(f"import: {total_wall:.2f} s wall, {total_cpu:.2f} s CPU (all threads)")
    print(f"{'stage':28s} {'wall s':>8s} {'CPU s':>8s}")
    for _owner, _name, label in STAGES:
        if label in wall:
            print(f"{label:28s} {wall[label]:8.2f} {cpu[label]:8.2f}")


if __name__ == "__main__":
    main()
