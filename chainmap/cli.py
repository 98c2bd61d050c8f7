"""The `chainmap` command: a thin shell over the library (load -> build -> analyse -> present).

Commands parse options, call one library function and print or write what it returns. Errors are
mapped to exit codes in one place (:class:`ChainmapGroup`): bad input or usage -> a message and 2,
Ctrl-C -> one line and 130, a bug -> one line and 1 (``CHAINMAP_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .cli_geo import trips
from .cli_import import register as register_import_commands
from .cli_ledger import DB_HELP
from .cli_ledger import register as register_ledger
from .cli_options import (
    Ctx,
    api,
    chain_args,
    chain_selection,
    emit,
    format_option,
    list_options,
    output_option,
    pass_ctx,
    region_option,
)
from .cli_present import register as register_present
from .cli_usage import show_usage_error
from .entry import forget_interrupt
from .errors import ChainmapError, LoadError, UsageError
from .files import output_error

__all__ = ["main", "relaxed_gc", "run"]


# -- errors -> exit codes, in one place -------------------------------------------------------------


class Failed(click.ClickException):
    """Bad input or usage: print the lines, exit 2."""

    exit_code = 2

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))

    def show(self, file: Any = None) -> None:
        if self.message:
            click.echo(self.message, err=True)


class Interrupted(click.ClickException):
    """Ctrl-C: one line, exit 130."""

    exit_code = 130

    def show(self, file: Any = None) -> None:
        click.echo("已中断 (interrupted)", err=True)


def _lines(exc: ChainmapError) -> list[str]:
    if isinstance(exc, LoadError):
        return [str(p) for p in exc.problems] + [_found(len(exc.problems))]
    return [f"错误：{exc}"]


def _found(n: int) -> str:
    return f"共 {n} 处问题 · {n} problem(s) found"


def _silence_stdout() -> None:
    """The reader of our stdout went away (``| head``): send the rest nowhere, quietly."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _is_database_refusal(exc: Exception) -> bool:
    """A ledger read or write the database refused (read-only, full disk, locked): the user's to fix."""
    if type(exc).__module__ != "sqlalchemy.exc":
        return False
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError)


class ChainmapGroup(click.Group):
    """The command group; turns library errors into messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChainmapError as exc:
            raise Failed(_lines(exc)) from None
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(0) from None
        except OSError as exc:  # an input or output path the library did not wrap
            raise Failed(_lines(output_error(exc.filename or "?", exc))) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not bad input: still no traceback for the user
            if _is_database_refusal(exc):
                from .ledger.db import database_error

                raise Failed(_lines(database_error(exc))) from None
            if os.environ.get("CHAINMAP_DEBUG"):
                raise
            click.echo(
                f"内部错误：{type(exc).__name__}: {exc}\n这是 chainmap 的缺陷，请附上所运行的命令报告（设置 "
                "CHAINMAP_DEBUG=1 可看详情）。This is a bug in chainmap; please report it with the command you ran.",
                err=True,
            )
            raise click.exceptions.Exit(1) from None


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect garbage rarely while a command runs: a library with 100k+ imported firms is millions of
    long-lived objects that every collection would scan again (a one-shot process; saves seconds)."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@click.group(cls=ChainmapGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--chains",
    "chains_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Chain library folder (default: ./chains, else the bundled library).",
)
@click.option("--db", "db_url", envvar="CHAINMAP_DB", default=None, metavar="URL", help=DB_HELP)
@click.version_option(package_name="chainmap")
@click.pass_context
def main(ctx: click.Context, chains_dir: Path | None, db_url: str | None) -> None:
    """chainmap: 产业链招商地图 — chain maps, gaps, target firms and visit routes from YAML chain definitions."""
    ctx.obj = Ctx(chains_dir)
    ctx.obj.db_url = db_url
    ctx.with_resource(relaxed_gc())


# -- commands ---------------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option("text", "json")
@pass_ctx
def validate(ctx: Ctx, paths: tuple[Path, ...], fmt: str) -> None:
    """Check chain YAML files or library folders; print a summary per chain (exit 2 on any problem)."""
    from .validate import validate as check

    report = check(list(paths) or [ctx.chains_dir or api.default_library()])
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_validation_text(report), nl=False)
        for p in report.problems:
            click.echo(str(p), err=True)
    if not report.ok:
        raise Failed([_found(len(report.problems))] if fmt == "text" else [])


def _validation_text(report: Any) -> str:
    import pandas as pd

    from .present.terminal import table_text

    headers = ["链 chain", "名称", "环节段", "环节", "重点环节", "技术", "部件/材料", "研究机构", "企业"]
    out = []
    for r in report.results:
        if r.chains:
            out.append(table_text(pd.DataFrame(r.chains), headers))
        out.append(
            f"{r.path}: OK — {len(r.chains)} chains, {r.companies} companies"
            + (f" (+{r.imported:,} imported firms on chain nodes, in the store)" if r.imported else "")
            + f", {r.institutions} institutions, "
            f"regions: {', '.join(r.regions) or 'none'}\n"
        )
    return "".join(out)


@main.command()
@chain_selection
@region_option
@format_option("json")
@click.option(
    "--firms",
    type=click.Choice(["top", "all"]),
    default="top",
    show_default=True,
    help="top: the hand-curated firms and those a map shows (local, leading and larger firms per node, "
    "about 5,000); all: every firm, each imported one too (slow with a national import).",
)
@output_option()
@pass_ctx
def graph(
    ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, firms: str, output: str | None
) -> None:
    """Write the chain graph as networkx node-link JSON."""
    from .graph import to_node_link

    g = api.graph(ctx.lib, chain_args(chains, all_), region, firms=firms)
    if firms == "top":
        from .present.layout import limit_firms

        g = limit_firms(g)[0]
    emit(json.dumps(to_node_link(g), ensure_ascii=False, indent=1, sort_keys=True) + "\n", output)


@main.command()
@click.argument("chain")
@region_option
@pass_ctx
def show(ctx: Ctx, chain: str, region: str | None) -> None:
    """Print one chain (id or Chinese name) as a tree: segments -> links -> technologies, components, firms.
    A firm's id or name (hand-curated or imported into the firm store) prints its record instead."""
    from .present.terminal import chain_tree, firm_card

    try:
        cid = ctx.lib.resolve(chain, ["chain"])
    except UsageError:
        firm = api.find_firm(ctx.lib, chain)
        if firm is None:
            raise
        click.echo(firm_card(firm, ctx.lib.nodes), nl=False)
        return
    click.echo(chain_tree(api.graph(ctx.lib, cid, region), cid), nl=False)


def _emit_list(tables: dict, kind: str, fmt: str, output: str | None, title: str) -> None:
    """Write ``tables[kind]`` in a format; xlsx and table also carry the other tables given."""
    from .present import exports

    df = tables[kind]
    if fmt == "xlsx":
        if not output:
            raise UsageError("--format xlsx 要配 -o 文件名.xlsx：工作簿不能输出到终端")
        emit(exports.to_xlsx(tables), output)
    elif fmt == "json":
        emit(exports.to_json(df, kind), output)
    elif fmt == "csv":
        emit(exports.to_csv(df, kind), output)
    else:
        emit("".join(exports.to_table(t, k, title=title if k == kind else None) for k, t in tables.items()), output)


def exports_table(head, title: str, total: int) -> str:
    """The terminal table of the first target rows, its note counting all ``total``."""
    from .present import exports

    return exports.to_table(head, "targets", title=title, total=total)


@main.command()
@list_options
@pass_ctx
def gaps(ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, output: str | None) -> None:
    """缺链清单: every link, key technology and key component with its local status and gap type
    (补链 fill / 延链 extend / 强链 strengthen), highest priority first."""
    a = api.analyse(ctx.lib, chain_args(chains, all_), region, ledger=ctx.ledger, firms="none")
    title = f"{a.region.name} 缺链清单（{len(a.gaps)}个节点，缺口{int(a.gaps['gap_type'].notna().sum())}个）"
    tables = {"completeness": a.completeness, "gaps": a.gaps} if fmt in ("xlsx", "table") else {"gaps": a.gaps}
    _emit_list(tables, "gaps", fmt, output, title)


TOP = click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the best N.")


@main.command()
@list_options
@click.option("--gap", default=None, help="Only firms that would fill this gap node (id or Chinese name).")
@TOP
@pass_ctx
def targets(
    ctx: Ctx,
    chains: tuple[str, ...],
    all_: bool,
    region: str | None,
    fmt: str,
    output: str | None,
    gap: str | None,
    top: int | None,
) -> None:
    """目标企业清单: firms outside the region at the gap nodes, ranked by a transparent score."""
    from .present.exports import TABLE_MAX_ROWS

    a = api.analyse(ctx.lib, chain_args(chains, all_), region, gap=gap, top=top, ledger=ctx.ledger, firms="none")
    total = min(len(a.ranked), top) if top is not None else len(a.ranked)
    title = f"{a.region.name} 目标企业清单（{total}家）"
    if fmt == "table":  # the terminal shows the first rows: only those are built
        emit(exports_table(a.targets_head(min(total, TABLE_MAX_ROWS)), title, total), output)
    else:
        _emit_list({"targets": a.targets}, "targets", fmt, output, title)
    if len(a.excluded):
        why = "、".join(f"{k}{v}家" for k, v in a.excluded["status"].value_counts().sort_index().items())
        click.echo(f"另有{len(a.excluded)}家企业因登记状态（{why}）未列入目标企业清单。", err=True)


@main.command()
@list_options
@TOP
@pass_ctx
def routes(
    ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, output: str | None, top: int | None
) -> None:
    """招商线路图: the cities worth a trip, ranked by the value of the target firms there."""
    a = api.analyse(ctx.lib, chain_args(chains, all_), region, route_top=top, ledger=ctx.ledger)
    _emit_list({"routes": a.routes}, "routes", fmt, output, f"{a.region.name} 招商线路（{len(a.routes)}个城市）")


register_present(main)  # render, poster, report, demo: chainmap/cli_present.py


register_ledger(main)  # ledger, project, projects, scorecard (chainmap/cli_ledger.py)

main.add_command(trips)  # chainmap/cli_geo.py


def run() -> None:
    """Entry point of the `chainmap` script: exit 0, 2 (bad input or usage) or 130 (Ctrl-C), no traceback."""
    # Not click's standalone mode: it turns a Ctrl-C outside a command's body (while parsing, or while
    # click sets the context up) into "Aborted!" and exit 1.
    try:
        rv = main.main(prog_name="chainmap", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):  # before, during or after a command
        click.echo("已中断 (interrupted)", err=True)
        forget_interrupt()
        sys.exit(130)
    except click.ClickException as e:
        if isinstance(e, click.UsageError) and not isinstance(e, click.exceptions.NoArgsIsHelpError):
            show_usage_error(e)  # in Chinese, click's English in brackets
        else:
            e.show()
        if isinstance(e, Interrupted):
            forget_interrupt()
        sys.exit(e.exit_code)
    sys.exit(rv if isinstance(rv, int) else 0)


register_import_commands(main)  # import, changes, review: chainmap/cli_import.py


if __name__ == "__main__":
    run()
