"""Benchmark `chainmap import` on synthetic national-scale exports, against the obvious pandas approach.

    python benchmarks/bench_import.py [--sizes 100000 1000000] [--work /tmp/chainmap-bench] [--chains chains]

For each size: generate an export (benchmarks/gen_export.py, cached in --work), import it into a fresh
copy of the chain library through the real command (`python -m chainmap import`), and record wall time,
rows per second and peak memory (max RSS of the import's processes). The naive approach reads the same
file with pandas (pyarrow engine) and runs one ``str.contains`` per keyword over the text columns; it is
timed on a sample of keywords and scaled to all of them (it is linear in the number of keywords), since
running all of them takes hours at 1M rows. With the largest import in the library, `chainmap gaps --all`
and `chainmap targets --all` are timed too. Results go to --work/results.json and print as a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
sys.path.insert(0, str(ROOT))

import gen_export  # noqa: E402


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """(seconds, peak MB of the whole process tree -- the import's worker processes included, as PSS --,
    stdout) of a command run in a fresh process."""
    from bench_scale import measure as tree_measure

    seconds, mb, out, _rss = tree_measure(cmd, dict(os.environ), cwd=cwd)
    return seconds, mb, out


_NAIVE = r"""
import sys, time, resource
import pandas as pd
sys.path.insert(0, sys.argv[4])
from gen_export import chain_keywords
path, nkw, chains = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kws = chain_keywords(__import__("pathlib").Path(chains))
step = max(1, len(kws) // nkw)
sample = kws[::step][:nkw]
t0 = time.perf_counter()
df = pd.read_csv(path, skiprows=1, dtype=str, engine="pyarrow")
t_read = time.perf_counter() - t0
cols = [c for c in ("主营产品", "经营范围", "国标行业", "企业名称") if c in df]
hits = {}
t1 = time.perf_counter()
for kw in sample:
    m = None
    for c in cols:
        x = df[c].str.contains(kw, regex=False, na=False)
        m = x if m is None else (m | x)
    hits[kw] = int(m.sum())
t_match = time.perf_counter() - t1
print(t_read, t_match, len(sample), len(kws), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def naive(path: Path, chains: Path, keywords: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _NAIVE, str(path), str(keywords), str(chains), str(ROOT / "benchmarks")],
        capture_output=True,
        text=True,
        check=True,
    )
    t_read, t_match, n, total, rss = out.stdout.split()
    per_kw = float(t_match) / int(n)
    return {
        "read_s": round(float(t_read), 2),
        "keywords_timed": int(n),
        "keywords_total": int(total),
        "s_per_keyword": round(per_kw, 4),
        "estimated_s": round(float(t_read) + per_kw * int(total), 1),
        "peak_mb": round(int(rss) / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/chainmap-bench"))
    ap.add_argument("--chains", type=Path, default=ROOT / "chains")
    ap.add_argument("--naive-keywords", type=int, default=60, help="keywords timed for the naive approach")
    ap.add_argument("--repeat", type=int, default=2, help="runs per measurement (the best is reported)")
    ap.add_argument(
        "--analysis-only",
        type=Path,
        default=None,
        metavar="LIB",
        help="only time gaps/targets on LIB (a library holding an import) and update results.json",
    )
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    if a.analysis_only:
        results = json.loads((a.work / "results.json").read_text(encoding="utf-8"))
        analysis(results, a.analysis_only, a)
        (a.work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(markdown(results))
        return
    keywords = gen_export.chain_keywords(a.chains)
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
        "keywords": len(keywords),
        "sizes": [],
    }
    lib = None
    for n in a.sizes:
        export = a.work / f"export_{n}.csv"
        if not export.exists():
            t = time.perf_counter()
            gen_export.write(export, n, keywords)
            print(f"generated {export} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        best = None
        for _ in range(a.repeat):
            lib = a.work / f"lib_{n}"
            shutil.rmtree(lib, ignore_errors=True)
            shutil.copytree(a.chains, lib, ignore=shutil.ignore_patterns("imported"))
            sec, mb, out = measure(
                [sys.executable, "-m", "chainmap", "--chains", str(lib), "import", str(export), "--format", "json"],
                cwd=ROOT,
            )
            summary = json.loads(out[out.index("{") :])
            if best is None or sec < best[0]:
                best = (sec, mb, summary)
        sec, mb, summary = best
        row = {
            "rows": n,
            "file_mb": round(export.stat().st_size / 2**20),
            "import_s": round(sec, 1),
            "rows_per_s": round(n / sec),
            "peak_mb": round(mb),
            "store": summary["store"],
            "placed": summary["placed"],
            "imported": summary["imported"],
            "merged": summary["merged"],
            "skipped": summary["skipped"],
            "rejected": summary["rejected"],
            "naive": naive(export, a.chains, a.naive_keywords),
        }
        row["ratio"] = round(row["naive"]["estimated_s"] / sec, 1)
        results["sizes"].append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
    if lib is not None:
        analysis(results, lib, a)
    (a.work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(markdown(results))


_PHASES = r"""
import importlib, sys, time
T = time.perf_counter
t0 = T()
from chainmap import api
from chainmap.analysis.gaps import gaps
from chainmap.analysis.targets import targets
t1 = T(); lib = api.load(sys.argv[1]); t2 = T()
reg = api.region(lib, None)
g = importlib.import_module("chainmap.graph").build_graph(lib, None, reg); t3 = T()
gd = gaps(g, reg); t4 = T()
targets(g, reg, gd); t5 = T()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, len(lib.companies))
"""


def analysis(results: dict, lib: Path, a: argparse.Namespace) -> None:
    """`chainmap gaps/targets --all` with the largest import in the library (table and JSON output),
    the same on the bundled library alone, and where the time goes (in one process)."""
    base = a.work / "lib_base"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(a.chains, base, ignore=shutil.ignore_patterns("imported"))
    for name, where in (("", lib), ("_base", base)):
        for cmd in ("gaps", "targets"):
            for fmt in ("table", "json"):
                times = [
                    measure(
                        [sys.executable, "-m", "chainmap", "--chains", str(where), cmd, "--all", "--format", fmt],
                        cwd=ROOT,
                    )
                    for _ in range(a.repeat)
                ]
                key = f"{cmd}_all{'' if fmt == 'table' else '_json'}{name}"
                results[key + "_s"] = round(min(t for t, _m, _o in times), 1)
                results[key + "_peak_mb"] = round(min(m for _t, m, _o in times))
    out = subprocess.run(
        [sys.executable, "-c", _PHASES, str(lib)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    imp, load, graph, gaps, targets, firms = out.stdout.split()
    results["phases_s"] = {
        "python_imports": round(float(imp), 2),
        "load_library": round(float(load), 2),
        "build_graph": round(float(graph), 2),
        "gaps": round(float(gaps), 2),
        "targets": round(float(targets), 2),
        "companies_loaded": int(firms),
    }


def markdown(r: dict) -> str:
    lines = [
        f"Machine: {r['machine']}; date {r['date']}; {r['keywords']} chain keywords/names/aliases.",
        "",
        "| rows | file | chainmap import | rows/s | peak memory | placed firms | naive pandas (est.) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in r["sizes"]:
        nv = s["naive"]
        lines.append(
            f"| {s['rows']:,} | {s['file_mb']} MB | {s['import_s']} s | {s['rows_per_s']:,} | "
            f"{s['peak_mb']} MB | {s['placed']:,} | {nv['estimated_s']:,} s (read {nv['read_s']} s + "
            f"{nv['s_per_keyword']} s × {nv['keywords_total']} keywords) | {s['ratio']}× |"
        )
    if "gaps_all_s" in r:
        big = r["sizes"][-1]
        ph = r["phases_s"]
        lines += [
            "",
            f"With the {big['rows']:,}-row import in the library ({big['placed']:,} firms on chain nodes "
            "enter it; the unplaced ones stay in the store):",
            "",
            "| command | table output | `--format json` | bundled library alone (table / json) |",
            "|---|---:|---:|---:|",
        ]
        for cmd in ("gaps", "targets"):
            lines.append(
                f"| `chainmap {cmd} --all` | {r[cmd + '_all_s']} s | {r[cmd + '_all_json_s']} s | "
                f"{r[cmd + '_all_base_s']} s / {r[cmd + '_all_json_base_s']} s |"
            )
        lines += [
            "",
            f"Where the time goes (one process): Python imports {ph['python_imports']} s, "
            f"load_library {ph['load_library']} s ({ph['companies_loaded']:,} companies), build_graph "
            f"{ph['build_graph']} s, gaps {ph['gaps']} s, targets {ph['targets']} s; the rest of a command "
            "is formatting its output.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
