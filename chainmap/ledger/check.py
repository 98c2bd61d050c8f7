"""Check one row of the workbook: every problem with the cell it is in, or a clean record to store."""

from __future__ import annotations

from dataclasses import dataclass, field

from .read import Unsaved
from .resolve import Resolver
from .sheets import Col, Sheet, read_amount, read_code, read_date, read_text

__all__ = ["Known", "check_row"]

_STAGE_DATES = (("签约", "signed", "签约日期"), ("开工", "started", "开工日期"), ("投产", "producing", "投产日期"))
_ORDER = ("线索", "在谈", "签约", "开工", "投产")


@dataclass
class Known:
    """What rows may refer to: teams, activities and projects already in the ledger or in the file."""

    resolver: Resolver
    teams: set[str] = field(default_factory=set)
    activities: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)


Problems = list[tuple[str, str]]  # (field, message)


def _unsaved(col: Col, raw: Unsaved) -> str:
    shown = raw.formula if len(raw.formula) <= 30 else raw.formula[:27] + "…"
    return (
        f"“{col.header}”是公式 {shown}，文件中没有保存它的计算结果（WPS 或其他程序生成的文件常见）："
        "请在 Excel 中打开、确认已计算后保存再导入，或直接填写数值"
    )


def _cell(col: Col, raw: object, known: Known, out: dict, problems: Problems) -> None:
    if isinstance(raw, Unsaved):
        problems.append((col.field, _unsaved(col, raw)))
        return
    if col.kind == "date":
        value, why = read_date(raw)
    elif col.kind == "amount":
        value, why = read_amount(raw)
    elif col.kind == "uscc":
        value, why = read_code(raw)
    else:
        value, why = read_text(raw), None
    if why is None and value is None and col.required:
        why = f"“{col.header}”不能为空：请填写"
    if why is None and value is not None:
        why = _check_value(col, value, known)
    if why:
        problems.append((col.field, why))
    else:
        out[col.field] = value


def _check_value(col: Col, value: object, known: Known) -> str | None:
    if col.kind == "choice" and value not in col.choices:
        return f"“{value}”不是可选的{col.header}：请填 {' / '.join(col.choices)} 之一"
    if col.kind == "team" and value not in known.teams:
        return f"没有团队“{value}”：请先在“团队”表登记该团队，或改成已登记的团队名称"
    return None


def _links(out: dict, raw: dict, known: Known, problems: Problems) -> None:
    chain_text, link_text = read_text(raw.get("chain")), read_text(raw.get("link"))
    chain = None
    if chain_text:
        chain, why = known.resolver.chain(chain_text)
        if why:
            problems.append(("chain", why))
            return
    out["chain"], out["link"] = chain, None
    if link_text:
        found, why = known.resolver.link(link_text, chain)
        if why:
            problems.append(("link", why))
        else:
            out["chain"], out["link"] = found


def _project_rules(out: dict, problems: Problems) -> None:
    stage = out.get("stage")
    prev_fld, prev_header = "first_contact", "首次接触日期"
    for name, fld, header in _STAGE_DATES:  # dates in order, none without the one before it
        day = out.get(fld)
        if day is not None and prev_fld != "first_contact" and out.get(prev_fld) is None:
            problems.append((prev_fld, f"填了{header}却没有{prev_header}：请补上{prev_header}（{name}之前必经的阶段）"))
        elif day is not None and out.get(prev_fld) is not None and day < out[prev_fld]:
            problems.append((fld, f"{header} {day} 早于{prev_header} {out[prev_fld]}：请核对日期"))
        prev_fld, prev_header = fld, header
    if stage not in _ORDER:
        return
    for name, fld, header in _STAGE_DATES:  # the stage and its dates agree
        day = out.get(fld)
        if _ORDER.index(stage) >= _ORDER.index(name) and day is None:
            problems.append((fld, f"阶段为“{stage}”，{header}却为空：请填写{header}"))
        if _ORDER.index(stage) < _ORDER.index(name) and day is not None:
            problems.append(("stage", f"阶段为“{stage}”，却已填{header}：请把阶段改为“{name}”或更后的阶段"))


def check_row(sheet: Sheet, raw: dict, known: Known) -> tuple[dict | None, Problems]:
    """Read and check the raw cells of one row (field -> cell value).

    Returns ``(record, [])`` for a good row and ``(None, problems)`` otherwise, each problem
    ``(field, Chinese message with the fix)``.
    """
    out: dict = {}
    problems: Problems = []
    for col in sheet.cols:
        if col.kind in ("chain", "link"):
            continue
        _cell(col, raw.get(col.field), known, out, problems)
    if sheet.name == "项目":
        _links(out, raw, known, problems)
        if not any(f in ("signed", "started", "producing", "first_contact", "stage") for f, _ in problems):
            _project_rules(out, problems)
    elif sheet.name == "活动":
        start, end = out.get("start_date"), out.get("end_date")
        if start and end and end < start:
            problems.append(("end_date", f"结束日期 {end} 早于开始日期 {start}：请核对日期"))
    elif sheet.name == "拜访":
        act, proj = out.get("activity"), out.get("project")
        if act and act not in known.activities:
            problems.append(("activity", f"没有活动“{act}”：请先在“活动”表登记这次活动，或改成已有的活动编号"))
        if proj and proj not in known.projects:
            problems.append(("project", f"没有项目“{proj}”：请先在“项目”表登记该项目，或留空"))
    order = {c.field: i for i, c in enumerate(sheet.cols)}
    first: dict[str, str] = {}
    for fld, msg in problems:  # one message per cell (the first found), in column order
        first.setdefault(fld, msg)
    problems = sorted(first.items(), key=lambda p: order.get(p[0], 0))
    return (None if problems else out), problems
