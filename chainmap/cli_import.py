"""The importer's commands: ``chainmap import`` (and, later, ``changes`` and ``review``).

A thin shell over :func:`chainmap.importer.run_import`: options in, an :class:`ImportSummary` out,
printed as a Chinese table or JSON. Registered on the main group by :func:`register`.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from .cli_options import emit, output_option, region_option
from .errors import UsageError

__all__ = ["changes_cmd", "import_cmd", "register", "review_cmd"]


def register(group: click.Group) -> None:
    """Add the importer's commands to the ``chainmap`` group."""
    group.add_command(import_cmd)
    group.add_command(changes_cmd)
    group.add_command(review_cmd)


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise UsageError(f"{option} '{value}' 不是日期，请写作 2024-06-30") from None


def _interrupted(done: bool = False) -> None:
    """Ctrl-C: the workers are stopped and the temporary files removed by then; one line, exit 130.
    ``done``: it came after the switch (the import is in; only its summary is not shown)."""
    from .entry import forget_interrupt

    if done:
        click.echo("已中断：但导入已经完成并写入链库（只是未显示摘要）；再次导入同一文件不会重复记录。", err=True)
    else:
        click.echo("已中断：导入未完成，链库中已有的导入数据保持原样。", err=True)
    forget_interrupt()
    raise SystemExit(130)  # not click's Exit: a caller in non-standalone mode would turn that into a return


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option(
    "--repair",
    is_flag=True,
    help="Repair the library's import stores instead of importing: one record per firm again (the newest kept).",
)
@click.option("--chain", "chains", multiple=True, help="Place firms on these chains only (repeatable; default: all).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Store to write (.yaml or .parquet; default: <library>/imported/<file stem>.yaml, Parquet above 2000 firms).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Date the export's facts hold for (default: a date in the "
    "file name or title row, else the file's modification date).",
)
@click.option(
    "--dry-run", is_flag=True, help="Read, check and count as the import would; the library is left as it was."
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="'HEADER=field'",
    help="Say what an odd column holds, e.g. --map '单位全称=name' (field or Chinese label; '-' ignores).",
)
@click.option("--sheet", default=None, help="XLSX sheet to read (default: the first).")
@click.option(
    "--store",
    type=click.Choice(["auto", "yaml", "parquet"]),
    default="auto",
    show_default=True,
    help="Store kind when -o is not given.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Match confidence needed to place a firm on a node (default 0.6: products 1.0, business "
    "scope 0.7, industry 0.5, name 0.4, several fields add up).",
)
@click.option("--include-closed", is_flag=True, help="Also import deregistered / revoked firms (注销, 吊销).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes that clean and match a big CSV (default: one per core, at most 2; 1: this process only).",
)
@region_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def import_cmd(ctx: Any, file: Path | None, fmt: str, region: str | None, repair: bool, **kw: Any) -> None:
    """Import a company list (CSV / XLSX business-data export) and place the firms on the chains."""
    if repair:
        _repair(ctx, file, fmt, kw["output"])
        return
    if file is None:
        raise UsageError("请给出要导入的 CSV 或 XLSX 文件（或用 --repair 修复已有的导入数据）")
    if not file.exists():
        raise UsageError(f"找不到文件 {file}：请检查路径和文件名")
    if ctx.chains_dir is None and not (Path.cwd() / "chains").is_dir() and kw["output"] is None:
        raise UsageError("当前目录下没有 chains/ 链库：请用 --chains 指定要导入到的链库，或用 -o 指定输出文件")
    from .importer.early import start_early_read

    # the idle core reads the file's first ranges while the rest of the importer and the library load
    early = start_early_read(file, tuple(kw["maps"]), kw["workers"]) if not kw["sheet"] else None
    from .importer import DEFAULT_THRESHOLD, ImportOptions, run_import
    from .library import region_of

    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long 经营范围 cells
    try:
        lib = ctx.library(imported="none")  # the importer reads the stores itself
        opts = ImportOptions(
            file=file,
            chains=list(kw["chains"]) or None,
            output=kw["output"],
            as_of=_date(kw["as_of"], "--as-of"),
            dry_run=kw["dry_run"],
            maps=kw["maps"],
            sheet=kw["sheet"],
            store=kw["store"],
            include_closed=kw["include_closed"],
            threshold=DEFAULT_THRESHOLD if kw["threshold"] is None else kw["threshold"],
            region=region_of(lib, region),
            workers=kw["workers"],
        )
        summary = run_import(lib, opts, early)
    except KeyboardInterrupt as err:
        from .importer.store import Landed

        _interrupted(done=isinstance(err, Landed))
    finally:
        if early is not None:  # a library or an option that failed before the import began
            early.discard()
    try:
        from .import_report import summary_json, summary_text

        click.echo(summary_json(summary) + "\n" if fmt == "json" else summary_text(summary, lib), nl=False)
    except KeyboardInterrupt:
        _interrupted(done=not summary.dry_run)


def _repair(ctx: Any, file: Path | None, fmt: str, output: Path | None) -> None:
    """``import --repair``: works on the store files alone (the library may not load before it)."""
    import json

    from .importer.repair import repair_store

    if file is not None:
        raise UsageError("--repair 不导入文件：请去掉文件参数单独运行 chainmap import --repair")
    root = ctx.chains_dir if ctx.chains_dir is not None else Path("chains")
    folder = output.parent if output is not None else root / "imported"
    if not folder.is_dir():
        raise UsageError(f"{folder} 不存在：没有可修复的导入数据（用 --chains 指定链库）")
    try:
        r = repair_store(folder)
    except KeyboardInterrupt:
        _interrupted()
    if fmt == "json":
        click.echo(json.dumps(r.as_dict(), ensure_ascii=False, indent=2))
        return
    removed = sum(r.removed.values())
    click.echo(f"检查了 {folder} 中的 {r.files} 个导入文件、{r.records} 条记录。")
    if not removed:
        click.echo("没有重复记录，无需修复。")
        return
    click.echo(f"{len(r.firms)} 家企业有重复记录，删除了 {removed} 条较旧的（每家保留数据日期最新的一条）：")
    for f, n in r.removed.items():
        click.echo(f"  {f}：删除 {n} 条")


def _emit(data: str | bytes, output: Path | None) -> None:
    """stdout, or the -o file through the shared overwrite guard (only a file chainmap wrote, or --force)."""
    emit(data, output)


@click.command("changes")
@click.option("--since", default=None, help="Only changes dated on or after this day (2024-06-30).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["new", "capital_up", "status", "moved", "placed"]),
    help="Only these kinds (repeatable).",
)
@click.option("--chain", "chains", multiple=True, help="Only firms on these chains (id, Chinese name or alias).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True
)
@output_option("Write to this file (required for xlsx).", type=click.Path(path_type=Path))
@click.pass_obj
def changes_cmd(
    ctx: Any, since: str | None, kinds: tuple[str, ...], chains: tuple[str, ...], fmt: str, output: Path | None
) -> None:
    """Change signals between exports: new firms, capital increases, status changes, moves, new placements."""
    from .import_report import changes_output
    from .library import select_chains
    from .store import recent_signals

    lib = ctx.lib
    wanted = select_chains(lib, list(chains)) if chains else None
    df = recent_signals(lib.root, since=_date(since, "--since"), kinds=list(kinds) or None, chains=wanted)
    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx 需要用 -o 指定输出文件（.xlsx）")
    _emit(changes_output(df, fmt, lib), output)


@click.group("review", invoke_without_command=True)
@click.option("--chain", "chains", multiple=True, help="Only nodes of these chains.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True
)
@output_option("Write to this file (required for xlsx).", type=click.Path(path_type=Path))
@click.pass_context
def review_cmd(click_ctx: click.Context, chains: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Uncertain placements to review: list them, then `review accept|reject ID ...` or `review apply FILE`."""
    if click_ctx.invoked_subcommand is not None:
        return
    from .import_report import review_output
    from .importer.match import Matcher
    from .importer.review import review_items
    from .library import select_chains

    lib = click_ctx.obj.lib
    nodes = Matcher(lib, select_chains(lib, list(chains))).nodes if chains else None
    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx 需要用 -o 指定输出文件（.xlsx）")
    _keep_decisions(output, bool(click_ctx.meta.get("force")), lib.root / "imported")
    _emit(review_output(review_items(lib.root / "imported", nodes), fmt, lib), output)


def _keep_decisions(output: Path | None, force: bool, folder: Path) -> None:
    """A review list the user has begun to fill (a 决定 cell not yet applied) is never replaced without
    --force; one whose every decision is recorded already (applied) is."""
    if force or output is None or output.suffix.lower() not in (".csv", ".xlsx") or not output.is_file():
        return
    from .importer.review import recorded
    from .importer.reviewed import read_reviewed
    from .present.guard import is_ours

    if not is_ours(output):
        return  # the guard refuses it anyway, with its own message
    try:
        seen = read_reviewed(output)
        done = recorded(folder)
        filled = sum(done.get(r) != d for r, d in seen.choices.items()) + len(seen.problems)
    except UsageError:
        filled = 1  # something was written in the 决定 column
    if filled:
        raise UsageError(
            f"{output} 的“决定”一列有 {filled} 条尚未应用：请先运行 chainmap review apply {output}，"
            "或换一个文件名；确要覆盖请加 --force"
        )


def _decide(ctx: Any, choices: dict[str, str], reviewed: Any = None) -> None:
    from .importer.review import decide

    lib = ctx.lib
    kinds = {n: node.kind for n, node in lib.nodes.items()}
    where, problems = (reviewed.where, reviewed.problems) if reviewed is not None else (None, None)
    try:
        done = decide(lib.root / "imported", choices, kinds, where, problems)
    except KeyboardInterrupt:
        _interrupted()
    words = {"accept": "接受", "reject": "拒绝"}
    already = done.pop("already", 0)
    said = "，".join(f"{words[k]} {v} 条" for k, v in sorted(done.items()))
    line = f"已记录：{said}（以后重新导入时仍然有效）" if said else "没有新的决定要记录"
    if already:
        line += f"；另有 {already} 条此前已按同样的决定记录，未重复记录"
    click.echo(line)


@review_cmd.command("accept")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def review_accept(ctx: Any, ids: tuple[str, ...]) -> None:
    """Accept these placements (ids from `chainmap review`)."""
    _decide(ctx, dict.fromkeys(ids, "accept"))


@review_cmd.command("reject")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def review_reject(ctx: Any, ids: tuple[str, ...]) -> None:
    """Reject these placements (ids from `chainmap review`)."""
    _decide(ctx, dict.fromkeys(ids, "reject"))


@review_cmd.command("apply")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.pass_obj
def review_apply(ctx: Any, file: Path) -> None:
    """Apply a reviewed list (CSV / XLSX from `review --format csv|xlsx`, 决定 filled with 接受 / 拒绝)."""
    from .importer.reviewed import read_reviewed

    reviewed = read_reviewed(file)
    if not reviewed.choices and not reviewed.problems:
        click.echo(f"{file} 中没有填写决定（“决定”一列为空）")
        return
    _decide(ctx, reviewed.choices, reviewed)
