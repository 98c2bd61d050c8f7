"""Benchmark the matching stage of `chainmap import` alone: the chunk matcher over the texts of a real
import, in the calling thread, with the CPU seconds of each step.

    python benchmarks/bench_match.py /tmp/dense_200k.csv [--repeat 3] [--chains chains] [--check 2000]

The export is imported once into a fresh copy of the library (``--chains``) to collect the texts the
matcher is given, chunk by chunk, exactly as `chainmap import` builds them; then those chunks go
through :class:`ChunkMatcher` ``--repeat`` times and the best run is printed: CPU seconds of the whole
match and of its steps (cutting into segments, the automaton, the trading-only clauses, copying the
hits to every segment, placing), microseconds a row, and the load average. ``--check N`` places the
first N rows of every chunk with the one-firm reference matcher too and counts the differences (0
expected).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

import chainmap.importer.chunkmatch as cm  # noqa: E402
import chainmap.importer.run as run  # noqa: E402
from chainmap.importer.match import Matcher  # noqa: E402
from chainmap.importer.options import ImportOptions  # noqa: E402
from chainmap.importer.place import match_texts  # noqa: E402
from chainmap.load import load_library  # noqa: E402

_STEPS = (
    (cm._Segments, "of", "segments"),
    (cm.ChunkMatcher, "_hits", "automaton"),
    (cm, "_trade_only", "trading"),
    (cm._Segments, "expand", "expand"),
    (cm.ChunkMatcher, "_place", "place"),
)


def collect(export: Path, chains: Path) -> tuple[Matcher, list[pa.Array]]:
    """The matcher and the chunks of texts a real import of ``export`` gives it."""
    chunks: list[pa.Array] = []
    original = cm.ChunkMatcher.match

    def keep(self: cm.ChunkMatcher, texts: pa.Array) -> list[pa.Array]:
        chunks.append(texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts)
        return original(self, texts)

    with tempfile.TemporaryDirectory() as tmp:
        lib_dir = Path(tmp) / "lib"
        shutil.copytree(chains, lib_dir, ignore=shutil.ignore_patterns("imported"))
        cm.ChunkMatcher.match = keep
        try:
            run.run_import(load_library(lib_dir), ImportOptions(file=export, workers=1, progress=False))
        finally:
            cm.ChunkMatcher.match = original
        return Matcher(load_library(lib_dir)), chunks


def timed(chunks: list[pa.Array], matcher: Matcher) -> dict[str, float]:
    """CPU seconds (this thread) of matching every chunk, and of each step."""
    acc: collections.Counter[str] = collections.Counter()
    saved = []
    for owner, name, label in _STEPS:
        f = owner.__dict__[name]
        saved.append((owner, name, f))
        inner = f.__func__ if isinstance(f, classmethod) else f

        def wrap(*a, _f=inner, _label=label, **k):
            t = time.thread_time()
            try:
                return _f(*a, **k)
            finally:
                acc[_label] += time.thread_time() - t

        setattr(owner, name, classmethod(functools.wraps(inner)(wrap)) if isinstance(f, classmethod) else wrap)
    try:
        c = cm.ChunkMatcher(matcher)
        t = time.thread_time()
        for texts in chunks:
            c.match(texts)
        acc["match"] = time.thread_time() - t
    finally:
        for owner, name, f in saved:
            setattr(owner, name, f)
    return dict(acc)


def differences(chunks: list[pa.Array], matcher: Matcher, rows: int) -> int:
    """Rows (the first ``rows`` of each chunk) where the chunk matcher and the one-firm matcher differ."""
    c, diff = cm.ChunkMatcher(matcher), 0
    for texts in chunks:
        part = texts.slice(0, rows)
        got, want = c.match(part), match_texts(matcher, part)
        for g, w in zip(got, want, strict=True):
            diff += sum(x != y for x, y in zip(g.to_pylist(), w.to_pylist(), strict=True))
    return diff


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chains", type=Path, default=ROOT / "chains")
    ap.add_argument("--check", type=int, default=0)
    args = ap.parse_args()
    matcher, chunks = collect(args.export, args.chains)
    rows = sum(len(t) for t in chunks)
    load = os.getloadavg()[0]
    best = min((timed(chunks, matcher) for _ in range(args.repeat)), key=lambda r: r["match"])
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"load {load:.1f} -> {os.getloadavg()[0]:.1f}; {rows:,} rows in {len(chunks)} chunks, best of {args.repeat}"
    )
    print(f"match {best['match']:.2f} s CPU ({best['match'] / rows * 1e6:.2f} us a row)")
    for _owner, _name, label in _STEPS:
        print(f"  {label:10s} {best.get(label, 0.0):6.2f} s")
    if args.check:
        print(
            f"differences from the one-firm matcher (first {args.check} rows of each chunk): "
            f"{differences(chunks, matcher, args.check)}"
        )


if __name__ == "__main__":
    main()
