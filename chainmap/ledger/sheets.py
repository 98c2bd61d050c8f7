"""The workbook officers fill: its sheets, their exact headers, and how a cell's value is read.

Every sheet maps Chinese headers to the ledger's columns. Cell readers return ``(value, problem)``:
the problem is a Chinese sentence saying what is wrong and how to fix it, or ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..money import uscc_problem
from ..safe import FORMULA_STARTS
from ..safe import neutralise as _neutralise
from .schema import ACTIVITY_TYPES, LEAD_SOURCES, STAGES, TEAM_TYPES

__all__ = ["SHEETS", "Col", "Sheet", "neutralise", "read_amount", "read_code", "read_date", "read_text"]


@dataclass(frozen=True)
class Col:
    header: str
    field: str
    kind: str = "text"  # text, date, amount, choice, uscc, team, chain, link
    required: bool = False
    choices: tuple[str, ...] = ()
    width: int = 12


@dataclass(frozen=True)
class Sheet:
    name: str
    table: str
    cols: tuple[Col, ...]
    key: tuple[str, ...]  # fields that identify a row (upsert key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.cols]


SHEETS: dict[str, Sheet] = {
    s.name: s
    for s in (
        Sheet(
            "团队",
            "teams",
            (
                Col("团队", "name", required=True, width=20),
                Col("板块", "district", width=16),
                Col("类型", "type", "choice", choices=TEAM_TYPES, width=14),
            ),
            ("name",),
        ),
        Sheet(
            "活动",
            "activities",
            (
                Col("活动编号", "code", required=True),
                Col("类型", "type", "choice", required=True, choices=ACTIVITY_TYPES),
                Col("团队", "team", "team", required=True, width=20),
                Col("开始日期", "start_date", "date", required=True),
                Col("结束日期", "end_date", "date"),
                Col("城市", "city"),
                Col("带队领导", "leader"),
                Col("说明", "note", width=30),
            ),
            ("code",),
        ),
        Sheet(
            "拜访",
            "visits",
            (
                Col("活动编号", "activity", required=True),
                Col("日期", "date", "date", required=True),
                Col("企业名称", "company", required=True, width=28),
                Col("统一社会信用代码", "credit_code", "uscc", width=22),
                Col("项目编号", "project"),
                Col("说明", "note", width=30),
            ),
            ("activity", "date", "company"),
        ),
        Sheet(
            "项目",
            "projects",
            (
                Col("项目编号", "code", required=True),
                Col("项目名称", "name", required=True, width=28),
                Col("投资方", "investor", width=24),
                Col("统一社会信用代码", "credit_code", "uscc", width=22),
                Col("产业链", "chain", "chain", width=14),
                Col("环节", "link", "link", width=16),
                Col("团队", "team", "team", width=20),
                Col("落地板块", "district", width=14),
                Col("阶段", "stage", "choice", required=True, choices=STAGES, width=8),
                Col("计划总投资(亿元)", "planned", "amount", width=16),
                Col("累计到资(亿元)", "paid_in", "amount", width=15),
                Col("线索来源", "lead_source", "choice", choices=LEAD_SOURCES),
                Col("首次接触日期", "first_contact", "date", width=13),
                Col("签约日期", "signed", "date"),
                Col("开工日期", "started", "date"),
                Col("投产日期", "producing", "date"),
                Col("说明", "note", width=30),
            ),
            ("code",),
        ),
    )
}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?$")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading quote; other values pass
    (the project's one rule, :func:`chainmap.safe.neutralise`: ``= + - @``, tab, CR, LF and their
    full-width forms).

    >>> neutralise("=1+1"), neutralise("示例企业A"), neutralise(3.5), neutralise("＝1+1")
    ("'=1+1", '示例企业A', 3.5, "'＝1+1")
    """
    return _neutralise(value)


def read_text(value: object) -> str | None:
    """A cell as trimmed text (``None`` when empty); whole numbers lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):  # our guard against formulas
        text = text[1:]
    return text or None


def read_date(value: object) -> tuple[dt.date | None, str | None]:
    """An Excel date cell or 2023-02-08, 2023/2/8, 2023年2月8日.

    >>> read_date("2023年2月8日")[0], read_date("2023/2/8")[0] == read_date("2023-02-08")[0]
    (datetime.date(2023, 2, 8), True)
    >>> read_date("2月8日")[1]
    '“2月8日”不是日期：请写作 2023-02-08、2023/2/8 或 2023年2月8日（或用 Excel 日期格式）'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    m = _DATE.match(str(value).strip())
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError:
            pass
    return None, f"“{read_text(value)}”不是日期：请写作 2023-02-08、2023/2/8 或 2023年2月8日（或用 Excel 日期格式）"


def read_amount(value: object) -> tuple[float | None, str | None]:
    """An amount in 亿元: a number cell, or text such as ``12.5``, ``1,200`` or ``3亿元``; never negative."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").removesuffix("亿元").removesuffix("亿")
        try:
            number = float(text)
        except ValueError:
            return None, f"“{read_text(value)}”不是金额：请只填数字，单位为亿元（如 12.5）"
    if number != number or number in (float("inf"), float("-inf")):
        return None, f"“{read_text(value)}”不是金额：请只填数字，单位为亿元（如 12.5）"
    if number < 0:
        return None, f"金额不能为负数（{read_text(value)}）：请填 0 或正数，单位为亿元"
    return number, None


def read_code(value: object) -> tuple[str | None, str | None]:
    """A 统一社会信用代码, upper-cased and checked (GB 32100-2015 check character)."""
    text = read_text(value)
    if text is None:
        return None, None
    code = text.upper().replace(" ", "")
    why = uscc_problem(code)
    if why is None:
        return code, None
    if "18 characters" in why:
        detail = f"应为18位，这里是{len(code)}位"
    elif "cannot appear" in why:
        detail = "含有不会出现的字符（I、O、S、V、Z 不用）"
    else:
        detail = "校验位不符，可能抄错了"
    return None, f"统一社会信用代码“{text}”有误：{detail}；请按营业执照核对，不清楚可留空"
