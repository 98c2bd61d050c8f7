"""National-scale import: `chainmap import` against the read floor (pyarrow reading the same file), in
the same run, with the peak memory of the whole process tree (the import and its worker processes).

    python benchmarks/gen_export.py 1000000 -o /tmp/dense_1m.csv --chains chains --mode dense
    python benchmarks/bench_scale.py /tmp/dense_1m.csv [--chains chains] [--work /tmp/chainmap-scale] [--repeat 5]

The package's modules are compiled to bytecode first, as ``pip install`` compiles them: an environment
that sets PYTHONDONTWRITEBYTECODE (this machine's does) would otherwise make every run compile the ~110
modules of chainmap again (~0.3 s), a cost no installed copy pays.

Prints one JSON line per pair: the floor (seconds), the import (seconds, rows, placed, store size on
disk) and the ratio import / floor, with the load average of the machine; then the peaks of a floor and an
import run apart with their memory sampled (sampling takes CPU from a timed run).
With ``--repeat N``: N such pairs back to back, then a line with the medians and the range of the ratios
(the machine's speed drifts by a third within minutes here: one pair says little).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FLOOR = (
    "import sys, pyarrow as pa, pyarrow.csv as c; "
    "t = c.read_csv(sys.argv[1], read_options=c.ReadOptions(skip_rows=1, autogenerate_column_names=True), "
    "parse_options=c.ParseOptions(newlines_in_values=True), "
    "convert_options=c.ConvertOptions(column_types={f'f{i}': pa.string() for i in range(64)})); print(t.num_rows)"
)


def _tree_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes of a process and all its descendants, from /proc. PSS counts a page shared
    by n processes (a forked worker's inherited pages) as 1/n in each: their sum is the memory the tree
    occupies. The RSS sum counts such a page in every process: an upper bound."""
    pss = rss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children", encoding="ascii") as fh:
                todo += [int(x) for x in fh.read().split()]
        except (OSError, ValueError):
            continue
    return pss, rss


def measure(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, sample: bool = True
) -> tuple[float, float, str, float]:
    """(seconds, peak MB of the process tree (PSS) sampled every 50 ms, stdout, peak of the RSS sum).
    ``sample`` False: no sampling (0 for the peaks). Reading /proc/PID/smaps_rollup walks the page tables of
    every process of the tree: on two cores that CPU comes out of the run being timed (measured 2026-11-30,
    1M dense import: +0.1-1.1 s), so :func:`main` times runs unsampled and samples a run of its own."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd or ROOT)
    peak = peak_rss = 0
    while sample and proc.poll() is None:
        pss, rss = _tree_memory(proc.pid)
        peak, peak_rss = max(peak, pss), max(peak_rss, rss)
        time.sleep(0.05)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, peak / 2**20, out, peak_rss / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export", type=Path)
    ap.add_argument("--chains", type=Path, default=ROOT / "chains")
    ap.add_argument("--work", type=Path, default=Path("/tmp/chainmap-scale"))
    ap.add_argument("--repeat", type=int, default=1, help="floor-then-import pairs, back to back (default 1)")
    a = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "chainmap")], check=True, stdout=subprocess.DEVNULL
    )
    runs = [_pair(a, env) for _ in range(a.repeat)]
    for r in runs:
        print(json.dumps(r, ensure_ascii=False))
    if a.repeat > 1:
        print(json.dumps(_medians(runs), ensure_ascii=False))
    _floor_s, floor_mb, _rows, _ = measure([sys.executable, "-c", _FLOOR, str(a.export)], env)
    _sec, mb, _out, rss_mb = measure(_import_cmd(a), env)
    print(
        json.dumps(
            {"floor_peak_mb": round(floor_mb), "import_peak_mb": round(mb), "import_peak_rss_sum_mb": round(rss_mb)}
        )
    )


def _import_cmd(a: argparse.Namespace) -> list[str]:
    """The import into a fresh copy of the library."""
    lib = a.work / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    shutil.copytree(a.chains, lib, ignore=shutil.ignore_patterns("imported"))
    return [sys.executable, "-m", "chainmap", "--chains", str(lib), "import", str(a.export), "--format", "json"]


def _pair(a: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    """The floor, then the import into a fresh copy of the library, one after the other (both timed
    without sampling their memory)."""
    load = os.getloadavg()
    floor_s, _mb, rows, _ = measure([sys.executable, "-c", _FLOOR, str(a.export)], env, sample=False)
    sec, _mb, out, _rss = measure(_import_cmd(a), env, sample=False)
    s = json.loads(out)
    lib = a.work / "lib"
    store = sum(f.stat().st_size for f in (lib / "imported").iterdir())
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": [round(x, 1) for x in load],
        "load_after": [round(x, 1) for x in os.getloadavg()],
        "file_mb": round(a.export.stat().st_size / 2**20),
        "rows": int(rows.strip()),
        "floor_s": round(floor_s, 2),
        "import_s": round(sec, 2),
        "ratio": round(sec / floor_s, 1),
        "imported": s["imported"],
        "placed": s["placed"],
        "placed_share": round(s["placed"] / max(s["imported"], 1), 3),
        "store_mb": round(store / 2**20, 1),
    }


def _medians(runs: list[dict[str, object]]) -> dict[str, object]:
    """The pairs summed up: medians, and the range of the ratios (each import against the floor read just
    before it: the machine's speed drifts, so a ratio is only taken within a pair)."""
    ratios = sorted(float(r["import_s"]) / float(r["floor_s"]) for r in runs)
    return {
        "pairs": len(runs),
        "floor_s_median": statistics.median(float(r["floor_s"]) for r in runs),
        "import_s_median": statistics.median(float(r["import_s"]) for r in runs),
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)],
    }


if __name__ == "__main__":
    main()
