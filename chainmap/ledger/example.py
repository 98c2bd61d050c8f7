"""A small example ledger (示例数据) for ``chainmap demo``: fictitious teams, activities, visits and projects.

No real firm appears as visited or as an investor: every firm is 示例企业A, 示例企业B, ...; every sheet
and page written from it carries :data:`~chainmap.ledger.xlsx.SAMPLE_MARK`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import Engine

from ..load import Library
from ..model import Region
from .data import read_ledger
from .db import open_ledger
from .report import card_html, card_xlsx
from .scorecard import month_period, scorecard
from .store import import_files
from .workbook import _build
from .xlsx import SAMPLE_MARK

__all__ = ["EXAMPLE_MONTH", "example_ledger", "example_rows", "write_example"]

EXAMPLE_MONTH = "2024-03"
_D = dt.date


def _links(lib: Library | None, n: int) -> list[tuple[str | None, str | None]]:
    """(chain name, link name) of the first links of the library's chains, round robin."""
    if lib is None or not lib.chains:
        return [(None, None)] * n
    per_chain = [
        [(layout.chain.name, lib.nodes[link].name) for link in layout.links[:3]]
        for _, layout in sorted(lib.chains.items())
    ]
    flat = [pair for group in zip(*per_chain, strict=False) for pair in group]
    return [flat[i % len(flat)] for i in range(n)]


# id, name, firm, team (index), area, stage, investment and paid-in (亿元), how it came, first contact,
# signed, started, note; the links come from the library
# fmt: off
_PROJECTS = [
    ("SL-XM001", "示例项目一", "示例企业A", 0, "示例甲区", "开工", 12.0, 4.5, "链式招商",
     _D(2023, 9, 1), _D(2023, 12, 18), _D(2024, 3, 15), "示例数据"),
    ("SL-XM002", "示例项目二", "示例企业B", 0, "示例甲区", "签约", 6.5, 0.0, "外出拜访",
     _D(2024, 2, 20), _D(2024, 3, 8), None, "示例数据"),
    ("SL-XM003", "示例项目三", "示例企业C", 1, "示例甲区", "在谈", 3.0, None, "以商引商",
     _D(2024, 3, 12), None, None, "示例数据"),
    ("SL-XM004", "示例项目四", "示例企业D", 2, "示例乙园区", "签约", 2.2, 0.3, "展会推介",
     _D(2023, 5, 10), _D(2023, 6, 30), None, "示例数据：签约后久未开工（逾期示例）"),
    ("SL-XM005", "示例项目五", "示例企业E", 2, "示例乙园区", "线索", None, None, "平台线索",
     _D(2024, 3, 27), None, None, "示例数据"),
]
# fmt: on


def example_rows(lib: Library | None) -> dict[str, list[list]]:
    """The example's rows in the workbook's columns (see :data:`chainmap.ledger.sheets.SHEETS`)."""
    teams = [
        ["示例专业招商一队", "示例甲区", "专业招商队伍"],
        ["示例专业招商二队", "示例甲区", "专业招商队伍"],
        ["示例园区招商小分队", "示例乙园区", "招商小分队"],
    ]
    t1, t2, t3 = (t[0] for t in teams)
    acts = [
        ["SL-HD001", "外出招商", t1, _D(2024, 2, 19), _D(2024, 2, 21), "上海市", "示例领导甲", "示例数据"],
        ["SL-HD002", "外出招商", t1, _D(2024, 3, 5), _D(2024, 3, 7), "苏州市", "示例领导甲", "示例数据"],
        ["SL-HD003", "来访接待", t2, _D(2024, 3, 12), _D(2024, 3, 12), None, "示例领导乙", "示例数据"],
        ["SL-HD004", "推介会", t3, _D(2024, 3, 20), _D(2024, 3, 20), "南京市", "示例领导丙", "示例数据"],
        ["SL-HD005", "外出招商", t3, _D(2024, 3, 26), _D(2024, 3, 28), "杭州市", "示例领导丙", "示例数据"],
    ]
    links = _links(lib, 5)
    projects = [
        [
            pid,
            name,
            firm,
            None,
            *links[i],
            teams[team][0],
            area,
            stage,
            invest,
            paid,
            way,
            met,
            signed,
            began,
            None,
            note,
        ]
        for i, (pid, name, firm, team, area, stage, invest, paid, way, met, signed, began, note) in enumerate(_PROJECTS)
    ]
    visits = [
        ["SL-HD001", _D(2024, 2, 20), "示例企业B", None, "SL-XM002", "示例数据"],
        ["SL-HD002", _D(2024, 3, 5), "示例企业B", None, "SL-XM002", "示例数据"],
        ["SL-HD002", _D(2024, 3, 6), "示例企业F", None, None, "示例数据"],
        ["SL-HD003", _D(2024, 3, 12), "示例企业C", None, "SL-XM003", "示例数据"],
        ["SL-HD005", _D(2024, 3, 27), "示例企业E", None, "SL-XM005", "示例数据"],
        ["SL-HD005", _D(2024, 3, 27), "示例企业G", None, None, "示例数据"],
    ]
    return {"团队": teams, "活动": acts, "拜访": visits, "项目": projects}


def example_workbook(lib: Library | None) -> bytes:
    """The example as a filled workbook, every sheet marked 示例数据."""
    return _build(lib, example_rows(lib), SAMPLE_MARK, None)


def example_ledger(lib: Library | None, url: str = "sqlite://") -> Engine:
    """A ledger (in memory by default) holding the example, imported through the ordinary import."""
    engine = open_ledger(url)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "示例台账.xlsx"
        path.write_bytes(example_workbook(lib))
        summary = import_files(engine, lib, [path], strict=True)
    if summary.problems:  # the example must stay valid against the library it is drawn from
        raise AssertionError(f"the example ledger has problems: {summary.problems}")
    return engine


def write_example(lib: Library | None, region: Region | None) -> dict[str, bytes]:
    """File name -> bytes of the example scorecard (HTML, XLSX) and the example ledger workbook.

    The caller writes them (``chainmap demo`` writes them next to the maps).
    """
    engine = example_ledger(lib)
    start, end = month_period(EXAMPLE_MONTH)
    weights = region.scorecard.weights.model_dump() if region is not None else None
    card = scorecard(read_ledger(engine), start, end, weights=weights)
    name = region.name if region is not None else "示例地区"
    engine.dispose()
    return {
        "示例成绩单.html": card_html(card, start, end, by="team", region=name, sample=SAMPLE_MARK).encode("utf-8"),
        "示例成绩单.xlsx": card_xlsx(card, start, end, by="team", region=name, sample=SAMPLE_MARK),
        "示例台账.xlsx": example_workbook(lib),
    }
