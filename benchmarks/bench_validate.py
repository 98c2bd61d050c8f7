"""Validation speed of hand-written company YAML: seconds per 1,000 records for `chainmap validate`.

    python benchmarks/bench_validate.py                 # 20,000 made-up firms in one companies/ file
    python benchmarks/bench_validate.py --firms 100000 --repeat 3

The library is tests/synth.py's synthetic one-chain library (made-up firms, marked as such). The
figure is the wall time of :func:`chainmap.validate.validate` on the library (read, parse with
positions, validate every record, check every reference, build the summary), best of ``--repeat``.
Also printed: the parse share (YAML -> data with positions) and the model share (pydantic).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.model import Company  # noqa: E402
from chainmap.validate import validate  # noqa: E402
from chainmap.yamlsrc import read  # noqa: E402
from tests.synth import write_library  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lib = write_library(Path(tmp), firms=args.firms)
        firms_file = next((lib / "companies").glob("*.yaml"))
        report = validate([lib])
        assert report.ok, report.problems[:3]
        total = best(lambda: validate([lib]), args.repeat)
        parse = best(lambda: read(firms_file), args.repeat)
        src, _ = read(firms_file)
        items = src.data["companies"]
        model = best(lambda: [Company.model_validate(c) for c in items], args.repeat)
    n = args.firms / 1000
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}")
    print(f"firms: {args.firms:,}")
    print(f"validate: {total:.2f} s = {total / n * 1000:.0f} ms per 1,000 records")
    print(f"  parse (YAML with positions): {parse:.2f} s; models (pydantic): {model:.2f} s")


if __name__ == "__main__":
    main()
