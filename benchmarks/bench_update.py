"""Imports that update stored firms -- the monthly refresh that makes change signals -- in time and peak
memory of the whole process tree, next to the first import of the same firms.

    python benchmarks/gen_export.py 1000000 -o /tmp/dense_1m.csv --chains chains --mode dense
    python benchmarks/gen_newer.py /tmp/dense_1m.csv -o /tmp/newer_1m.csv
    python benchmarks/bench_update.py /tmp/dense_1m.csv /tmp/newer_1m.csv [--daily 2000] [--work DIR]

First ``A`` is imported into a fresh copy of the bundled library (``first``); then, each from a copy of
that state: ``same`` imports A again (it must record nothing), ``newer`` imports B (a newer export of the
same firms: its store takes their records over, with signals), ``daily`` imports B's first ``--daily``
rows (a small update of firms the library holds). One JSON line per import: seconds, peak MB (PSS of the
tree, sampled every 50 ms), the summary's counts and signals, the size of the stores on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_scale import measure  # noqa: E402


def _import(lib: Path, export: Path, env: dict[str, str]) -> dict[str, object]:
    cmd = [sys.executable, "-m", "chainmap", "--chains", str(lib), "import", str(export), "--format", "json"]
    load = os.getloadavg()[0]
    sec, mb, out, _rss = measure(cmd, env)
    s = json.loads(out)
    return {
        "seconds": round(sec, 2),
        "peak_mb": round(mb),
        "load_before": round(load, 1),
        "rows": s["rows"],
        "imported": s["imported"],
        "updated": s["updated"],
        "unchanged": s["unchanged"],
        "signals": s.get("signals", {}),
        "store_mb": round(sum(f.stat().st_size for f in (lib / "imported").iterdir()) / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first", type=Path, help="the older export (A)")
    ap.add_argument("newer", type=Path, help="a newer export of the same firms (B, gen_newer.py)")
    ap.add_argument("--daily", type=int, default=2000, help="rows of B in the small update")
    ap.add_argument("--chains", type=Path, default=ROOT / "chains")
    ap.add_argument("--work", type=Path, default=Path("/tmp/chainmap-update"))
    a = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "chainmap")], check=True, stdout=subprocess.DEVNULL
    )
    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    daily = a.work / f"{a.newer.stem}_daily.csv"
    with a.newer.open("rb") as src, daily.open("wb") as dst:  # the title, the header, then --daily rows
        for _ in range(a.daily + 2):
            line = src.readline()
            if not line:
                break
            dst.write(line)
    base = a.work / "first"
    shutil.copytree(a.chains, base, ignore=shutil.ignore_patterns("imported"))
    head = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    print(json.dumps({**head, "import": "first", **_import(base, a.first, env)}, ensure_ascii=False), flush=True)
    for name, export in (("same", a.first), ("newer", a.newer), ("daily", daily)):
        lib = a.work / name
        shutil.copytree(base, lib)
        print(json.dumps({**head, "import": name, **_import(lib, export, env)}, ensure_ascii=False), flush=True)
        shutil.rmtree(lib)


if __name__ == "__main__":
    main()
