"""The import summary as officers read it (a Chinese table of counts, then reasons and placements), or
as JSON. Presentation of :class:`chainmap.importer.ImportSummary`, kept out of the importer (which never
imports :mod:`chainmap.present`)."""

from __future__ import annotations

import json

import pandas as pd

from .importer.options import ImportSummary as Summary
from .load import Library
from .vocab import columns, headers

__all__ = ["csv_headers", "summary_json", "summary_text"]


TABLE_ROWS = 300  # rows a terminal table of changes or review items shows; the files hold all


def table_text(df: pd.DataFrame, title: str, optional: tuple[str, ...] = (), more: str = "") -> str:
    """:func:`chainmap.present.terminal.table_text`, imported when a table is asked for (rich is a slow
    import that the JSON output does without). A list longer than :data:`TABLE_ROWS` shows its first
    rows and says so, with ``more`` (how to get the rest)."""
    from rich.text import Text

    from .present.terminal import _console
    from .present.terminal import table_text as text

    out = text(df.head(TABLE_ROWS), title=title, optional=optional)
    if len(df) <= TABLE_ROWS:
        return out
    console, buf = _console()  # wrapped at the terminal's width, as the table's own note
    console.print(Text(f"（只列出前 {TABLE_ROWS} 条，共 {len(df)} 条；{more}）"))
    return out + buf.getvalue()


def _queued(s: Summary) -> int | None:
    """Open pairs in the store folder's review queue after the import (None for a dry run or no queue):
    it also holds the pairs of firms this export did not list, which ``s.review`` does not count."""
    from pathlib import Path

    import pyarrow.parquet as pq

    queue = Path(str(s.output)).parent / "review.queue"
    if s.dry_run or not s.output or not queue.is_file():
        return None
    try:
        return pq.read_metadata(queue).num_rows
    except (OSError, ValueError):
        return None


def summary_json(s: Summary) -> str:
    return json.dumps(s.as_dict(), ensure_ascii=False, indent=2)


def _updated_note(s: Summary) -> str:
    """What the updated firms' records say: a newer export repeats every firm, most with nothing new
    but the data date (written, yet no change an officer should look for)."""
    if not s.refreshed:
        return f"库中已有（其中{s.unchanged}家无变化）"
    news = s.updated - s.unchanged - s.refreshed
    return f"{news}家信息有变化，{s.refreshed}家仅数据日期更新，{s.unchanged}家无变化"


def summary_text(s: Summary, lib: Library | None = None) -> str:
    counts = [
        ("读取数据行", s.rows, "表头以下的非空行"),
        ("新导入", s.imported, "新建的企业记录"),
        ("更新", s.updated, _updated_note(s)),
        ("合并", s.merged, "与前面某行是同一家企业（同信用代码或同名），已并入"),
        ("跳过", s.skipped, "；".join(f"{k} {v}" for k, v in s.skipped_reasons.items()) or "已注销/吊销等"),
        ("拒绝", s.rejected, "；".join(f"{k} {v}" for k, v in s.rejected_reasons.items()) or "写入拒绝清单"),
        ("已落到链上", s.placed, "按主营产品、经营范围、行业、名称匹配到环节/技术/部件"),
        ("未能落链", s.unplaced, f"匹配度低于阈值 {s.threshold:g} 或无匹配"),
    ]
    if s.local is not None:
        counts.append(("本地企业", s.local, "位于本地区的企业"))
    df = pd.DataFrame(counts, columns=["项目", "数量", "说明"])
    title = f"导入 {s.file}" + ("（试运行，未写入任何文件）" if s.dry_run else "")
    out = [table_text(df, title=title)]
    info = [
        f"数据日期 as_of：{s.as_of}（取自{s.as_of_from}）",
        f"表头在第{s.header_row}行"
        + (f"；编码 {s.encoding}" if s.encoding else "")
        + (f"；工作表“{s.sheet}”" if s.sheet else ""),
        "识别的列：" + "，".join(f"{k}←{v}" for k, v in s.columns.items()),
    ]
    if s.unused_columns:
        info.append("未使用的列：" + "、".join(s.unused_columns) + "（可用 --map '表头=字段' 指定）")
    if s.warnings:
        info.append(
            "数据问题：" + "；".join(f"{k} {v}行{_where(s.warning_rows.get(k), v)}" for k, v in s.warnings.items())
        )
    if s.nodes:
        names = {n: lib.nodes[n].name for n in s.nodes if lib is not None and n in lib.nodes}
        top = list(s.nodes.items())[:10]
        info.append("落链最多的节点：" + "，".join(f"{names.get(n, n)}({n}) {c}家" for n, c in top))
    verb = "将写入" if s.dry_run else "已写入"
    info.append(f"{verb}：{s.output}（{'YAML' if s.store == 'yaml' else 'Parquet'}）")
    if s.outside_library:
        info.append("注意：输出文件不在链库的 imported/ 文件夹中，chainmap 分析时不会读取它")
    if s.moved_from:
        info.append("已更新的记录从这些旧导入文件移入本文件：" + "、".join(s.moved_from))
    if s.rejects:
        info.append(f"拒绝清单：{s.rejects}")
    if s.signals:
        labels = {"new": "新出现", "capital_up": "增资", "status": "登记状态变更", "moved": "迁址", "placed": "新落链"}
        info.append(
            "变化信号："
            + "，".join(f"{labels.get(k, k)} {v}" for k, v in s.signals.items())
            + ("（试运行：未记录；正式导入后用 chainmap changes 查看）" if s.dry_run else "（chainmap changes 查看）")
        )
    if s.review:
        total = _queued(s)
        more = f"；待审核清单共 {total} 条" if total is not None and total != s.review else ""
        how = "试运行：未记录；正式导入后用 chainmap review 查看并确认" if s.dry_run else "chainmap review 查看并确认"
        info.append(f"待审核的落链匹配：本次导入的企业 {s.review} 条{more}（{how}）")
    counted = s.imported + s.updated + s.merged + s.skipped + s.rejected
    info.append(
        f"核对：{s.imported}+{s.updated}+{s.merged}+{s.skipped}+{s.rejected} = {counted} = 读取行数 {s.rows}；"
        f"用时 {s.seconds:g} 秒"
    )
    return out[0] + "\n".join(info) + "\n"


# -- change signals (`chainmap changes`) ------------------------------------------------------------

CHANGE_KEYS = tuple(columns("changes"))  # the JSON keys (docs/outputs.md), from the vocabulary's column specs
CHANGE_HEADERS = headers("changes")
CHANGE_LABELS = {"new": "新出现", "capital_up": "增资", "status": "登记状态变更", "moved": "迁址", "placed": "新落链"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _neutral(v: object) -> object:
    """Text a spreadsheet would evaluate gets a leading quote (OWASP CSV injection rules)."""
    return "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v


def changes_records(df: pd.DataFrame) -> list[dict]:
    """The signals as JSON objects with exactly the keys of docs/outputs.md."""
    out = []
    for row in df.itertuples(index=False):
        d = row._asdict()
        out.append({k: (d[k].isoformat() if k == "date" and d[k] is not None else d[k]) for k in CHANGE_KEYS})
    for rec in out:
        rec["chains"] = list(rec["chains"] or [])
        for k in ("credit_code", "old", "new"):
            if isinstance(rec[k], float):  # pandas' NaN for a missing text
                rec[k] = None
    return out


def changes_for_people(df: pd.DataFrame, lib: Library | None = None) -> pd.DataFrame:
    names = {c: ch.chain.name for c, ch in lib.chains.items()} if lib is not None else {}
    rows = {
        CHANGE_HEADERS["date"]: [d.isoformat() if d is not None else "" for d in df["date"]],
        CHANGE_HEADERS["kind"]: [CHANGE_LABELS.get(k, k) for k in df["kind"]],
        CHANGE_HEADERS["name"]: list(df["name"]),
        CHANGE_HEADERS["credit_code"]: [c if isinstance(c, str) else "" for c in df["credit_code"]],
        CHANGE_HEADERS["old"]: [v if isinstance(v, str) else "" for v in df["old"]],
        CHANGE_HEADERS["new"]: [
            _node_names(v, lib) if k == "placed" else (v or "") for k, v in zip(df["kind"], df["new"], strict=True)
        ],
        CHANGE_HEADERS["chains"]: ["、".join(names.get(c, c) for c in cs) for cs in df["chains"]],
    }
    return pd.DataFrame(rows)


def _node_names(ids: str | None, lib: Library | None) -> str:
    if not ids:
        return ""
    nodes = lib.nodes if lib is not None else {}
    return "、".join(nodes[n].name if n in nodes else n for n in ids.split("、"))


def changes_output(df: pd.DataFrame, fmt: str, lib: Library | None = None) -> str | bytes:
    """The signals as ``table``, ``csv`` (UTF-8 with BOM), ``json`` or ``xlsx`` (bytes)."""
    if fmt == "json":
        return json.dumps(changes_records(df), ensure_ascii=False, indent=2) + "\n"
    people = changes_for_people(df, lib)
    if fmt == "table":
        if not len(people):
            return "没有符合条件的变化信号（导入同一批企业的较新导出后才会出现）。\n"
        more = "全部请用 --format csv 或 xlsx -o 文件，或用 --since / --kind / --chain 筛选"
        # a credit code is shown whole or not at all (a cut one cannot be looked up)
        optional = (CHANGE_HEADERS["credit_code"], CHANGE_HEADERS["chains"])
        return table_text(people, title=f"企业变化信号（共{len(people)}条）", optional=optional, more=more)
    people = people.map(_neutral)
    if fmt == "csv":
        return people.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    return _xlsx(people, "变化信号", CHANGE_NOTES)


CHANGE_NOTES = (
    "企业变化信号：同一批企业的较新导出与库中记录相比的变化。",
    "新出现：库中没有的企业；增资：注册资本增加；登记状态变更；迁址：所在城市变化；新落链：新落到产业链节点上。",
    "日期：较新导出的数据日期（变化发生在此前）。",
)
REVIEW_NOTES = (
    "待审核的落链匹配：企业与产业链节点的匹配度高于审核下限、低于落链阈值，需要人工确认。",
    "请在“决定”一列填写“接受”或“拒绝”（留空表示暂不决定），保存后运行：chainmap review apply 本文件。",
    "匹配依据：命中的关键词、所在字段和置信度（主营产品1.0，经营范围0.7，行业0.5，名称0.4）。",
)
REVIEW_KEYS = tuple(columns("review"))


def review_output(items: list[dict], fmt: str, lib: Library) -> str | bytes:
    """The review queue as ``table``, ``csv``, ``json`` or ``xlsx`` (bytes)."""
    from .importer.signals import node_chains

    chains_of = node_chains(lib)
    rows = [
        i
        | {
            "node_name": lib.nodes[i["node"]].name if i["node"] in lib.nodes else i["node"],
            "chains": chains_of.get(i["node"], []),
        }
        for i in items
    ]
    if fmt == "json":
        return json.dumps([{k: r[k] for k in REVIEW_KEYS} for r in rows], ensure_ascii=False, indent=2) + "\n"
    people = _review_people(rows)
    if fmt == "table":
        if not rows:
            return "没有待审核的落链匹配。\n"
        cols = ["编号", "企业名称", "城市", "节点名称", "匹配依据"]
        more = "全部请用 --format xlsx -o 文件 导出后填写“决定”，或用 --chain 筛选"
        return table_text(people[cols], title=f"待审核的落链匹配（共{len(rows)}条）", more=more)
    people = people.map(_neutral)
    if fmt == "csv":
        return people.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    return _xlsx(people, "待审核", REVIEW_NOTES)


def _review_people(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "编号": [r["id"] for r in rows],
            "决定": ["" for _ in rows],
            "企业名称": [r["name"] for r in rows],
            "统一社会信用代码": [r["credit_code"] or "" for r in rows],
            "城市": [r["city"] or "" for r in rows],
            "节点名称": [r["node_name"] for r in rows],
            "节点": [r["node"] for r in rows],
            "匹配依据": [r["evidence"] for r in rows],
        }
    )


def csv_headers() -> list[list[str]]:
    """The header rows of the CSV files `changes` and `review` write (how the overwrite guard knows them)."""
    empty = pd.DataFrame({k: [] for k in ("date", "kind", "name", "credit_code", "old", "new", "chains")})
    return [list(changes_for_people(empty).columns), list(_review_people([]).columns)]


def _xlsx(people: pd.DataFrame, sheet: str, notes: tuple[str, ...]) -> bytes:
    """One 说明 sheet and the list; landscape, one page wide, header frozen and repeated; the same
    rows give the same bytes."""
    import datetime as dt
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    info = wb.active
    info.title = "说明"
    for line in notes:
        info.append([line])
    ws = wb.create_sheet(sheet)
    ws.append(list(people.columns))
    for row in people.itertuples(index=False):
        ws.append(list(row))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    for sheet in (info, ws):
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for i, col in enumerate(people.columns, 1):
        longest = max([len(str(col)) * 2] + [len(str(v)) * 2 for v in people[col]])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(longest + 2, 8), 60)
    wb.properties.creator = "chainmap"
    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)
    raw, out = io.BytesIO(), io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _where(rows: list[int] | None, n: int) -> str:
    """The rows a warning is on, as a spreadsheet numbers them: （第2、7行）, （第2、7、9、12、15行等）."""
    if not rows:
        return ""
    return "（第" + "、".join(map(str, rows)) + "行" + ("等" if n > len(rows) else "") + "）"
