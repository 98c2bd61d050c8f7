"""The pieces every `chainmap` command shares, declared once: the run's state (:class:`Ctx`: the
library and the ledger, loaded on first use), the common options and :func:`emit`. The command
modules (cli.py, cli_present.py, cli_geo.py, cli_import.py, cli_ledger.py) import them from here."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from .errors import UsageError
from .files import write_atomic

if TYPE_CHECKING:  # the library's modules (pydantic, pyarrow: ~0.3 s) load when a command needs them
    from .load import Library

__all__ = [
    "REGION_HELP",
    "api",
    "lazy_module",
    "Ctx",
    "chain_args",
    "chain_selection",
    "emit",
    "format_option",
    "list_options",
    "outdir_option",
    "output_option",
    "pass_ctx",
    "region_option",
]


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, imported when an attribute of it is first used (importlib's LazyLoader
    recipe). The analysis API brings in pandas, networkx and the analyses (about a second): commands
    that need none of it (import, review, changes, the ledger's) start without it."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - our own modules are always found
        raise ImportError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


api = lazy_module("chainmap.api")


class Ctx:
    """The library of this run, loaded on first use."""

    def __init__(self, chains: Path | None):
        self.chains_dir = chains
        self._lib: Library | None = None

    @property
    def lib(self) -> Library:
        return self.library()

    def library(self, imported: str = "store") -> Library:
        """The library (``imported``: see :func:`chainmap.load.load_library`; the first call decides)."""
        if self._lib is None:
            from .library import default_library
            from .load import load_library

            root = Path(self.chains_dir) if self.chains_dir else default_library()
            self._lib = load_library(root, imported=imported)
        return self._lib

    @property
    def ledger(self) -> Any:
        """What the ledger (--db, CHAINMAP_DB or the library's default) tells lists and maps; None without one."""
        if not hasattr(self, "_ledger"):
            self._ledger = api.ledger_of(self.lib, getattr(self, "db_url", None), self.chains_dir)
        return self._ledger


pass_ctx = click.make_pass_decorator(Ctx)
Decorator = Callable[[Callable], Callable]

REGION_HELP = "Region profile (id or name; default: the profile marked `default: true`, or $CHAINMAP_REGION)."


def chain_selection(f: Callable) -> Callable:
    """CHAIN ... arguments (ids or Chinese names) and --all."""
    f = click.option("--all", "all_", is_flag=True, help="All chains of the library, merged on shared links.")(f)
    return click.argument("chains", nargs=-1)(f)


def region_option(f: Callable) -> Callable:
    """--region R."""
    return click.option("--region", default=None, help=REGION_HELP)(f)


def format_option(*choices: str, default: str | None = None) -> Decorator:
    """--format with these choices (the first is the default)."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default or choices[0], show_default=True)


def _remember_force(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["force"] = True


def output_option(help: str = "Write to this file instead of stdout.", **kw: Any) -> Decorator:
    """-o / --output, with --force (replace a file chainmap did not write; read by :func:`emit`)."""
    kw.setdefault("type", click.Path())

    def deco(f: Callable) -> Callable:
        f = _format_from_suffix(f)
        f = click.option(
            "--force",
            is_flag=True,
            expose_value=False,
            callback=_remember_force,
            help="Replace the -o file even when chainmap did not write it.",
        )(f)
        return click.option("-o", "--output", help=help, **kw)(f)

    return deco


#: The format a file name's suffix asks for.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def _format_from_suffix(f: Callable) -> Callable:
    """-o 清单.xlsx without --format writes a workbook (it wrote the terminal table into a file Excel
    cannot open); a --format the suffix contradicts is refused rather than written under a wrong name."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out, fmt = kwargs.get("output"), kwargs.get("fmt")
        want = SUFFIX_FORMATS.get(Path(out).suffix.lower()) if out and fmt else None
        if want and want != fmt:
            ctx = click.get_current_context()
            choices = next((p.type.choices for p in ctx.command.params if p.name == "fmt"), ())
            if want in choices and ctx.get_parameter_source("fmt") == ParameterSource.DEFAULT:
                kwargs["fmt"] = want
            elif want in choices:
                raise UsageError(
                    f"--format {fmt} 与 -o {out} 的扩展名不一致：去掉 --format（按扩展名写），"
                    f"或把文件名改成 .{fmt if fmt != 'table' else 'txt'}"
                )
        return f(*args, **kwargs)

    return wrapper


def outdir_option(help: str) -> Decorator:
    """-o / --output DIR for commands that write a folder (default chainmap-out)."""
    return click.option(
        "-o",
        "--output",
        "outdir",
        type=click.Path(path_type=Path),
        default=Path("chainmap-out"),
        show_default=True,
        help=help,
    )


def chain_args(chains: tuple[str, ...], all_: bool) -> list[str] | None:
    """The chain selection of CHAIN ... / --all (None = all)."""
    if chains and all_:
        raise UsageError("give chain ids or --all, not both")
    return list(chains) or None


def emit(text: str | bytes, output: str | Path | None) -> None:
    """Print to stdout, or write atomically to ``output`` (never over a file chainmap did not write,
    unless --force)."""
    if output:
        from .present.guard import check_writable

        ctx = click.get_current_context(silent=True)
        check_writable([Path(output)], bool(ctx and ctx.meta.get("force")))
        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    else:
        click.echo(text, nl=not text.endswith("\n"))


def list_options(f: Callable) -> Callable:
    """The options every list command shares: CHAIN ... / --all, --region, --format, -o."""
    f = output_option("Write to this file (required for xlsx).")(f)
    f = format_option("table", "csv", "json", "xlsx")(f)
    return chain_selection(region_option(f))
