"""Maps of a library with a national import in its store: firms per page, and how fast each chain's
map paints in headless Chromium (no network).

    python benchmarks/bench_store_render.py /tmp/storeana-lib [--out /tmp/storeana-render] [--repeat 3]
        [--region suqian] [--before /path/to/older/tree] [--no-paint]

Renders the library (`chainmap render --all`, timed, with its peak memory) unless ``--out`` already
holds the pages, then for every chain page: the firm nodes in its data (at most about 5,000: the map
keeps the local firms and the first candidates per node, the lists carry them all), the page size,
the largest contentful paint of the 招商图谱 tab and the first frame of the 关系网络 tab after a click,
median of ``--repeat`` runs (bench_render.paint). The chain with the most imported firms is named.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_render import fmt_s, paint  # noqa: E402

FIRM = re.compile(rb'"kind": ?"company"')


def render(lib: Path, out: Path, region: str | None = None, tree: Path = ROOT) -> float:
    """``chainmap render --all`` of ``lib`` into ``out`` with the code of ``tree``: prints the wall time, the
    CPU time (user + system: what a busy machine inflates least), the peak memory and the load average."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [
        sys.executable,
        "-m",
        "chainmap",
        "--chains",
        str(lib.resolve()),
        "render",
        "--all",
        "-o",
        str(out.resolve()),
    ]
    cmd.append("--force")
    if region:
        cmd[6:6] = ["--region", region]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    # run in the tree: `python -m` puts the working folder first on the path, before PYTHONPATH
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tree)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed")
    wall = time.perf_counter() - t0
    print(
        f"render --all{f' --region {region}' if region else ''} ({tree}): {wall:.1f} s wall, "
        f"{usage.ru_utime + usage.ru_stime:.1f} s CPU, peak {usage.ru_maxrss / 1024:,.0f} MB, "
        f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return wall


def same_pages(a: Path, b: Path) -> bool:
    """Every file of the two sites byte-identical (prints those that differ)."""
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    differ = [
        n
        for n in names
        if not ((a / n).is_file() and (b / n).is_file() and (a / n).read_bytes() == (b / n).read_bytes())
    ]
    print(
        f"{len(names) - len(differ)} of {len(names)} files byte-identical"
        + (f"; differ: {', '.join(differ)}" if differ else "")
    )
    return not differ


def firms_per_chain(lib: Path) -> dict[str, int]:
    """Chain id -> imported firms placed on its nodes (from the store)."""
    import numpy as np

    from chainmap.load import load_library

    library = load_library(lib)
    store = library.store
    out = {}
    for cid in library.chains:
        nodes = {n for n, chains in library.chain_of_nodes().items() if cid in chains}
        codes = np.array([store.node_index[n] for n in nodes if n in store.node_index])
        out[cid] = int(len(np.unique(store.tie_row[np.isin(store.tie_node, codes)])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lib", type=Path)
    ap.add_argument("--out", type=Path, default=Path("/tmp/storeana-render"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--region", help="region profile of the render (default: the library's)")
    ap.add_argument("--before", type=Path, help="an older tree: render with it too and compare every file")
    ap.add_argument("--no-paint", action="store_true", help="time the render only, no browser")
    a = ap.parse_args()
    if a.before or not (a.out / "index.html").exists():
        render(a.lib, a.out, a.region)
    if a.before:
        ref = a.out.with_name(a.out.name + "-before")
        render(a.lib, ref, a.region, a.before)
        same_pages(ref, a.out)
    if a.no_paint:
        return
    counts = firms_per_chain(a.lib)
    biggest = max(counts, key=counts.__getitem__)
    print(f"most populated chain: {biggest} ({counts[biggest]:,} imported firms); load average {os.getloadavg()}")
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    print("| page | imported firms on the chain | firm nodes in the page | size | 招商图谱 LCP | 关系网络 1st frame |")
    print("|---|---:|---:|---:|---:|---:|")
    with sync_playwright() as pw:
        browser = launch(pw)
        for cid in sorted(counts, key=counts.__getitem__, reverse=True):
            page = a.out / f"{cid}.html"
            url = page.as_uri()
            lcp = statistics.median(paint(browser, url, False) for _ in range(a.repeat))
            net = statistics.median(paint(browser, url, True) for _ in range(a.repeat))
            firms = len(FIRM.findall(page.read_bytes()))
            print(
                f"| {cid} | {counts[cid]:,} | {firms:,} | {page.stat().st_size / 1e6:.1f} MB | "
                f"{fmt_s(lcp, 60)} | {fmt_s(net, 60)} |",
                flush=True,
            )
        browser.close()


if __name__ == "__main__":
    main()
