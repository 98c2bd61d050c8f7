"""The ledger's commands: ``ledger template|import|export``, ``project add|stage``, ``projects``, ``scorecard``.

A thin shell over :mod:`chainmap.ledger`. The ledger is the database given by the global ``--db URL``
(or ``CHAINMAP_DB``); by default SQLite ``ledger.sqlite`` in the chain library folder when it is your
own (``./chains`` or ``--chains DIR``), else in the user data folder (bundled library).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path

import click

from .cli_options import emit, output_option
from .errors import ChainmapError

DB_HELP = (
    "台账数据库 (SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db; env CHAINMAP_DB). Default: SQLite "
    "ledger.sqlite in the chain library folder when it is your own (./chains or --chains DIR), else in the "
    "user data folder (bundled library)."
)


class Abort(click.ClickException):
    """Bad input or usage: message, exit 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True, file=file)


def _guard(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except ChainmapError as exc:
            raise Abort(str(exc)) from None

    return wrapper


def _engine(obj):
    from .ledger import open_ledger

    return open_ledger(getattr(obj, "db_url", None), obj.chains_dir)


def _region(obj, region_id: str | None):
    from .library import region_of

    return region_of(obj.lib, region_id)


def _write(data: bytes | str, output: str | Path, force: bool = True) -> None:
    from .present.files import write_atomic
    from .present.guard import refuse_yaml

    refuse_yaml([Path(output)])
    if not force and Path(output).exists():
        raise Abort(f"{output} 已存在：为免覆盖您填写的内容，请换一个文件名，或加 --force 覆盖")
    write_atomic(output, data)
    click.echo(f"wrote {output}", err=True)


def _emit(data: bytes | str, output: str | None) -> None:
    """stdout, or the -o file through the shared overwrite guard (only a file chainmap wrote, or --force)."""
    emit(data, output)


def _day(text: str | None, option: str) -> dt.date | None:
    from .ledger.sheets import read_date

    day, why = read_date(text)
    if why:
        raise Abort(f"{option}: {why}")
    return day


@click.group("ledger")
def ledger() -> None:
    """招商台账: the workbook officers fill (团队, 活动, 拜访, 项目), its import and export.

    \b
    The ledger is the database of the global option --db URL (or CHAINMAP_DB); by default SQLite
    ledger.sqlite in your chain library folder (./chains or --chains DIR), or in the user data
    folder (e.g. ~/.local/share/chainmap) when the bundled library is used. See docs/ledger.md.
    """


@ledger.command("template")
@click.option("-o", "--output", type=click.Path(), required=True, help="The workbook to write (.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_obj
@_guard
def template_cmd(obj, output: str, force: bool) -> None:
    """Write the empty workbook to fill: 说明 + 团队/活动/拜访/项目 with drop-down lists from the library."""
    from .ledger.workbook import template_workbook

    _write(template_workbook(obj.lib), output, force)


def _summary_text(summary, files: list[Path], db: str, strict: bool) -> str:
    lines = []
    for p in summary.problems:
        lines.append(f"{Path(p['file']).name}: {p['sheet']}!{p['cell']}: {p['message']}")
    for sheet, c in summary.sheets.items():
        lines.append(
            f"{sheet}：{c['rows']}行，新增{c['inserted']}，更新{c['updated']}，未变{c['unchanged']}，未入库{c['rejected']}"
        )
    if summary.problems:
        lines.append(
            f"发现{len(summary.problems)}个问题"
            + ("（--strict：未写入任何数据）" if strict else "：有问题的行未入库，改好后再导入即可")
        )
    lines.append(f"台账：{db}")
    return "\n".join(lines) + "\n"


@ledger.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Store nothing if any row has a problem.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@_guard
def import_cmd(obj, files: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Import filled workbooks (.xlsx) or sheets saved as CSV; upsert by 编号, keep stage history.

    Every bad row is reported as 表名!单元格: problem and not stored; exit 2 when there were problems.
    """
    from .ledger import import_files

    for f in files:
        if not f.exists():
            raise Abort(f"找不到文件 {f}：请检查路径和文件名")
    engine = _engine(obj)
    summary = import_files(engine, obj.lib, list(files), strict=strict)
    if fmt == "json":
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
    else:
        out = _summary_text(summary, list(files), engine.url.render_as_string(hide_password=True), strict)
        click.echo(out, nl=False, err=bool(summary.problems))
    engine.dispose()
    if summary.problems:
        sys.exit(2)


@ledger.command("export")
@click.option("-o", "--output", type=click.Path(), required=True, help="The workbook to write (.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_obj
@_guard
def export_cmd(obj, output: str, force: bool) -> None:
    """Write the whole ledger in the template's format (import it back unchanged), plus 阶段记录."""
    from .ledger.workbook import export_workbook

    engine = _engine(obj)
    data = export_workbook(engine, obj.lib)
    engine.dispose()
    _write(data, output, force)


_PROJECT_OPTS = {  # field -> option
    "code": "ID",
    "name": "--name",
    "investor": "--investor",
    "credit_code": "--credit-code",
    "chain": "--chain",
    "link": "--link",
    "team": "--team",
    "district": "--district",
    "stage": "--stage",
    "planned": "--planned",
    "paid_in": "--paid-in",
    "lead_source": "--source",
    "first_contact": "--first-contact",
    "signed": "--signed",
    "started": "--started",
    "producing": "--producing",
    "note": "--note",
}
_STAGE_DATE = {"签约": "signed", "开工": "started", "投产": "producing"}


def _store_project(obj, raw: dict, *, new: bool, clear: tuple[str, ...] = ()) -> None:
    from sqlalchemy import insert, select, update

    from .ledger.check import check_row
    from .ledger.schema import projects
    from .ledger.sheets import SHEETS
    from .ledger.store import known_from, record_stage

    engine = _engine(obj)
    lib = obj.lib
    with engine.begin() as conn:
        cur = conn.execute(select(projects).where(projects.c.code == raw["code"])).mappings().first()
        if new and cur is not None:
            raise Abort(f"项目 {raw['code']} 已存在：改阶段用 chainmap project stage，改其他内容请导入台账")
        if not new and cur is None:
            raise Abort(f"没有项目 {raw['code']}：请用 chainmap project add 登记，或检查项目编号")
        merged = {**(dict(cur) if cur else {}), **{k: v for k, v in raw.items() if v is not None}}
        merged.update(dict.fromkeys(clear))  # moving back: the dates of the later stages go
        rec, problems = check_row(SHEETS["项目"], merged, known_from(conn, lib))
        if problems:
            raise Abort("；".join(f"{_PROJECT_OPTS.get(f, f)}: {m}" for f, m in problems))
        if cur is None:
            conn.execute(insert(projects).values(**rec))
            record_stage(conn, rec["code"], None, rec["stage"], "cli")
        else:
            conn.execute(update(projects).where(projects.c.code == rec["code"]).values(**rec))
            if cur["stage"] != rec["stage"]:
                record_stage(conn, rec["code"], cur["stage"], rec["stage"], "cli")
    engine.dispose()
    click.echo(f"{rec['code']} {rec['name']}：{rec['stage']}")


@click.group("project")
def project() -> None:
    """Quick edits of one project in the ledger (add one, move it to another stage)."""


@project.command("add")
@click.argument("code", metavar="ID")
@click.option("--name", required=True, help="项目名称.")
@click.option("--investor", help="投资方 (any firm; a library firm's name links it).")
@click.option("--credit-code", help="投资方统一社会信用代码 (checked).")
@click.option("--chain", help="产业链: id, name or alias from the library.")
@click.option("--link", help="环节: id, name or alias from the library.")
@click.option("--team", help="团队 (registered in the ledger).")
@click.option("--district", help="落地板块.")
@click.option("--stage", default="线索", show_default=True, help="阶段: 线索/在谈/签约/开工/投产/终止.")
@click.option("--planned", help="计划总投资 (亿元).")
@click.option("--paid-in", help="累计到资 (亿元).")
@click.option("--source", "lead_source", help="线索来源.")
@click.option("--first-contact", help="首次接触日期.")
@click.option("--signed", help="签约日期.")
@click.option("--started", help="开工日期.")
@click.option("--producing", help="投产日期.")
@click.option("--note", help="说明.")
@click.pass_obj
@_guard
def project_add(obj, code: str, **fields) -> None:
    """Add one project to the ledger (the same checks as the workbook import)."""
    _store_project(obj, {"code": code, **fields}, new=True)


@project.command("stage")
@click.argument("code", metavar="ID")
@click.argument("stage", metavar="STAGE")
@click.option("--date", "day", default=None, help="Date of the stage (签约/开工/投产 need it), e.g. 2023-03-01.")
@click.pass_obj
@_guard
def project_stage(obj, code: str, stage: str, day: str | None) -> None:
    """Move project ID to STAGE (线索/在谈/签约/开工/投产/终止); the change is kept in the history.

    Moving back (a correction) clears the dates of the later stages; a workbook import never moves a
    project back."""
    raw: dict = {"code": code, "stage": stage}
    if stage in _STAGE_DATE:
        if day is None:
            raise Abort(f"阶段“{stage}”需要日期：请加 --date，如 --date 2023-03-01")
        raw[_STAGE_DATE[stage]] = _day(day, "--date")
    order = ("线索", "在谈", "签约", "开工", "投产")
    later = order[order.index(stage) + 1 :] if stage in order else ()
    _store_project(obj, raw, new=False, clear=tuple(_STAGE_DATE[s] for s in later if s in _STAGE_DATE))


def _today(as_of: str | None) -> dt.date:
    return _day(as_of, "--as-of") if as_of else dt.date.today()


@click.command("projects")
@click.option("--stage", default=None, help="Only this stage (线索/在谈/签约/开工/投产/终止).")
@click.option("--chain", default=None, help="Only this chain (id, name or alias).")
@click.option("--team", default=None, help="Only this team.")
@click.option("--overdue", is_flag=True, help="Only projects signed but not started after the region's overdue_days.")
@click.option("--as-of", default=None, help="Day the overdue rule is applied on (default: today).")
@click.option("--region", default=None, help="Region profile (its scorecard.overdue_days; default: lianyungang).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True
)
@output_option("Write to this file (required for xlsx).")
@click.pass_obj
@_guard
def projects_cmd(obj, stage, chain, team, overdue, as_of, region, fmt, output) -> None:
    """项目库: the pipeline funnel by chain and stage, overdue flags and 到资 progress."""
    from .ledger import funnel, project_list, read_ledger
    from .ledger.pipeline import named
    from .ledger.report import records, to_csv
    from .ledger.resolve import Resolver
    from .ledger.schema import STAGES

    if stage and stage not in STAGES:
        raise Abort(f"--stage “{stage}”不是阶段：请用 {' / '.join(STAGES)} 之一")
    chain_id = None
    if chain:
        chain_id, why = Resolver(obj.lib).chain(chain)
        if why:
            raise Abort(f"--chain: {why}")
    reg = _region(obj, region)
    days = reg.scorecard.overdue_days if reg else 180
    engine = _engine(obj)
    data = read_ledger(engine)
    engine.dispose()
    df = named(
        project_list(
            data, _today(as_of), overdue_days=days, stage=stage, chain=chain_id, team=team, overdue_only=overdue
        ),
        obj.lib,
    )
    fun = funnel(df)
    if fmt == "json":
        _emit(
            json.dumps({"funnel": records(fun), "projects": records(df)}, ensure_ascii=False, indent=1) + "\n", output
        )
    elif fmt == "csv":
        _emit(to_csv(df, "projects"), output)
    elif fmt == "xlsx":
        if not output:
            raise Abort("--format xlsx 需要 -o 文件名.xlsx")
        from .ledger.report import projects_xlsx

        _emit(projects_xlsx(fun, df, days), output)
    else:
        _emit(_projects_table(fun, df, days), output)


def _projects_table(fun, df, days: int) -> str:
    from .ledger.report import funnel_label, label
    from .present.terminal import table_text

    text = table_text(fun.rename(columns=funnel_label), title=f"项目漏斗（{int(fun['projects'].iloc[-1])}个项目）")
    cols = ["code", "name", "chain", "team", "stage", "planned", "paid_share", "overdue"]
    people = df[cols].assign(
        paid_share=df["paid_share"].map(lambda x: "" if x is None else f"{x:.0%}"),
        overdue=df["overdue"].map(lambda x: "逾期" if x else ""),
    )
    return text + table_text(people.rename(columns=label), title=f"项目清单（逾期：签约后{days}天未开工）")


def _period(month: str | None, start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    from .ledger import month_period

    if month and (start or end):
        raise Abort("--month 与 --from/--to 只能选一种")
    if start or end:
        if not (start and end):
            raise Abort("--from 和 --to 要一起给，如 --from 2023-02-01 --to 2023-02-28")
        a, b = _day(start, "--from"), _day(end, "--to")
        if b < a:
            raise Abort(f"--to {b} 早于 --from {a}：请核对日期")
        return a, b
    if month is None:
        month = dt.date.today().strftime("%Y-%m")
    try:
        return month_period(month.strip().replace("/", "-").replace("年", "-").removesuffix("月"))
    except ValueError:
        raise Abort(f"--month “{month}”不是月份：请写作 2023-02") from None


@click.command("scorecard")
@click.option("--month", default=None, help="Month YYYY-MM (default: this month).")
@click.option("--from", "start", default=None, help="First day of the period (with --to).")
@click.option("--to", "end", default=None, help="Last day of the period (with --from).")
@click.option("--by", type=click.Choice(["team", "district"]), default="team", show_default=True)
@click.option("--region", default=None, help="Region profile whose scorecard weights are used (default: lianyungang).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx", "html"]), default="table", show_default=True
)
@output_option("Write to this file (required for xlsx).")
@click.pass_obj
@_guard
def scorecard_cmd(obj, month, start, end, by, region, fmt, output) -> None:
    """成绩单: trips, visits, projects, hosted, signings, starts and production per team or 板块 for a period,
    with year to date, change on the previous period and a weighted score and rank (weights: the region
    profile's scorecard section)."""
    from .ledger import read_ledger, scorecard
    from .ledger.report import card_html, card_xlsx, to_csv, to_json

    a, b = _period(month, start, end)
    reg = _region(obj, region)
    weights = reg.scorecard.weights.model_dump() if reg else None
    engine = _engine(obj)
    card = scorecard(read_ledger(engine), a, b, by=by, weights=weights)
    engine.dispose()
    name = reg.name if reg else ""
    if fmt == "json":
        _emit(to_json(card), output)
    elif fmt == "csv":
        _emit(to_csv(card, "scorecard"), output)
    elif fmt == "html":
        _emit(card_html(card, a, b, by=by, region=name), output)
    elif fmt == "xlsx":
        if not output:
            raise Abort("--format xlsx 需要 -o 文件名.xlsx")
        _emit(card_xlsx(card, a, b, by=by, region=name), output)
    else:
        _emit(_card_table(card, a, b, by, name), output)


_TERSE = {
    "trips": "外出",
    "visits": "拜访",
    "projects": "对接",
    "hosted": "接待",
    "signed": "签约",
    "signed_amount": "金额",
    "started": "开工",
    "producing": "投产",
    "score": "得分",
    "rank": "名次",
}


def _compact(df, title: str) -> str:
    """A table without vertical rules: eleven columns fit 80 terminal columns."""
    import io

    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, width=80, color_system=None, highlight=False, soft_wrap=False)
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 0), header_style="bold", show_edge=False)
    for i, col in enumerate(df.columns):
        table.add_column(escape(str(col)), justify="left" if i == 1 else "right", no_wrap=i != 1, overflow="fold")
    from rich.cells import cell_len

    table.columns[1].min_width = min(max([cell_len(str(v)) for v in df.iloc[:, 1]] + [4]), 24)
    for row in df.itertuples(index=False):
        table.add_row(*[escape(f"{v:g}" if isinstance(v, float) else str(v)) for v in row])
    console.print(table)
    return buf.getvalue()


def _card_table(card, a: dt.date, b: dt.date, by: str, region: str) -> str:
    from .ledger import MEASURES
    from .ledger.report import label, period_text

    key = "team" if by == "team" else "district"
    cols = ["rank", key, *MEASURES, "score"]
    title = f"{region} 招商成绩单 · {period_text(a, b)}（按{'团队' if by == 'team' else '板块'}）"
    table = _compact(card[cols].rename(columns=lambda c: _TERSE.get(c, label(c))), title)
    parts = [f"{_TERSE[m]}={label(m)}" for m in MEASURES]
    legend = "；".join(parts[:4]) + "\n" + "；".join(parts[4:])
    return table + f"{legend}\n本年累计与较上期：--format xlsx|html|json\n"


def register(main: click.Group) -> None:
    """Add the ledger's commands to the ``chainmap`` group."""
    for cmd in (ledger, project, projects_cmd, scorecard_cmd):
        main.add_command(cmd)
