"""Ledger import and scorecard speed on a synthetic year of activity (fictitious teams and firms).

    python benchmarks/bench_ledger.py [--projects 2000] [--visits 20000] [--db URL]

Writes one filled workbook (30 teams, 1 activity per 10 visits), imports it into a fresh ledger
(SQLite in a temp folder unless --db), imports it again (nothing changes), and computes a monthly
scorecard. Prints wall times and rows per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import load_workbook  # noqa: E402

from chainmap.api import load  # noqa: E402
from chainmap.ledger import import_files, month_period, open_ledger, read_ledger, scorecard  # noqa: E402
from chainmap.ledger.workbook import template_workbook  # noqa: E402


def workbook(lib, path: Path, n_projects: int, n_visits: int) -> None:
    rnd = random.Random(13)
    wb = load_workbook(io.BytesIO(template_workbook(lib)))
    teams = [f"示例队{i:02d}" for i in range(30)]
    for t in teams:
        wb["团队"].append([t, f"示例板块{int(t[-2:]) % 6}", "专业招商队伍"])
    day0 = dt.date(2023, 1, 1)
    n_acts = max(1, n_visits // 10)
    for i in range(n_acts):
        start = day0 + dt.timedelta(days=rnd.randrange(365))
        wb["活动"].append(
            [
                f"H{i:06d}",
                rnd.choice(["外出招商", "来访接待", "推介会"]),
                rnd.choice(teams),
                start,
                None,
                "上海市",
                None,
                None,
            ]
        )
    links = [(layout.chain.name, lib.nodes[link].name) for layout in lib.chains.values() for link in layout.links]
    for i in range(n_projects):
        first = day0 + dt.timedelta(days=rnd.randrange(200))
        signed = first + dt.timedelta(days=rnd.randrange(100)) if i % 2 else None
        chain, link = rnd.choice(links)
        wb["项目"].append(
            [
                f"P{i:06d}",
                f"示例项目{i}",
                f"示例企业{i}",
                None,
                chain,
                link,
                rnd.choice(teams),
                None,
                "签约" if signed else "在谈",
                round(rnd.uniform(0.5, 50), 2),
                None,
                "其他",
                first,
                signed,
                None,
                None,
                None,
            ]
        )
    for i in range(n_visits):
        act = i % n_acts
        wb["拜访"].append(
            [
                f"H{act:06d}",
                day0 + dt.timedelta(days=rnd.randrange(365)),
                f"示例企业{i}",
                None,
                f"P{i % n_projects:06d}" if i % 3 == 0 else None,
                None,
            ]
        )
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--visits", type=int, default=20000)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    lib = load(Path(__file__).resolve().parent.parent / "chains")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        workbook(lib, path, args.projects, args.visits)
        engine = open_ledger(args.db or f"sqlite:///{Path(tmp) / 'ledger.sqlite'}")
        rows = args.projects + args.visits + args.visits // 10 + 30
        for label in ("first import", "re-import (unchanged)"):
            t = time.perf_counter()
            summary = import_files(engine, lib, [path])
            s = time.perf_counter() - t
            assert not summary.problems, summary.problems[:3]
            print(f"{label:24s} {rows:7d} rows  {s:6.2f} s  {rows / s:8.0f} rows/s")
        t = time.perf_counter()
        card = scorecard(read_ledger(engine), *month_period("2023-06"))
        print(f"{'scorecard (read + month)':24s} {len(card):7d} teams {time.perf_counter() - t:6.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
