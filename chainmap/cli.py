"""The `chainmap` command: a thin shell over the library (load -> build -> analyse -> present)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import api
from .errors import ChainmapError, LoadError, UsageError
from .load import Library, load_library
from .present.files import write_atomic


class Ctx:
    def __init__(self, chains: Path | None):
        self.chains_dir = chains
        self._lib: Library | None = None

    @property
    def lib(self) -> Library:
        if self._lib is None:
            self._lib = api.load(self.chains_dir)
            # A library with 100k+ imported firms is millions of long-lived objects: keep the cyclic
            # GC from re-scanning them during the analysis (a one-shot process; saves seconds).
            import gc

            gc.freeze()
            gc.set_threshold(100_000, 50, 100)
        return self._lib


pass_ctx = click.make_pass_decorator(Ctx)


def emit(text: str | bytes, output: str | None) -> None:
    """Print to stdout, or write atomically to ``output``."""
    if output:
        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def chain_args(chains: tuple[str, ...], all_: bool) -> list[str] | None:
    if chains and all_:
        raise UsageError("give chain ids or --all, not both")
    return list(chains) or None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--chains",
    "chains_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Chain library folder (default: ./chains, else the bundled library).",
)
@click.version_option(package_name="chainmap")
@click.pass_context
def main(ctx: click.Context, chains_dir: Path | None) -> None:
    """chainmap: 产业链招商地图 — chain maps, gaps, target firms and visit routes from YAML chain definitions."""
    ctx.obj = Ctx(chains_dir)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def validate(ctx: Ctx, paths: tuple[Path, ...], fmt: str) -> None:
    """Check chain YAML files or library folders; print a summary per chain (exit 2 on any problem)."""
    from .analysis.summary import chain_counts
    from .graph import build_graph
    from .load import _display

    targets = list(paths) or [ctx.chains_dir or api.default_library()]
    results, problems = [], []
    for p in targets:
        if not p.exists():
            problems.append({"file": str(p), "line": 0, "column": 0, "message": "no such file or folder"})
            continue
        root, only = (p, None) if p.is_dir() else (_library_root(p), [p])
        try:
            lib = load_library(root, only=only)
        except LoadError as err:
            problems += [pr.as_dict() for pr in err.problems]
            continue
        counts = chain_counts(build_graph(lib))
        if only:
            stem = p.stem
            counts = counts[counts["chain"] == stem] if stem in lib.chains else counts.iloc[0:0]
        results.append(
            {
                "path": _display(p),
                "chains": counts.to_dict("records"),
                "companies": len(lib.companies),
                "institutions": len(lib.institutions),
                "regions": sorted(lib.regions),
            }
        )
    if fmt == "json":
        click.echo(
            json.dumps({"ok": not problems, "results": results, "problems": problems}, ensure_ascii=False, indent=2)
        )
    else:
        from .present.terminal import table_text

        for r in results:
            import pandas as pd

            df = pd.DataFrame(r["chains"])
            if not df.empty:
                click.echo(
                    table_text(
                        df, ["链 chain", "名称", "环节段", "环节", "重点环节", "技术", "部件/材料", "研究机构", "企业"]
                    ),
                    nl=False,
                )
            click.echo(
                f"{r['path']}: OK — {len(r['chains'])} chains, {r['companies']} companies, "
                f"{r['institutions']} institutions, regions: {', '.join(r['regions']) or 'none'}"
            )
        for pr in problems:
            loc = f"{pr['file']}:{pr['line']}:{pr['column']}" if pr["line"] else pr["file"]
            click.echo(f"{loc}: {pr['message']}", err=True)
        if problems:
            click.echo(f"{len(problems)} problem(s) found", err=True)
    if problems:
        sys.exit(2)


def _library_root(file: Path) -> Path:
    parent = file.resolve().parent
    from .load import SUBDIRS

    return parent.parent if parent.name in SUBDIRS else parent


@main.command()
@click.argument("chains", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All chains of the library, merged on shared links.")
@click.option("--region", default=None, help="Region profile id (default: lianyungang).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(), default=None, help="Write to this file instead of stdout.")
@pass_ctx
def graph(ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, output: str | None) -> None:
    """Write the chain graph as networkx node-link JSON."""
    from .graph import to_node_link

    g = api.graph(ctx.lib, chain_args(chains, all_), region)
    emit(json.dumps(to_node_link(g), ensure_ascii=False, indent=1, sort_keys=True) + "\n", output)


@main.command()
@click.argument("chain")
@click.option("--region", default=None, help="Region profile id (marks local firms).")
@pass_ctx
def show(ctx: Ctx, chain: str, region: str | None) -> None:
    """Print one chain as a tree: segments -> links -> technologies, components, firms."""
    from .present.terminal import chain_tree

    g = api.graph(ctx.lib, [chain], region)
    click.echo(chain_tree(g, chain), nl=False)


FORMATS = click.Choice(["table", "csv", "json", "xlsx"])


def _list_options(f):
    f = click.option("-o", "--output", type=click.Path(), default=None, help="Write to this file (required for xlsx).")(
        f
    )
    f = click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)(f)
    f = click.option("--region", default=None, help="Region profile id (default: lianyungang).")(f)
    f = click.option("--all", "all_", is_flag=True, help="All chains of the library.")(f)
    f = click.argument("chains", nargs=-1)(f)
    return f


def _emit_list(tables: dict, kind: str, fmt: str, output: str | None, title: str) -> None:
    """Write ``tables[kind]`` in a format; xlsx and table also carry the other tables given."""
    from .present import exports

    df = tables[kind]
    if fmt == "xlsx":
        if not output:
            raise UsageError("--format xlsx needs -o FILE.xlsx (a workbook cannot go to the terminal)")
        emit(exports.to_xlsx(tables), output)
    elif fmt == "json":
        emit(exports.to_json(df, kind), output)
    elif fmt == "csv":
        emit(exports.to_csv(df, kind), output)
    else:
        text = "".join(exports.to_table(t, k, title=title if k == kind else None) for k, t in tables.items())
        emit(text, output)


@main.command()
@_list_options
@pass_ctx
def gaps(ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, output: str | None) -> None:
    """缺链清单: every link, key technology and key component with its local status and gap type
    (补链 fill / 延链 extend / 强链 strengthen), highest priority first."""
    a = api.analyse(ctx.lib, chain_args(chains, all_), region)
    title = f"{a.region.name} 缺链清单（{len(a.gaps)}个节点，缺口{int(a.gaps['gap_type'].notna().sum())}个）"
    tables = {"completeness": a.completeness, "gaps": a.gaps} if fmt in ("xlsx", "table") else {"gaps": a.gaps}
    _emit_list(tables, "gaps", fmt, output, title)


@main.command()
@_list_options
@click.option("--gap", default=None, help="Only firms that would fill this gap node (a node id).")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the best N firms.")
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
    a = api.analyse(ctx.lib, chain_args(chains, all_), region, gap=gap, top=top)
    title = f"{a.region.name} 目标企业清单（{len(a.targets)}家）"
    _emit_list({"targets": a.targets}, "targets", fmt, output, title)


@main.command()
@_list_options
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the best N cities.")
@pass_ctx
def routes(
    ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, fmt: str, output: str | None, top: int | None
) -> None:
    """招商线路图: the cities worth a trip, ranked by the value of the target firms there."""
    a = api.analyse(ctx.lib, chain_args(chains, all_), region, route_top=top)
    title = f"{a.region.name} 招商线路（{len(a.routes)}个城市）"
    _emit_list({"routes": a.routes}, "routes", fmt, output, title)


@main.command()
@click.argument("chains", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All chains of the library.")
@click.option("--region", default=None, help="Region profile id (default: lianyungang).")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the best N target firms.")
@click.option("-o", "--output", type=click.Path(), required=True, help="The workbook to write (.xlsx).")
@pass_ctx
def report(ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, top: int | None, output: str) -> None:
    """One workbook with 产业链完整度, 缺链清单, 目标企业清单 and 招商线路 of one run."""
    from .analysis.trips import itinerary
    from .present import exports

    a = api.analyse(ctx.lib, chain_args(chains, all_), region, top=top)
    tables = {"completeness": a.completeness, "gaps": a.gaps, "targets": a.targets, "routes": a.routes}
    emit(exports.to_xlsx(tables | {"trips": itinerary(a.routes, a.region)}), output)


@main.command()
@click.argument("chains", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All chains of the library (the default when no chain is given).")
@click.option("--region", default=None, help="Region profile id (default: lianyungang).")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(path_type=Path),
    default=Path("chainmap-out"),
    show_default=True,
    help="Folder for the HTML maps.",
)
@click.option(
    "--firm-cap",
    type=click.IntRange(min=0),
    default=None,
    help="Firms shown per link before a '+N' node that expands (default: 12).",
)
@pass_ctx
def render(
    ctx: Ctx, chains: tuple[str, ...], all_: bool, region: str | None, outdir: Path, firm_cap: int | None
) -> None:
    """Offline HTML maps (招商地图): DIR/<chain>.html, DIR/panorama.html and DIR/index.html."""
    paths = api.render(ctx.lib, chain_args(chains, all_), region, outdir, firm_cap=firm_cap)
    for p in paths:
        click.echo(f"wrote {p}", err=True)
    click.echo(f"{len(paths)} pages; open {outdir / 'index.html'} in a browser (works offline)")


@main.command()
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(path_type=Path),
    default=Path("chainmap-out"),
    show_default=True,
    help="Folder for the maps and lists.",
)
@click.option("--region", default=None, help="Region profile id (default: lianyungang).")
@pass_ctx
def demo(ctx: Ctx, outdir: Path, region: str | None) -> None:
    """The main job on the whole library: 招商地图 (HTML), lists (XLSX + CSV) and a gap summary."""
    from .present import exports
    from .present.terminal import table_text

    lib = ctx.lib
    a = api.analyse(lib, None, region)
    pages = api.render(lib, None, a.region.id, outdir)
    tables = {"completeness": a.completeness, "gaps": a.gaps, "targets": a.targets, "routes": a.routes}
    from .analysis.trips import itinerary

    trips = itinerary(a.routes, a.region)
    written = [write_atomic(outdir / "招商清单.xlsx", exports.to_xlsx(tables | {"trips": trips}))]
    for kind, name in (("gaps", "缺链清单"), ("targets", "目标企业清单"), ("routes", "招商线路")):
        written.append(write_atomic(outdir / f"{name}.csv", exports.to_csv(tables[kind], kind)))
    open_gaps = a.gaps[a.gaps["gap_type"].notna()]
    click.echo(exports.to_table(a.completeness, "completeness", title=f"{a.region.name} 产业链完整度"), nl=False)
    click.echo(
        table_text(
            exports.for_people(
                open_gaps.head(15), "gaps", ["priority", "gap_type", "name", "kind", "chain", "candidates", "reason"], 8
            ),
            title=f"优先缺口（前15，共{len(open_gaps)}个）",
        ),
        nl=False,
    )
    click.echo(
        table_text(
            exports.for_people(a.targets.head(10), "targets", ["rank", "name", "city", "score", "why"]),
            title=f"目标企业（前10，共{len(a.targets)}家）",
        ),
        nl=False,
    )
    click.echo(
        table_text(
            exports.for_people(a.routes.head(8), "routes", ["rank", "city", "score", "firm_count", "firm_names"], 8),
            title=f"招商线路（前8，共{len(a.routes)}个城市）",
        ),
        nl=False,
    )
    click.echo(f"\n地图 maps: {outdir / 'index.html'}（{len(pages)} pages）")
    if (outdir / "geo.html").exists():
        click.echo(f"地理地图 geo map: {outdir / 'geo.html'}（{trips['trip'].nunique()} 趟外出行程）")
    click.echo("清单 lists: " + "、".join(str(p) for p in written))


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
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
@click.option("--dry-run", is_flag=True, help="Read, check and count; write nothing.")
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
@click.option("--region", default=None, help="Region profile whose local firms are counted (default: lianyungang).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def import_cmd(
    ctx: Ctx,
    file: Path,
    chains: tuple[str, ...],
    output: Path | None,
    as_of: str | None,
    dry_run: bool,
    maps: tuple[str, ...],
    sheet: str | None,
    store: str,
    threshold: float | None,
    include_closed: bool,
    region: str | None,
    fmt: str,
) -> None:
    """Import a company list (CSV / XLSX business-data export) and place the firms on the chains."""
    import datetime as dt

    from .importer import DEFAULT_THRESHOLD, ImportOptions, run_import
    from .importer.report import summary_json, summary_text

    if not file.exists():
        raise UsageError(f"找不到文件 {file}：请检查路径和文件名")
    if ctx.chains_dir is None and not (Path.cwd() / "chains").is_dir() and output is None:
        raise UsageError("当前目录下没有 chains/ 链库：请用 --chains 指定要导入到的链库，或用 -o 指定输出文件")
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of.strip().replace("/", "-"))
        except ValueError:
            raise UsageError(f"--as-of '{as_of}' 不是日期，请写作 2024-06-30") from None
    lib = ctx.lib
    opts = ImportOptions(
        file=file,
        chains=list(chains) or None,
        output=output,
        as_of=day,
        dry_run=dry_run,
        maps=maps,
        sheet=sheet,
        store=store,
        include_closed=include_closed,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        region=api.region(lib, region),
    )
    summary = run_import(lib, opts)
    click.echo(summary_json(summary) if fmt == "json" else summary_text(summary, lib), nl=False)
    if fmt == "json":
        click.echo()


def _finish() -> None:
    """Leave without tearing down the heap: with a million imported firms loaded, freeing every
    object one by one takes most of a second, and the OS reclaims it all at once anyway. Every file
    is written and closed by now (write_atomic); only the standard streams need a flush."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


from .cli_geo import trips as _trips  # noqa: E402 - registers `chainmap trips` (needs main defined above)

main.add_command(_trips)


def run() -> None:
    """Entry point: bad input or usage exits 2 with a message, never a traceback."""
    try:
        main.main(standalone_mode=False)
        _finish()
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except LoadError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found", err=True)
        sys.exit(2)
    except ChainmapError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: still no traceback for the user
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in chainmap; please report it with the command you ran "
            "(set CHAINMAP_DEBUG=1 for details).",
            err=True,
        )
        import os

        if os.environ.get("CHAINMAP_DEBUG"):
            raise
        sys.exit(1)


if __name__ == "__main__":
    run()
