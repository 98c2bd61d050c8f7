"""A newer export of the same firms, made from an export ``gen_export.py`` wrote, with its changes known
by construction (seeded): what an officer downloads a month later, for the monthly refresh.

    python benchmarks/gen_newer.py /tmp/dense_1m.csv -o /tmp/newer_1m.csv [--date 2024-07-01]

Each row of the older export, in order, is (one draw per row):
- dropped (``--drop``, 2%: the firm left the query);
- given twice its registered capital (``--capital``, 4%; a capital text the draw cannot double stays);
- 注销 (``--closed``, 1%);
- moved to another city (``--moved``, 1%: province, city and district of another place);
- or left as it was.
A further share of firms is new (``--new``, 2%): a kept row's texts under another made-up name and a new
valid credit code, appended at the end. The title's export date becomes ``--date``. The counts of each
change are printed as JSON (a test or benchmark compares them with what the import records).

How it differs from a real refresh: every change is one field of one firm, drawn independently; a real
month also brings renamed firms, corrected codes and changed scopes, and moves in clusters (a park's
firms re-registered together).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_export import BRANDS, PLACES, uscc  # noqa: E402

_CAPITAL = re.compile(r"^(\d+(?:\.\d+)?)(万|亿)(.*)$")


def newer(src: Path, dst: Path, date: str, seed: int, shares: dict[str, float]) -> dict[str, int]:
    """Write ``dst`` from ``src``; the number of rows of each change."""
    rng = random.Random(seed)
    counts = dict.fromkeys(("dropped", "capital_up", "closed", "moved", "new", "unchanged"), 0)
    edges = []
    total = 0.0
    for k in ("drop", "capital", "closed", "moved"):
        total += shares[k]
        edges.append((total, k))
    with src.open(encoding="utf-8-sig", newline="") as fi, dst.open("w", encoding="utf-8-sig", newline="") as fo:
        r, w = csv.reader(fi), csv.writer(fo)
        title = next(r)
        title[0] = re.sub(r"导出时间：[\d-]+", f"导出时间：{date}", title[0])
        w.writerow(title)
        head = next(r)
        w.writerow(head)
        ix = {h: i for i, h in enumerate(head)}
        extra = []
        for row in r:
            kind = _draw(rng, edges)
            if kind == "drop":
                counts["dropped"] += 1
                continue
            counts[_change(row, ix, kind, rng)] += 1
            w.writerow(row)
            if rng.random() < shares["new"]:
                extra.append(_new_firm(row, ix, rng))
                counts["new"] += 1
        w.writerows(extra)
    return counts


def _draw(rng: random.Random, edges: list[tuple[float, str]]) -> str | None:
    x = rng.random()
    return next((k for edge, k in edges if x < edge), None)


def _change(row: list[str], ix: dict[str, int], kind: str | None, rng: random.Random) -> str:
    """Apply one change to a kept row; its name in the counts."""
    if kind == "capital" and (m := _CAPITAL.match(row[ix["注册资本"]])):
        row[ix["注册资本"]] = f"{float(m.group(1)) * 2:g}{m.group(2)}{m.group(3)}"
        return "capital_up"
    if kind == "closed" and row[ix["登记状态"]] != "注销":
        row[ix["登记状态"]] = "注销"
        return "closed"
    if kind == "moved":
        here = row[ix["所属城市"]]
        province, city, districts, _area = rng.choice([p for p in PLACES if p[1] != here])
        row[ix["所属省份"]], row[ix["所属城市"]], row[ix["所属区县"]] = province, city, rng.choice(districts)
        return "moved"
    return "unchanged"


def _new_firm(row: list[str], ix: dict[str, int], rng: random.Random) -> list[str]:
    """Another made-up firm with a kept row's texts: two more brand characters in front of its name, a
    new valid credit code of its place."""
    n = list(row)
    n[ix["企业名称"]] = rng.choice(BRANDS) + rng.choice(BRANDS) + row[ix["企业名称"]]
    area = next((p[3] for p in PLACES if p[1] == row[ix["所属城市"]]), PLACES[0][3])
    n[ix["统一社会信用代码"]] = uscc(rng, area)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export", type=Path, help="an export gen_export.py wrote")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--date", default="2024-07-01", help="the newer export's date (its title row)")
    ap.add_argument("--seed", type=int, default=7)
    for name, share in (("drop", 0.02), ("capital", 0.04), ("closed", 0.01), ("moved", 0.01), ("new", 0.02)):
        ap.add_argument(f"--{name}", type=float, default=share)
    a = ap.parse_args()
    shares = {k: getattr(a, k) for k in ("drop", "capital", "closed", "moved", "new")}
    print(json.dumps(newer(a.export, a.output, a.date, a.seed, shares), ensure_ascii=False))


if __name__ == "__main__":
    main()
