"""Time to first drawn frame of chainmap's HTML map vs a plain pyvis page, in headless Chromium.

For each size a synthetic one-chain library (40 links in 8 levels, key links with technologies and
components, N made-up firms; see tests/synth.py) goes through the real pipeline (YAML -> load ->
graph -> gaps). Three pages are built from the same graph:

* chainmap: ``render_map`` with its defaults (12 firms per link, the rest behind "+N" nodes that
  expand; all N firms are in the browser's data set),
* chainmap, all firms shown: ``firm_cap=None`` (every firm node drawn),
* pyvis defaults: ``Network(directed=True, cdn_resources="in_line")`` + ``from_nx`` + ``generate_html``
  (physics on, as pyvis ships it). Its Bootstrap CDN links are aborted so they cannot stall it.

Each page is opened from disk in a fresh browser context with every non-file request aborted. The
time is ``performance.now()`` (from navigation start) at vis-network's first ``afterDrawing`` event,
hooked by an init script that wraps ``vis.Network`` the same way for every page. pyvis waits are
capped (``--cap``, default 120 s); chainmap pages are opened ``--repeat`` times (median reported). For
chainmap pages it also reports the cost of one redraw (the price of every pan, zoom or click) and of
a click on a link (select + highlight + side panel, until the next frame is drawn).

    python benchmarks/bench_render.py                 # 1,000 / 5,000 / 10,000 firms
    python benchmarks/bench_render.py --sizes 1000 --cap 60 --skip-pyvis
    python benchmarks/bench_render.py --site --sizes 5000   # the pages render writes: paint times only

``--site``: the pages ``chainmap render`` writes for the same synthetic library (the 招商图谱 chain page,
the panorama matrix, the index) are opened at 1366x768 and timed from navigation start to the largest
contentful paint (LCP); the chain page's network tab from the click on it to its first canvas frame.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chainmap  # noqa: E402
from chainmap.analysis.gaps import gaps  # noqa: E402
from chainmap.present.files import write_atomic  # noqa: E402
from chainmap.present.html import render_map  # noqa: E402
from tests.browser import launch, offline  # noqa: E402
from tests.synth import write_library  # noqa: E402

VIEWPORT = {"width": 1400, "height": 850}

# wraps vis.Network as vis-network's UMD bundle assigns it, so every page is timed the same way
HOOK = """
(() => {
  let visObj;
  const wrap = (N) => {
    function Timed(...args) {
      const net = new N(...args);
      net.once("afterDrawing", () => { if (!window.__firstFrame) window.__firstFrame = performance.now(); });
      window.__net = net;
      return net;
    }
    Timed.prototype = N.prototype;
    return Timed;
  };
  Object.defineProperty(window, "vis", { configurable: true, get() { return visObj; }, set(v) {
    visObj = v;
    if (v && typeof v === "object") {
      let timed;
      Object.defineProperty(v, "Network", { configurable: true, enumerable: true,
        get() { return timed; }, set(N) { timed = wrap(N); } });
    }
  } });
})();
"""


def build_pages(n: int, workdir: Path) -> dict:
    lib_root = write_library(workdir / f"lib{n}", firms=n)
    lib = chainmap.load(lib_root)
    region = lib.regions["bench"]
    g = chainmap.build_graph(lib, None, region)
    gdf = gaps(g, region)
    out: dict = {"firms": n, "graph_nodes": g.number_of_nodes(), "graph_edges": g.number_of_edges(), "pages": {}}

    t = time.perf_counter()
    html = render_map(g, gdf, title=f"合成链 {n} 家企业")
    out["pages"]["chainmap"] = (write_atomic(workdir / f"chainmap_{n}.html", html), time.perf_counter() - t)
    t = time.perf_counter()
    html = render_map(g, gdf, title=f"合成链 {n} 家企业（全部显示）", firm_cap=None)
    out["pages"]["chainmap_all"] = (write_atomic(workdir / f"chainmap_all_{n}.html", html), time.perf_counter() - t)

    from pyvis.network import Network

    t = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    net.from_nx(copy.deepcopy(g))  # from_nx mutates the graph it is given
    html = net.generate_html()
    out["pages"]["pyvis"] = (write_atomic(workdir / f"pyvis_{n}.html", html), time.perf_counter() - t)
    return out


def first_frame(browser, path: Path, cap_s: float, chainmap_page: bool) -> dict:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(HOOK)
    blocked: list[str] = []
    offline(ctx, blocked)
    page = ctx.new_page()
    res: dict = {"blocked": len(blocked)}
    try:
        page.goto(path.as_uri(), wait_until="commit", timeout=cap_s * 1000)
        page.wait_for_function("window.__firstFrame > 0", timeout=cap_s * 1000, polling=100)
        res["first_frame_s"] = page.evaluate("window.__firstFrame") / 1000
        res["nodes"] = page.evaluate("window.__net.body.data.nodes.length")
        res["visible"] = page.evaluate("window.__net.body.nodeIndices.length")
        if chainmap_page:
            res["redraw_ms"] = statistics.median(
                page.evaluate("""() => {
                const out = [];
                for (let i = 0; i < 7; i++) { const t = performance.now(); network.redraw(); out.push(performance.now() - t); }
                return out; }""")
            )
            res["click_ms"] = page.evaluate("""() => new Promise(done => {
                const link = Object.keys(chainmap.data.blocks)[5];
                const t = performance.now();
                network.once("afterDrawing", () => done(performance.now() - t));
                chainmap.select(link); network.redraw(); })""")
    except Exception as exc:  # playwright's TimeoutError: report "> cap"
        if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
            raise
        res["first_frame_s"] = None
    finally:
        res["blocked"] = len(blocked)
        ctx.close()
    return res


LCP_HOOK = """
window.__lcp = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__lcp = Math.max(window.__lcp, e.startTime); });
}).observe({type: "largest-contentful-paint", buffered: true});
"""


def paint(browser, url: str, network: bool) -> float:
    """Seconds from navigation start to the LCP (or the network tab's first canvas frame)."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.add_init_script(HOOK if network else LCP_HOOK)
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = ctx.new_page()
    page.goto(url, wait_until="load", timeout=60_000)
    if network:  # the network tab: from the click on it (page loaded) to its first canvas frame
        page.wait_for_timeout(300)
        t0 = page.evaluate("performance.now()")
        page.click("#tab-net")
        page.wait_for_function("window.__firstFrame > 0", timeout=60_000, polling=50)
        value = page.evaluate("window.__firstFrame") - t0
    else:
        page.wait_for_timeout(800)  # LCP entries settle after load; the page draws nothing later
        value = page.evaluate("window.__lcp")
    ctx.close()
    return value / 1000


def bench_site(browser, sizes: list[int], work: Path, repeat: int) -> None:
    from chainmap.present.site import write_site

    for n in sizes:
        lib = chainmap.load(write_library(work / f"site_lib{n}", firms=n))
        t = time.perf_counter()
        paths = write_site(lib, None, lib.regions["bench"], work / f"site{n}", force=True)
        build = time.perf_counter() - t
        for path in paths:
            for network in (False, True) if path.stem == "synth" else (False,):
                url = path.as_uri()
                runs = sorted(paint(browser, url, network) for _ in range(repeat))
                what = "click 关系网络 -> 1st frame" if network else "LCP"
                print(
                    f"{n:>6} firms  {path.name:<15} {what:<25} {fmt_s(runs[len(runs) // 2], 60):>8}  "
                    f"(min {fmt_s(runs[0], 60)}, max {fmt_s(runs[-1], 60)})  {path.stat().st_size / 1e6:5.1f} MB",
                    flush=True,
                )
        print(f"{n:>6} firms  build of all pages {build:.1f} s")


def fmt_s(v: float | None, cap: float) -> str:
    return f"> {cap:.0f} s" if v is None else (f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--cap", type=float, default=120.0, help="seconds to wait for a pyvis page (default 120)")
    ap.add_argument("--skip-pyvis", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="runs per chainmap page; the median is reported")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated pages in this folder")
    ap.add_argument("--site", action="store_true", help="time the pages render writes (LCP) instead")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    work = args.keep or Path(tempfile.mkdtemp(prefix="chainmap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        version = browser.version
        if args.site:
            bench_site(browser, args.sizes, work, args.repeat)
            print(
                f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
                f"Chromium {version} headless; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
            )
            browser.close()
            return
        for n in args.sizes:
            built = build_pages(n, work)
            row = {k: v for k, v in built.items() if k != "pages"}
            for name, (path, build_s) in built["pages"].items():
                if name == "pyvis" and args.skip_pyvis:
                    continue
                cap = args.cap if name == "pyvis" else 60.0
                # chainmap pages: the run with the median first frame of --repeat (pyvis: one run)
                runs = [
                    first_frame(browser, path, cap, name != "pyvis")
                    for _ in range(1 if name == "pyvis" else args.repeat)
                ]
                runs.sort(key=lambda r: r["first_frame_s"] if r["first_frame_s"] is not None else float("inf"))
                res = runs[len(runs) // 2]
                res["build_s"] = build_s
                res["size_mb"] = path.stat().st_size / 1e6
                row[name] = res
                print(
                    f"{n:>6} firms  {name:<13} first frame {fmt_s(res['first_frame_s'], cap):>9}  "
                    f"build {build_s:5.2f} s  {res['size_mb']:5.1f} MB  nodes {res.get('nodes', '?')} "
                    f"(drawn {res.get('visible', '?')})"
                    + (
                        f"  redraw {res['redraw_ms']:.0f} ms  click {res['click_ms']:.0f} ms"
                        if "redraw_ms" in res
                        else ""
                    )
                    + (f"  [{res['blocked']} CDN requests aborted]" if res["blocked"] else ""),
                    flush=True,
                )
            rows.append(row)
        browser.close()

    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Chromium {version} headless; Python {platform.python_version()}; {dt.date.today().isoformat()}"
    )
    print()
    print(
        '| firm nodes | graph nodes / edges | chainmap (12 per link + "+N") | chainmap (all firms drawn) '
        "| pyvis defaults | pyvis / chainmap | pyvis / chainmap all drawn |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        cm, cma, pv = r.get("chainmap", {}), r.get("chainmap_all", {}), r.get("pyvis")

        def ratio(base: dict, pv: dict | None = pv) -> str:
            if pv is None or not base.get("first_frame_s"):
                return "-"
            if pv["first_frame_s"] is None:
                return f"> {args.cap / base['first_frame_s']:.0f}x"
            return f"{pv['first_frame_s'] / base['first_frame_s']:.0f}x"

        pv_txt = "not run" if pv is None else fmt_s(pv["first_frame_s"], args.cap)
        print(
            f"| {r['firms']:,} | {r['graph_nodes']:,} / {r['graph_edges']:,} "
            f"| {fmt_s(cm['first_frame_s'], 60)} | {fmt_s(cma['first_frame_s'], 60)} | {pv_txt} "
            f"| {ratio(cm)} | {ratio(cma)} |"
        )
    if not args.keep:
        print(f"\n(pages in {work})")


if __name__ == "__main__":
    main()
