"""The workbook officers fill (``ledger template``) and the whole ledger written back in it (``ledger export``)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, select

from ..load import Library
from .resolve import Resolver
from .schema import ACTIVITY_TYPES, LEAD_SOURCES, STAGES, TEAM_TYPES, stage_history
from .sheets import SHEETS, Sheet, neutralise
from .store import TABLES
from .xlsx import fill_sheet, note_sheet, to_bytes

__all__ = ["export_workbook", "ledger_rows", "template_workbook"]

_ROWS = 2000  # rows of the sheets that carry drop-downs and formats
_HELP = [
    "这是招商台账的填报模板（chainmap）。四张表：团队、活动、拜访、项目；表头请勿修改，一行一条记录。",
    "团队：每支招商队伍一行（团队名称唯一）。类型：专业招商队伍 / 招商小分队 / 其他。",
    "活动：每次外出招商、来访接待、推介会或线上洽谈一行；活动编号唯一（如 HD2023001），团队须已在“团队”表登记。",
    "拜访：每见一家企业一行（即“家次”）；活动编号须已在“活动”表登记；项目编号可留空。",
    "项目：每个项目一行，项目编号唯一（如 XM0001）；阶段：线索 → 在谈 → 签约 → 开工 → 投产（或 终止）。",
    "阶段与日期须一致：签约及以后须有签约日期，开工须有开工日期，投产须有投产日期；后一阶段的日期不能早于前一阶段。",
    "产业链、环节：从下拉列表选择，也可填链库中的编号或别称。金额单位为亿元，只填数字。",
    "日期可写 2023-02-08、2023/2/8、2023年2月8日，或用 Excel 日期格式。统一社会信用代码为18位，会校验；不清楚可留空。",
    "导入：chainmap ledger import 本文件.xlsx（同一文件重复导入不会重复记录；改过的行会更新，阶段变化留有记录）。",
    "有问题的行不会入库，会逐条指出“表名!单元格：问题与改法”，改好后再导入即可。",
]


def _lists(ws, lib: Library | None) -> dict[str, str]:
    """Write the drop-down lists on a hidden sheet; return list name -> range formula."""
    chains = sorted(layout.chain.name for layout in lib.chains.values()) if lib else []
    links = sorted({n.name for n in lib.nodes.values() if n.kind == "link"}) if lib else []
    columns = {"阶段": STAGES, "活动类型": ACTIVITY_TYPES, "团队类型": TEAM_TYPES, "线索来源": LEAD_SOURCES}
    columns |= {"产业链": chains, "环节": links}
    out = {}
    for i, (name, values) in enumerate(columns.items(), start=1):
        letter = chr(ord("A") + i - 1)
        ws.cell(1, i, name)
        for j, v in enumerate(values, start=2):
            ws.cell(j, i, neutralise(v))  # a link named '@…' must not be a formula here either
        out[name] = f"选项!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    ws.sheet_state = "hidden"
    return out


def _validations(ws, sheet: Sheet, header_row: int, lists: dict[str, str]) -> None:
    picks = {
        ("团队", "type"): "团队类型",
        ("活动", "type"): "活动类型",
        ("活动", "team"): "团队",
        ("项目", "team"): "团队",
        ("项目", "stage"): "阶段",
        ("项目", "lead_source"): "线索来源",
        ("项目", "chain"): "产业链",
        ("项目", "link"): "环节",
    }
    teams_range = f"团队!$A${header_row + 1}:$A${_ROWS}"
    for i, col in enumerate(sheet.cols, start=1):
        name = picks.get((sheet.name, col.field))
        if name is None:
            continue
        strict = name not in ("产业链", "环节")  # ids and aliases are accepted too: warn, do not refuse
        dv = DataValidation(
            type="list",
            formula1="=" + (teams_range if name == "团队" else lists[name]),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if strict else "warning",
            errorTitle=col.header,
            error=f"请从下拉列表中选择{col.header}",
        )
        letter = chr(ord("A") + i - 1)
        dv.add(f"{letter}{header_row + 1}:{letter}{_ROWS}")
        ws.add_data_validation(dv)


def _formats(sheet: Sheet) -> dict[int, str]:
    return {
        i: ("yyyy-mm-dd" if c.kind == "date" else "0.00")
        for i, c in enumerate(sheet.cols)
        if c.kind in ("date", "amount")
    }


def _build(lib: Library | None, data: dict[str, list[list]], banner: str | None, history: list[list] | None) -> bytes:
    wb = Workbook()
    note = wb.active
    note.title = "说明"
    note_sheet(note, "招商台账（团队、活动、拜访、项目）" + (f" · {banner}" if banner else ""), _HELP)
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    lists = _lists(wb.create_sheet("选项"), lib)
    for name, sheet in SHEETS.items():
        ws = sheets[name]
        widths = [c.width for c in sheet.cols]
        head = fill_sheet(
            ws, sheet.headers, data.get(name, []), banner=banner, min_widths=widths, formats=_formats(sheet)
        )
        _validations(ws, sheet, head, lists)
    if history is not None:
        headers = ["项目编号", "原阶段", "新阶段", "变更时间(UTC)", "来源", "操作人"]
        fill_sheet(wb.create_sheet("阶段记录"), headers, history, banner=banner, min_widths=[12, 8, 8, 22, 20, 10])
    return to_bytes(wb)


def template_workbook(lib: Library | None, *, banner: str | None = None) -> bytes:
    """An empty workbook to fill: 说明, 团队, 活动, 拜访, 项目, with drop-downs from the library."""
    return _build(lib, {}, banner, None)


def ledger_rows(engine: Engine, lib: Library | None) -> dict[str, list[list]]:
    """Every row of the ledger in the workbook's columns (chains and links by name), sorted by key."""
    res = Resolver(lib)
    out: dict[str, list[list]] = {}
    with engine.connect() as conn:
        for name, sheet in SHEETS.items():
            table = TABLES[sheet.table]
            rows = conn.execute(select(table).order_by(*(table.c[k] for k in sheet.key))).mappings().all()
            values = []
            for r in rows:
                rec = dict(r)
                if name == "项目":
                    rec["chain"], rec["link"] = res.chain_name(rec["chain"]), res.link_name(rec["link"])
                values.append([rec.get(c.field) for c in sheet.cols])
            out[name] = values
    return out


def export_workbook(engine: Engine, lib: Library | None, *, banner: str | None = None) -> bytes:
    """The whole ledger in the template's format (re-importable), with the stage history on its own sheet."""
    data = ledger_rows(engine, lib)
    with engine.connect() as conn:
        hist = conn.execute(select(stage_history).order_by(stage_history.c.id)).mappings().all()
    history = [[h["project"], h["old_stage"], h["new_stage"], h["changed_at"], h["source"], h["by"]] for h in hist]
    return _build(lib, data, banner, history)
