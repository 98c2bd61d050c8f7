"""geo.html first paint in headless Chromium, plus the Python side of the geographic work.

* page: geo.html of the bundled library for its default region (all chains), written by the real
  pipeline; opened ``--repeat`` times from disk in a fresh page at 1366x768 with every non-file
  request aborted. Reported: the browser's first-contentful-paint and the page's own "drawn" mark
  (``window.cmFirstDraw``: after every layer is built and laid out, in the first animation frame),
  medians, and the page size.
* python: seconds to analyse + write geo.html/geo.svg, to plan the trips, and to resolve place names
  (``chainmap.places.resolve``) for a million rows with the repetition of a real export (memoised).

    python benchmarks/bench_geo.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chainmap  # noqa: E402
from chainmap.analysis.trips import plan_trips  # noqa: E402
from chainmap.places import divisions, resolve  # noqa: E402
from chainmap.present.geo import write_geo  # noqa: E402


def page_times(path: Path, repeat: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    fcp, drawn = [], []
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.goto(path.as_uri())
            page.wait_for_function("window.cmFirstDraw > 0", timeout=60_000)
            drawn.append(page.evaluate("window.cmFirstDraw"))
            fcp.append(
                page.evaluate(
                    "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"
                )
            )
            page.close()
        browser.close()
    return fcp, drawn


def resolve_rate(rows: int) -> float:
    table = [d for d in divisions().values() if d.level != "province"]
    rng = random.Random(0)
    picks = [rng.choice(table) for _ in range(rows)]
    texts = [(divisions()[d.code[:2] + "0000"].name, d.name) for d in picks]
    resolve.cache_clear()
    t = time.perf_counter()
    for prov, name in texts:
        resolve(prov, name)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    print(
        f"# bench_geo {dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )
    lib = chainmap.load()
    an = chainmap.analyse(lib)
    t = time.perf_counter()
    trips = plan_trips(an.routes, an.region)
    t_trips = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        html, svg = write_geo(Path(tmp), an.graph, an.region)
        t_write = time.perf_counter() - t
        print(f"library: {len(an.routes)} route cities, {len(an.all_targets)} targets, {len(trips)} trips")
        print(f"python: plan trips {t_trips:.2f} s; analyse + write geo.html and geo.svg {t_write:.2f} s")
        print(f"sizes: geo.html {html.stat().st_size / 1e6:.2f} MB, geo.svg {svg.stat().st_size / 1e6:.2f} MB")
        fcp, drawn = page_times(html, a.repeat)
    print(
        f"browser (1366x768, median of {a.repeat}): first contentful paint {statistics.median(fcp):.0f} ms, "
        f"all layers drawn {statistics.median(drawn):.0f} ms (runs: {', '.join(f'{x:.0f}' for x in drawn)})"
    )
    secs = resolve_rate(a.rows)
    print(f"places: resolve {a.rows:,} (province, city) rows in {secs:.2f} s ({a.rows / secs:,.0f} rows/s, memoised)")


if __name__ == "__main__":
    main()
