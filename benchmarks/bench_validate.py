"""Validation speed of hand-written company YAML: seconds per 1,000 records for `chainmap validate`.

    python benchmarks/bench_validate.py                 # 20,000 made-up firms in one companies/ file
    python benchmarks/bench_validate.py --firms 100000 --repeat 3

The library is tests/synth.py's synthetic one-chain library (made-up firms, marked as such). The
figure is the time of :func:`chainmap.validate.validate` on the library (read, parse with positions,
validate every record, check every reference, count per chain), best of ``--repeat``, as wall time
and as CPU time of this process (the CPU figure is the one to compare on a shared, loaded machine).
Also printed: the parse share (YAML -> data with positions) and the model share (pydantic), measured
under the same garbage-collector setting as validate uses.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.model import Company  # noqa: E402
from chainmap.validate import _few_collections, validate  # noqa: E402
from chainmap.yamlsrc import read  # noqa: E402
from tests.synth import write_library  # noqa: E402


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


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
        with _few_collections():
            parse = best(lambda: read(firms_file), args.repeat)
            src, _ = read(firms_file)
            items = src.data["companies"]
            model = best(lambda: [Company.model_validate(c) for c in items], args.repeat)
    n = args.firms / 1000
    print(
        f"machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print(f"firms: {args.firms:,}")
    print(f"validate: wall {total[0]:.2f} s, CPU {total[1]:.2f} s = {total[1] / n * 1000:.0f} ms CPU per 1,000 records")
    print(f"  parse (YAML with positions): CPU {parse[1]:.2f} s; models (pydantic): CPU {model[1]:.2f} s")


if __name__ == "__main__":
    main()
