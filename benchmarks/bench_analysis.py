"""Time of the gap and target analysis on the bundled library (goal: the whole library in under 1 s).

Loads the bundled library once, then times, as the median of ``--repeat`` runs: building the graph of
all chains, the per-(chain, node) gap table plus the one-row-per-node table, the target list (groups,
legal status, why), the first wave and one ``what_if``. Prints the figures with the machine and date.

    python benchmarks/bench_analysis.py
    python benchmarks/bench_analysis.py --repeat 9

With ``--store LIB``: `gaps --all` and `targets --all` (table and JSON) on a library with a national
import in its store, as officers run them (``python -m chainmap --chains LIB ...``), best of ``--repeat``
runs, with the peak resident memory of the process (``wait4``); ``--before TREE`` runs an older tree
(a folder holding chainmap/) on the same library and compares the outputs byte for byte; ``--stages``
gives the time of each step in one process instead:

    python benchmarks/gen_export.py 1000000 -o /tmp/dense_1m.csv --chains chains --mode dense --match-share 0.86
    cp -r chains /tmp/storeana-lib && python -m chainmap --chains /tmp/storeana-lib import /tmp/dense_1m.csv
    python benchmarks/bench_analysis.py --store /tmp/storeana-lib --repeat 3 [--before /tmp/old] [--stages]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
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

COMMANDS = (
    ("gaps --all", ["gaps", "--all"]),
    ("gaps --all --format json", ["gaps", "--all", "--format", "json"]),
    ("targets --all", ["targets", "--all"]),
    ("targets --all --format json", ["targets", "--all", "--format", "json"]),
)


def run(tree: Path, lib: Path, args: list[str]) -> tuple[float, float, bytes]:
    """(seconds, peak MB, stdout) of one command with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "100"}
    cmd = [sys.executable, "-m", "chainmap", "--chains", str(lib), *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd="/tmp")
    out = proc.stdout.read() if proc.stdout else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024, out


def best(tree: Path, lib: Path, args: list[str], repeat: int) -> tuple[float, float, bytes]:
    runs = [run(tree, lib, args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def stages(lib: Path) -> None:
    """Wall time of each step of `targets --all` and `gaps --all`, in this process."""
    marks = [("start", time.perf_counter())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))

    import chainmap.cli  # noqa: F401 - what the command imports

    mark("Python imports")
    from chainmap import api
    from chainmap.load import load_library
    from chainmap.present import exports

    lib_ = load_library(lib)
    mark(f"load library and open the store ({len(lib_.store or ())} firms)")
    a = api.analyse(lib_, None, firms="none")
    mark("graph (no firm of the store) and the store's view")
    a.feasibility  # noqa: B018
    mark("feasibility (RCA, density)")
    a.gaps, a.completeness  # noqa: B018
    mark("gaps, completeness")
    a.ranked  # noqa: B018
    mark(f"targets ranked ({len(a.ranked)})")
    head = a.targets_head(300)
    a.excluded  # noqa: B018
    mark("300 target rows, excluded")
    exports.to_table(a.gaps, "gaps"), exports.to_table(head, "targets")
    mark("terminal tables")
    for (name, t), (_, before) in zip(marks[1:], marks, strict=False):
        print(f"| {name} | {t - before:.2f} s |")
    print(f"| total | {marks[-1][1] - marks[0][1]:.2f} s |")


def store_main(a: argparse.Namespace) -> None:
    """The commands on a library with a national import in its store (``--store LIB``)."""
    if not (a.store / "imported").is_dir():
        raise SystemExit(f"{a.store} has no imported/ store: import an export first (see the docstring)")
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average before {os.getloadavg()}"
    )
    if a.stages:
        stages(a.store)
        return
    print("| command | before | before peak | now | now peak | same output | bundled library alone, now |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for label, args in COMMANDS:
        now = best(ROOT, a.store, args, a.repeat)
        old = best(a.before, a.store, args, 1) if a.before else None
        alone = best(ROOT, ROOT / "chains", args, a.repeat)  # the fixed cost: imports, YAML, tables
        same = "" if old is None else ("yes" if old[2] == now[2] else "NO")
        was = f"{old[0]:.1f} s | {old[1]:,.0f} MB" if old else "- | -"
        print(f"| `{label}` | {was} | {now[0]:.2f} s | {now[1]:,.0f} MB | {same} | {alone[0]:.2f} s |", flush=True)
    print(f"load average after {os.getloadavg()}")


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
    ap.add_argument("--store", type=Path, default=None, help="a library with an import store: time the commands")
    ap.add_argument("--before", type=Path, default=None, help="with --store: an older tree to compare with")
    ap.add_argument("--stages", action="store_true", help="with --store: the time of each step, in-process")
    args = ap.parse_args()
    if args.store is not None:
        store_main(args)
        return
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
