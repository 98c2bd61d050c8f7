"""click's usage errors (a mistyped option, a missing argument, a value not among the choices) told in
Chinese first, with click's English kept in brackets, as the other messages of the tool are: officers
read these at the terminal when a command line goes wrong."""

from __future__ import annotations

import click
from click import exceptions as ce

__all__ = ["show_usage_error", "usage_message"]


def _name(param: click.Parameter | None, hint: str | None = None) -> str:
    if hint:
        return hint.strip("'\"")
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return (param.human_readable_name or param.name or "参数").upper()


def _bad_value(e: ce.BadParameter) -> str:
    name = _name(e.param, e.param_hint if isinstance(e.param_hint, str) else None)
    kind = getattr(e.param, "type", None)
    if isinstance(kind, click.Choice):
        return f"{name} 的取值不对，可选：{'、'.join(str(c) for c in kind.choices)}"
    if isinstance(kind, click.Path):
        return f"{name}：找不到这个路径，或不能读取（请检查路径和文件名）"
    if isinstance(kind, click.types._NumberParamTypeBase):
        return f"{name} 要写一个数字"
    return f"{name} 的取值不对"


def usage_message(e: click.UsageError) -> str:
    """The Chinese line for a click usage error, click's own message in brackets.

    Examples
    --------
    >>> usage_message(ce.NoSuchOption("--formt", possibilities=["--format"]))
    "没有选项 --formt，是不是 --format？（No such option '--formt'. Did you mean '--format'?）"
    >>> usage_message(click.UsageError("Got unexpected extra arguments (b c)"))
    '命令行里有多余的参数：(b c)（Got unexpected extra arguments (b c)）'
    """
    english = e.format_message()
    if isinstance(e, ce.NoSuchOption):
        near = sorted(e.possibilities or [])
        zh = f"没有选项 {e.option_name}" + (f"，是不是 {' 或 '.join(near)}？" if near else "")
    elif isinstance(e, ce.MissingParameter):
        what = "参数" if isinstance(e.param, click.Argument) else "选项"
        zh = f"缺少{what} {_name(e.param, e.param_hint if isinstance(e.param_hint, str) else None)}"
    elif isinstance(e, ce.BadParameter):
        zh = _bad_value(e)
    elif isinstance(e, ce.BadOptionUsage) and "requires an argument" in english:
        zh = f"选项 {e.option_name} 后面要写一个值"
    elif isinstance(e, ce.NoSuchCommand):
        zh = f"没有命令 {e.command_name}（--help 列出全部命令）"
    elif english.startswith("Got unexpected extra argument"):
        zh = "命令行里有多余的参数" + (f"：{english[english.index('(') :]}" if "(" in english else "")
    else:
        zh = "命令行写得不对"
    return f"{zh}（{english}）"


def show_usage_error(e: click.UsageError) -> None:
    """What :meth:`click.UsageError.show` prints, in Chinese: the usage line, where to find help, the error."""
    if e.ctx is not None:
        click.echo(e.ctx.get_usage(), err=True)
        click.echo(f"用法说明：{e.ctx.command_path} --help\n", err=True)
    click.echo(f"错误：{usage_message(e)}", err=True)
