"""Time of the gap and target analysis on the bundled library (goal: the whole library in under 1 s).

Loads the bundled library once, then times, as the median of ``--repeat`` runs: building the graph of
all chains, the per-(chain, node) gap table plus the one-row-per-node table, the target list (groups,
legal status, why), the first wave and one ``what_if``. Prints the figures with the machine and date.

    python benchmarks/bench_analysis.py
    python benchmarks/bench_analysis.py --repeat 9
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chainmap  # noqa: E402
from chainmap.analysis.gaps import chain_gaps, gaps  # noqa: E402
from chainmap.analysis.groups import company_groups  # noqa: E402
from chainmap.analysis.targets import targets  # noqa: E402
from chainmap.analysis.wave import first_wave, what_if  # noqa: E402
from chainmap.graph import build_graph  # noqa: E402


def _median(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    lib = chainmap.load(ROOT / "chains")
    region = lib.regions["lianyungang"]
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()}"
    )
    print(f"library: {len(lib.chains)} chains, {len(lib.nodes)} nodes, {len(lib.companies)} firms")
    t_graph, g = _median(lambda: build_graph(lib, None, region), args.repeat)
    t_gaps, by_chain = _median(lambda: chain_gaps(g, region), args.repeat)
    t_merge, gdf = _median(lambda: gaps(g, region, by_chain=by_chain), args.repeat)
    groups = company_groups(lib.companies, region)
    t_targets, tdf = _median(lambda: targets(g, region, gdf, groups=groups), args.repeat)
    t_wave, _w = _median(lambda: first_wave(tdf, gdf), args.repeat)
    t_what, _x = _median(lambda: what_if(g, region, list(tdf["company"].head(5))), args.repeat)
    total = t_graph + t_gaps + t_merge + t_targets + t_wave
    for label, v in (
        ("build graph", t_graph),
        (f"chain_gaps ({len(by_chain)} rows)", t_gaps),
        (f"gaps ({len(gdf)} rows)", t_merge),
        (f"targets ({len(tdf)} groups)", t_targets),
        ("first wave (20)", t_wave),
        ("what_if (5 firms)", t_what),
        ("graph -> first wave, total", total),
    ):
        print(f"  {label:<32} {v * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
