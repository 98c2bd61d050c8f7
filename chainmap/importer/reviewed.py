"""A reviewed list read back (``chainmap review apply FILE``): the CSV or XLSX that ``chainmap review``
wrote, its 决定 column filled with 接受 / 拒绝. Every problem of the file is found in one pass and named
where it is (``file:line:column`` for a CSV, the cell ``待审核!B5`` for a workbook): a word that is no
decision, a formula whose result the file does not hold, one id decided both ways, missing columns.

Excel saves a CSV in the system's code page (GBK on Chinese Windows) unless "CSV UTF-8" is chosen: both
are read. A formula whose result the workbook holds counts as that result (as the ledger reads them).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, UsageError
from ..files import decode_saved_csv
from ..ziplimits import check_inflation

__all__ = ["SHEET", "WORDS", "Reviewed", "read_reviewed"]

SHEET = "待审核"
WORDS = {
    "accept": "accept",
    "接受": "accept",
    "确认": "accept",
    "是": "accept",
    "reject": "reject",
    "拒绝": "reject",
    "否": "reject",
    "不是": "reject",
}
SAID = {"accept": "接受", "reject": "拒绝"}


@dataclass
class Reviewed:
    """What a reviewed list says: review id -> decision, where each was written (a Problem with an empty
    message, for the messages about that id), and the problems found."""

    path: Path
    choices: dict[str, str] = field(default_factory=dict)
    where: dict[str, Problem] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Formula:
    """A formula cell whose result the workbook does not hold (saved by a program that computes none)."""

    text: str


def _place(path: Path, line: int, col: int, xlsx: bool) -> Problem:
    from openpyxl.utils import get_column_letter

    cell = f"{SHEET}!{get_column_letter(col)}{line} " if xlsx else ""
    return Problem(str(path), line, col, cell)


def _said(p: Problem, message: str) -> Problem:
    return Problem(p.file, p.line, p.column, p.message + message)


def read_reviewed(path: Path) -> Reviewed:
    """The decisions of a reviewed CSV or XLSX and every problem found in it. Raises UsageError only when
    the file cannot be read as such a list at all."""
    path = Path(path)
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    rows = _xlsx_rows(path) if xlsx else _csv_rows(path)
    out = Reviewed(path)
    if not rows:
        out.problems.append(Problem(str(path), 0, 0, "文件是空的：请用 chainmap review --format csv 导出的清单填写"))
        return out
    head_line, head = rows[0]
    heads = [str(c).strip() if isinstance(c, str) else "" for c in head]
    missing = [h for h in ("编号", "决定") if h not in heads]
    if missing:
        found = "、".join(h for h in heads if h) or "（无）"
        msg = (
            f"缺少“{'”“'.join(missing)}”列（表头：{found}）：请用 chainmap review --format csv 或 xlsx 导出的清单，"
            "在“决定”一列填写“接受”或“拒绝”"
        )
        out.problems.append(_said(_place(path, head_line, 1, xlsx), msg))
        return out
    id_col, word_col = heads.index("编号"), heads.index("决定")
    for line, cells in rows[1:]:
        _row(out, line, cells, id_col, word_col, xlsx)
    return out


def _row(out: Reviewed, line: int, cells: list, id_col: int, word_col: int, xlsx: bool) -> None:
    word = cells[word_col] if word_col < len(cells) else None
    rid = cells[id_col] if id_col < len(cells) else None
    at_word = _place(out.path, line, word_col + 1, xlsx)
    if isinstance(word, _Formula):
        out.problems.append(_said(at_word, _unsaved("决定", word)))
        return
    if word is None or not str(word).strip():
        return  # not decided yet
    decision = WORDS.get(str(word).strip().lower())
    if decision is None:
        out.problems.append(
            _said(at_word, f"“决定”填的是“{_short(str(word))}”：只能填“接受”或“拒绝”（留空表示暂不决定）")
        )
    at_id = _place(out.path, line, id_col + 1, xlsx)
    if isinstance(rid, _Formula):
        out.problems.append(_said(at_id, _unsaved("编号", rid)))
        return
    rid = str(rid).strip() if rid is not None else ""
    if not rid:
        out.problems.append(_said(at_id, "“编号”是空的：请保留 chainmap review 导出的编号（如 r1a2b3c4d）"))
        return
    if decision is None:
        return
    before = out.choices.get(rid)
    if before is not None and before != decision:
        first = out.where[rid]
        out.problems.append(
            _said(
                at_word,
                f"编号 {rid} 在第{first.line}行填了“{SAID[before]}”，这里又填“{SAID[decision]}”：请只保留一个决定",
            )
        )
        return
    out.choices.setdefault(rid, decision)
    out.where.setdefault(rid, at_id)


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"


def _unsaved(header: str, cell: _Formula) -> str:
    return (
        f"“{header}”是公式 {_short(cell.text)}，文件中没有保存它的计算结果（chainmap 不计算公式）："
        "请直接填写文字，或在 Excel 中打开、计算后保存再应用"
    )


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    """(first line of the record, cells) per non-blank record."""
    try:
        text = decode_saved_csv(path.read_bytes(), path, "后再应用")
    except OSError as err:
        raise UsageError(f"{path}：无法读取（{err.strerror or err}）：请检查路径和权限") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    out, end = [], 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(c.strip() for c in cells):
                out.append((start, cells))
    except csv.Error as err:
        raise UsageError(f"{path}:{reader.line_num}: 不是有效的 CSV（{err}）：请用 Excel 另存为 CSV UTF-8") from None
    return out


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    """(Excel row number, cells) per non-blank row of the 待审核 sheet; a formula without a saved result
    as :class:`_Formula`."""
    from openpyxl import load_workbook

    check_inflation(path)
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise UsageError(
            f"{path}：不是可读的 Excel 工作簿（{type(exc).__name__}）：请用 Excel 另存为 .xlsx，或应用 CSV 清单"
        ) from None
    try:
        if SHEET not in values.sheetnames:
            raise UsageError(
                f"{path}：没有“{SHEET}”工作表（有：{'、'.join(values.sheetnames)}）："
                "请用 chainmap review --format xlsx -o 文件 导出的清单填写"
            )
        out = []
        rows = zip(values[SHEET].iter_rows(values_only=True), formulas[SHEET].iter_rows(values_only=True), strict=False)
        for n, (vrow, frow) in enumerate(rows, start=1):
            cells = [
                _Formula(f) if v is None and isinstance(f, str) and f.startswith("=") else v
                for v, f in zip(vrow, list(frow) + [None] * (len(vrow) - len(frow)), strict=False)
            ]
            if any(c is not None and str(c).strip() for c in cells):
                out.append((n, cells))
        return out
    finally:
        values.close()
        formulas.close()
