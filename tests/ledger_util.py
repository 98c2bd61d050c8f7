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
