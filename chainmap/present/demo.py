"""The main job on a whole library, as ``chainmap demo`` runs it: maps, lists and a short summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..api import Analysis, analyse, render
from ..files import write_atomic
from ..load import Library
from . import exports
from .terminal import table_text

__all__ = ["DemoReport", "demo_text", "run_demo"]

LISTS = (("gaps", "缺链清单"), ("targets", "目标企业清单"), ("routes", "招商线路"))


@dataclass
class DemoReport:
    """What :func:`run_demo` wrote, and the analysis it wrote it from."""

    analysis: Analysis
    pages: list[Path]
    lists: list[Path]
    outdir: Path


def run_demo(lib: Library, region_id: str | None, outdir: Path) -> DemoReport:
    """Analyse every chain for the region; write the HTML maps, one workbook and a CSV per list."""
    a = analyse(lib, None, region_id)
    pages = render(lib, None, a.region.id, outdir)
    tables = {"completeness": a.completeness, "gaps": a.gaps, "targets": a.targets, "routes": a.routes}
    written = [write_atomic(outdir / "招商清单.xlsx", exports.to_xlsx(tables))]
    for kind, name in LISTS:
        written.append(write_atomic(outdir / f"{name}.csv", exports.to_csv(tables[kind], kind)))
    return DemoReport(a, pages, written, outdir)


def demo_text(r: DemoReport) -> str:
    """The terminal summary: completeness, the top gaps, targets and cities, and where the files are."""
    a = r.analysis
    open_gaps = a.gaps[a.gaps["gap_type"].notna()]
    gap_cols = ["priority", "gap_type", "name", "kind", "chain", "candidates", "reason"]
    parts = [
        exports.to_table(a.completeness, "completeness", title=f"{a.region.name} 产业链完整度"),
        table_text(
            exports.for_people(open_gaps.head(15), "gaps", gap_cols, 8), title=f"优先缺口（前15，共{len(open_gaps)}个）"
        ),
        table_text(
            exports.for_people(a.targets.head(10), "targets", ["rank", "name", "city", "score", "why"]),
            title=f"目标企业（前10，共{len(a.targets)}家）",
        ),
        table_text(
            exports.for_people(a.routes.head(8), "routes", ["rank", "city", "score", "firm_count", "firm_names"], 8),
            title=f"招商线路（前8，共{len(a.routes)}个城市）",
        ),
        f"\n地图 maps: {r.outdir / 'index.html'}（{len(r.pages)} pages）\n",
        "清单 lists: " + "、".join(str(p) for p in r.lists) + "\n",
    ]
    return "".join(parts)
