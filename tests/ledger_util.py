"""Helpers of the ledger tests: fill the template as an officer would, open throwaway ledgers."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from chainmap.ledger.workbook import template_workbook
from chainmap.load import Library
from chainmap.money import uscc_problem

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(body: str) -> str:
    """A well-formed code for a fictitious firm: the 17 characters given plus the check character."""
    return next(body + ch for ch in ALPHABET if uscc_problem(body + ch) is None)


TEAMS = [["一队", "海州区", "专业招商队伍"], ["二队", "赣榆区", "招商小分队"]]
ACTS = [["HD1", "外出招商", "一队", "2023-02-08", "2023-02-10", "上海市", "甲", None]]
PROJECTS = [
    [
        "XM1",
        "示例项目一",
        "示例企业A",
        None,
        "阿尔法链",
        "甲原料",
        "一队",
        "海州区",
        "在谈",
        10,
        0,
        "以商引商",
        "2023-01-05",
        None,
        None,
        None,
        None,
    ],
]
VISITS = [["HD1", "2023-02-09", "示例企业A", None, "XM1", None]]


def fill(lib: Library | None, path: Path, **rows: list[list]) -> Path:
    """The template with rows typed under the headers (sheet name -> rows), saved as ``path``."""
    wb = load_workbook(io.BytesIO(template_workbook(lib)))
    for sheet, values in rows.items():
        for row in values:
            wb[sheet].append(row)
    wb.save(path)
    return path


def base_rows(**over: list[list]) -> dict[str, list[list]]:
    rows = {"团队": TEAMS, "活动": ACTS, "项目": PROJECTS, "拜访": VISITS}
    return {k: [list(r) for r in v] for k, v in (rows | over).items()}


# A hand-made ledger whose March 2023 scorecard is worked out by hand in test_ledger_scorecard.py.
KNOWN = {
    "团队": [["甲队", "海州区", "专业招商队伍"], ["乙队", "海州区", "专业招商队伍"], ["丙队", "赣榆区", "招商小分队"]],
    "活动": [
        ["H1", "外出招商", "甲队", "2023-03-02", "2023-03-04", "上海市", None, None],
        ["H2", "外出招商", "甲队", "2023-02-27", "2023-03-01", "苏州市", None, None],
        ["H3", "来访接待", "乙队", "2023-03-15", None, None, None, None],
        ["H4", "外出招商", "丙队", "2023-01-10", None, "深圳市", None, None],
        ["H5", "推介会", "乙队", "2023-03-20", None, "南京市", None, None],
    ],
    "拜访": [
        ["H1", "2023-03-02", "示例企业A", None, "P1", None],
        ["H1", "2023-03-03", "示例企业B", None, "P1", None],
        ["H1", "2023-03-03", "示例企业C", None, None, None],
        ["H2", "2023-03-01", "示例企业D", None, "P2", None],
        ["H2", "2023-02-28", "示例企业E", None, None, None],
        ["H3", "2023-03-15", "示例企业F", None, "P3", None],
        ["H4", "2023-01-11", "示例企业G", None, "P4", None],
    ],
    "项目": [
        [
            "P1",
            "示例项目1",
            "示例企业A",
            None,
            "阿尔法链",
            "甲原料",
            "甲队",
            "海州区",
            "签约",
            10,
            1,
            "链式招商",
            "2023-01-01",
            "2023-03-10",
            None,
            None,
            None,
        ],
        [
            "P2",
            "示例项目2",
            "示例企业D",
            None,
            "贝塔链",
            "贝原料",
            "乙队",
            "海州区",
            "在谈",
            None,
            None,
            "外出拜访",
            "2023-03-05",
            None,
            None,
            None,
            None,
        ],
        [
            "P3",
            "示例项目3",
            "示例企业F",
            None,
            "阿尔法链",
            "乙中间体",
            "乙队",
            "海州区",
            "开工",
            5,
            2,
            "以商引商",
            "2023-02-01",
            "2023-02-10",
            "2023-03-20",
            None,
            None,
        ],
        [
            "P4",
            "示例项目4",
            "示例企业G",
            None,
            "阿尔法链",
            "甲原料",
            "丙队",
            "赣榆区",
            "投产",
            2.5,
            2.5,
            "基金招商",
            "2022-12-01",
            "2022-12-20",
            "2023-01-05",
            "2023-03-31",
            None,
        ],
        [
            "P5",
            "示例项目5",
            "示例企业H",
            None,
            None,
            None,
            "甲队",
            "海州区",
            "签约",
            7,
            None,
            "其他",
            "2023-03-31",
            "2023-04-01",
            None,
            None,
            None,
        ],
    ],
}
