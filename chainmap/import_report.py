"""The import summary as officers read it (a Chinese table of counts, then reasons and placements), or
as JSON. Presentation of :class:`chainmap.importer.ImportSummary`, kept out of the importer (which never
imports :mod:`chainmap.present`)."""

from __future__ import annotations

import json

import pandas as pd

from .importer.options import ImportSummary as Summary
from .load import Library
from .present.terminal import table_text

__all__ = ["summary_json", "summary_text"]


def summary_json(s: Summary) -> str:
    return json.dumps(s.as_dict(), ensure_ascii=False, indent=2)


def summary_text(s: Summary, lib: Library | None = None) -> str:
    counts = [
        ("读取数据行", s.rows, "表头以下的非空行"),
        ("新导入", s.imported, "新建的企业记录"),
        ("更新", s.updated, f"库中已有（其中{s.unchanged}家无变化）"),
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
        info.append("数据问题：" + "；".join(f"{k} {v}行" for k, v in s.warnings.items()))
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
    counted = s.imported + s.updated + s.merged + s.skipped + s.rejected
    info.append(
        f"核对：{s.imported}+{s.updated}+{s.merged}+{s.skipped}+{s.rejected} = {counted} = 读取行数 {s.rows}；"
        f"用时 {s.seconds:g} 秒"
    )
    return out[0] + "\n".join(info) + "\n"
