"""The commands that write files for people: render (pages), poster, report (workbook) and demo.

A thin shell over chainmap.present: every file is written atomically and never over a file chainmap did
not write, unless --force.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_options import api, outdir_option, region_option
from .errors import UsageError
from .files import write_atomic

__all__ = ["register"]

FORCE = click.option("--force", is_flag=True, help="Replace existing files even if chainmap did not write them.")


def _chains(chains: tuple[str, ...], all_: bool) -> list[str] | None:
    if chains and all_:
        raise UsageError("give chain ids or --all, not both")
    return list(chains) or None


def _context(a: api.Analysis) -> dict[str, Any]:
    """What the workbook's 说明 sheet and headers need from an analysis."""
    from .present.atlas import data_date
    from .vocab import chain_node

    g = a.graph
    names = {cid: g.nodes[chain_node(cid)]["name"] for cid in g.graph.get("chains") or [] if chain_node(cid) in g}
    names["all"] = "全部"
    return {
        "region": a.region.name,
        "as_of": data_date(g),
        "chain_names": names,
        "maxima": dict(a.region.weights.model_dump()) if hasattr(a.region.weights, "model_dump") else {},
    }


def _workbook(a: api.Analysis) -> bytes:
    from .analysis.trips import itinerary
    from .present import exports

    tables = {"completeness": a.completeness, "gaps": a.gaps, "targets": a.targets, "routes": a.routes}
    tables["trips"] = itinerary(a.routes, a.region)  # the trips as a printable itinerary (chainmap trips)
    tables["first_wave"] = a.first_wave
    if len(a.excluded):
        tables["excluded"] = a.excluded
    if a.feasibility is not None:  # computed only from an imported national firm list
        tables["feasibility"] = a.feasibility
    return exports.to_xlsx(tables, **_context(a))


@click.command()
@click.argument("chains", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All chains of the library (the default when no chain is given).")
@region_option
@outdir_option("Folder for the pages.")
@click.option(
    "--firm-cap",
    type=click.IntRange(min=0),
    default=None,
    help="Firms shown per link in the network tab before a '+N' node (default: 12).",
)
@FORCE
@click.pass_obj
def render(
    ctx: Any, chains: tuple[str, ...], all_: bool, region: str | None, outdir: Path, firm_cap: int | None, force: bool
) -> None:
    """Offline pages: DIR/<chain>.html (招商图谱 + 关系网络), DIR/panorama.html (全景矩阵), DIR/index.html."""
    paths = api.render(
        ctx.lib, _chains(chains, all_), region, outdir, firm_cap=firm_cap, force=force, ledger=ctx.ledger
    )
    for p in paths:
        click.echo(f"wrote {p}", err=True)
    click.echo(f"{len(paths)} pages; open {outdir / 'index.html'} in a browser (works offline)")


@click.command()
@click.argument("chain", required=False)
@click.option("--all", "all_", is_flag=True, help="A poster for every chain (then -o is a folder).")
@click.option(
    "--size",
    type=click.Choice(["a3", "a4", "ppt"]),
    default="a3",
    show_default=True,
    help="A3 or A4 landscape, or 16:9 for a PowerPoint slide.",
)
@region_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "pdf", "png"]),
    default=None,
    help="With --all: the format of the files (default: pdf). One chain: taken from -o's suffix.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="FILE.svg|.pdf|.png, or a folder with --all."
)
@FORCE
@click.pass_obj
def poster(
    ctx: Any, chain: str | None, all_: bool, size: str, region: str | None, fmt: str | None, output: Path, force: bool
) -> None:
    """招商图谱 poster: title, region, data date, legend, segment columns, link boxes with status,
    local firms and top targets with city, source note. SVG and PDF keep text as text; PNG at 150 dpi."""
    from .present.site import write_posters

    if bool(chain) == all_:
        raise UsageError("give one chain, or --all (with -o DIR)")
    lib = ctx.lib
    reg = api.region(lib, region)
    analyse = api.analyser(lib, reg.id if reg else None, ctx.ledger)
    if all_:
        from .graph import select_chains

        paths = write_posters(
            lib,
            select_chains(lib, None),
            reg,
            output,
            size=size,
            suffix="." + (fmt or "pdf"),
            force=force,
            analyse=analyse,
        )
    else:
        from .graph import select_chains

        cid = select_chains(lib, [chain])[0]
        paths = write_posters(lib, [cid], reg, output, size=size, suffix=None, force=force, analyse=analyse)
    for p in paths:
        click.echo(f"wrote {p}")


@click.command()
@click.argument("chains", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All chains of the library.")
@region_option
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the best N target firms.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The workbook to write (.xlsx).")
@FORCE
@click.pass_obj
def report(
    ctx: Any, chains: tuple[str, ...], all_: bool, region: str | None, top: int | None, output: Path, force: bool
) -> None:
    """One workbook: 说明, 产业链完整度, 缺链清单, 全部节点状态, 目标企业清单 and 招商线路, ready to print."""
    from .present.guard import check_writable

    check_writable([output], force)
    a = api.analyse(ctx.lib, _chains(chains, all_), region, top=top, ledger=ctx.ledger)
    write_atomic(output, _workbook(a))
    click.echo(f"wrote {output}", err=True)


@click.command()
@outdir_option("Folder for the pages, lists and posters.")
@region_option
@FORCE
@click.pass_obj
def demo(ctx: Any, outdir: Path, region: str | None, force: bool) -> None:
    """The main job on the whole library: 招商图谱 pages, A3 posters (PDF), lists (XLSX + CSV), a summary."""
    from .graph import select_chains
    from .present import exports
    from .present.guard import check_writable
    from .present.site import write_posters

    lib = ctx.lib
    a = api.analyse(lib, None, region, ledger=ctx.ledger)
    from .ledger.example import write_example  # 示例台账 and its 成绩单, marked 示例数据 (no real firm)

    lists = {"gaps": "缺链清单", "targets": "目标企业清单", "routes": "招商线路"}
    files = [outdir / "招商清单.xlsx"] + [outdir / f"{n}.csv" for n in lists.values()]
    example = write_example(lib, a.region)
    check_writable(files + [outdir / name for name in example], force)
    chains = select_chains(lib, None)
    analyse = api.analyser(lib, a.region.id, ctx.ledger)
    posters = write_posters(
        lib, chains, a.region, outdir / "posters", size="a3", suffix=".pdf", force=force, analyse=analyse
    )
    names = _context(a)["chain_names"]
    extras = (
        [("招商清单.xlsx", "招商清单.xlsx")]
        + [(f"{names.get(p.stem, p.stem)} 图谱海报(A3 PDF)", f"posters/{p.name}") for p in posters]
        + [
            ("示例数据：成绩单（网页）", "示例成绩单.html"),
            ("示例数据：成绩单（Excel）", "示例成绩单.xlsx"),
            ("示例数据：招商台账（Excel）", "示例台账.xlsx"),
        ]
    )
    pages = api.render(lib, None, a.region.id, outdir, force=force, extras=extras, ledger=ctx.ledger)
    written = [write_atomic(files[0], _workbook(a))]
    tables = {"gaps": a.gaps, "targets": a.targets, "routes": a.routes}
    for (kind, _name), path in zip(lists.items(), files[1:], strict=True):
        written.append(write_atomic(path, exports.to_csv(tables[kind], kind)))
    written += [write_atomic(outdir / name, data) for name, data in example.items()]
    _summary(a)
    click.echo(f"\n图谱 pages: {outdir / 'index.html'}（{len(pages)} 页）")
    click.echo(f"海报 posters: {outdir / 'posters'}（{len(posters)} 张 A3 PDF）")
    click.echo("清单 lists: " + "、".join(str(p) for p in written))


def _summary(a: api.Analysis) -> None:
    from .present import exports
    from .present.terminal import table_text

    click.echo(exports.to_table(a.completeness, "completeness", title=f"{a.region.name} 产业链完整度"), nl=False)
    open_gaps = a.gaps[a.gaps["gap_type"].notna()]
    cols = ["priority", "gap_type", "name", "chain", "candidates", "reason"]
    click.echo(
        table_text(
            exports.for_people(open_gaps.head(15), "gaps", cols, 8), title=f"优先缺口（前15，共{len(open_gaps)}个）"
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
    cols = ["rank", "city", "score", "firm_count", "firm_names"]
    click.echo(
        table_text(
            exports.for_people(a.routes.head(8), "routes", cols, 8), title=f"招商线路（前8，共{len(a.routes)}个城市）"
        ),
        nl=False,
    )


def register(main: click.Group) -> None:
    """Add the commands to the ``chainmap`` group."""
    for cmd in (render, poster, report, demo):
        main.add_command(cmd)
