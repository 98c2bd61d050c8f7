"""抽查清单 / Spot-check checklist: draw a reproducible random sample of firm records and list every fact to check.

Usage::

    python3 scripts/spotcheck.py --sample 30 --seed 20261130 -o docs/spotcheck/2026-11-30-checklist.md

The same library and the same seed always draw the same records and write the same bytes. The checker (someone
other than the author of the records) fills the blank 结果 / 核对来源 columns from public sources; the procedure
is in docs/spotcheck/README.md.
"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import click

from chainmap.load import load_library
from chainmap.model import Company

__all__ = ["draw_sample", "facts_of", "render_checklist", "main"]

OWNERSHIP = ("央企", "国企", "民企", "外资", "台资", "港资")
LEADERSHIP = ("链主", "龙头", "单项冠军", "专精特新", "专精特新小巨人")


def draw_sample(companies: Iterable[Company], size: int, seed: int) -> list[Company]:
    """Draw ``size`` records at random, reproducibly: ids are sorted before drawing, the sample keeps that order.

    >>> from chainmap.model import Company
    >>> firms = [Company(id=f"f{i}", name=f"公司{i}", source=["s"], as_of="2025-01-01") for i in range(10)]
    >>> [c.id for c in draw_sample(firms, 3, 1)] == [c.id for c in draw_sample(reversed(firms), 3, 1)]
    True
    """
    pool = sorted(companies, key=lambda c: c.id)
    if size > len(pool):
        raise click.BadParameter(f"样本量 {size} 大于记录总数 {len(pool)}", param_hint="--sample")
    picked = random.Random(seed).sample(range(len(pool)), size)
    return [pool[i] for i in sorted(picked)]


def _place(province: str | None, city: str | None, district: str | None) -> str:
    parts = [p for p in (province, city, district) if p]
    return " ".join(dict.fromkeys(parts)) or "（空）"


def _names(ids: Iterable[str], names: dict[str, str]) -> str:
    return "、".join(f"{names.get(i, i)}({i})" for i in ids) or "（空）"


def facts_of(c: Company, names: dict[str, str]) -> list[tuple[str, str]]:
    """Every fact of one record a checker must confirm, as (项目, 记录值) pairs, in a fixed order.

    >>> from chainmap.model import Company
    >>> c = Company(id="x", name="某某股份有限公司", province="江苏省", city="苏州市", stock_code="600000.SH",
    ...             tags=["上市", "民企", "龙头"], operates=["pta"], source=["年报"], as_of="2025-04-01")
    >>> dict(facts_of(c, {"pta": "PTA"}))["所有制"]
    '民企'
    >>> dict(facts_of(c, {"pta": "PTA"}))["经营环节"]
    'PTA(pta)'
    """
    tags = list(c.tags)
    rows = [
        ("全称", c.name),
        ("简称/别名", "、".join([x for x in [c.short_name, *c.aliases] if x]) or "（空）"),
        ("统一社会信用代码", c.credit_code or "（空）"),
        ("经营总部（省市区）", _place(c.province, c.city, c.district)),
        ("注册地（与总部不同时）", _place(c.registered_province, c.registered_city, c.registered_district)),
        ("上市状态/代码", f"{c.stock_code or '未上市'}" + (" 上市" if "上市" in tags else "")),
        ("退市日期", c.delisted.isoformat() if c.delisted else "（无）"),
        ("登记状态", c.status),
        ("所有制", "、".join(t for t in tags if t in OWNERSHIP) or "（无）"),
        ("龙头/链主/冠军/专精特新", "、".join(t for t in tags if t in LEADERSHIP) or "（无）"),
        ("其他标签", "、".join(t for t in tags if t not in OWNERSHIP + LEADERSHIP + ("上市",)) or "（无）"),
        ("母公司", names.get(c.parent, c.parent) if c.parent else "（无）"),
        ("营收", f"{c.revenue} ({c.revenue_year})" if c.revenue else "（空）"),
        ("注册资本", str(c.registered_capital) if c.registered_capital else "（空）"),
        ("经营环节", _names(c.operates, names)),
        ("关键零部件/材料", _names(c.makes, names)),
        ("关键技术", _names(c.holds, names)),
        ("供货对象", _names([t.to for t in c.supplies], names)),
        ("说明", (c.note or "（空）").replace("\n", " ")),
    ]
    return rows


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _record_section(n: int, c: Company, where: str, names: dict[str, str]) -> list[str]:
    lines = [
        f"## {n}. {_cell(c.short_name or c.name)} (`{c.id}`)",
        "",
        f"- 文件: `{where}`",
        f"- 来源: {_cell('；'.join(c.source))}",
        f"- as_of: {c.as_of.isoformat()}",
        "",
        "| 项目 | 记录值 | 结果（对/错/无法核实） | 核对来源（名称、日期、网址） |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {k} | {_cell(v)} |  |  |" for k, v in facts_of(c, names)]
    lines += ["", "结论（有无错误事实）： ", "", ""]
    return lines


def render_checklist(sample: list[Company], seed: int, total: int, where: dict[str, str], names: dict[str, str]) -> str:
    """The checklist as Markdown: a header (seed, sample, date fields), a summary table, one section per record."""
    head = [
        "# 企业记录抽查清单 / Spot-check checklist",
        "",
        f"- 随机种子 seed: {seed}；样本 {len(sample)} / 共 {total} 条企业记录",
        f"- 复现: `python3 scripts/spotcheck.py --sample {len(sample)} --seed {seed} -o <file>`",
        "- 核对人: ____________  核对日期: ____________ （须为记录作者以外的人）",
        "- 规则: 每一项记录值与公开来源（年报、交易所公告、企业官网、国家企业信用信息公示系统、工信部名单、"
        "具名新闻）核对；填“对”“错（写正确值）”或“无法核实”。一条记录只要有一项“错”即计为有错误事实。",
        "",
        "| # | 企业 | id | as_of | 有错误事实？ |",
        "| --- | --- | --- | --- | --- |",
    ]
    head += [
        f"| {i} | {_cell(c.short_name or c.name)} | `{c.id}` | {c.as_of.isoformat()} |  |"
        for i, c in enumerate(sample, 1)
    ]
    head += ["", "无错误事实的记录数: ____ / " + str(len(sample)), "", ""]
    body: list[str] = []
    for i, c in enumerate(sample, 1):
        body += _record_section(i, c, where.get(c.id, ""), names)
    return "\n".join(head + body).rstrip() + "\n"


def _record_files(root: Path) -> dict[str, str]:
    """Map company id -> 'chains/companies/<file>.yaml:<line>' for the checker to find and fix a record."""
    found: dict[str, str] = {}
    pattern = re.compile(r"^\s*-\s+id:\s*([a-z][a-z0-9_]*)\s*$")
    for path in sorted((root / "companies").glob("*.yaml")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = pattern.match(line)
            if m:
                found.setdefault(m.group(1), f"{path.relative_to(root.parent).as_posix()}:{lineno}")
    return found


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.replace(tmp, path)


@click.command(help="抽取企业记录随机样本，生成抽查清单（Markdown）。同一种子得到同一样本。")
@click.option("--sample", "size", type=click.IntRange(min=1), default=30, show_default=True, help="样本量")
@click.option("--seed", type=int, required=True, help="随机种子（记在清单里，便于复现）")
@click.option(
    "--chains",
    "chains_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="企业库目录（默认 ./chains，否则随包数据）",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件（默认打印到终端）"
)
def main(size: int, seed: int, chains_dir: Path | None, output: Path | None) -> None:
    from chainmap.errors import LoadError
    from chainmap.library import bundled_library

    root = chains_dir or (Path("chains") if Path("chains").is_dir() else bundled_library())
    try:
        lib = load_library(root)
    except LoadError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    names = {i: getattr(n, "name", i) for i, n in lib.nodes.items()}
    names.update({i: c.short_name or c.name for i, c in lib.companies.items()})
    sample = draw_sample(lib.companies.values(), size, seed)
    text = render_checklist(sample, seed, len(lib.companies), _record_files(Path(root)), names)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_atomic(output, text)
        click.echo(f"已写出 {output}：{len(sample)} 条记录（种子 {seed}）", err=True)


if __name__ == "__main__":
    main()
