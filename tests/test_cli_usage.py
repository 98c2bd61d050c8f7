"""Usage errors of the command line in Chinese (click's English kept in brackets), exit code 2, no
traceback: what an officer sees after a typo."""

from __future__ import annotations

import sys

import pytest

from chainmap.cli import run

CASES = [
    (["changes", "--kind", "foo"], "错误：--kind 的取值不对，可选：new、capital_up、status、moved、placed"),
    (["gaps", "--formt", "csv"], "错误：没有选项 --formt，是不是 --force 或 --format？"),
    (["review", "accept"], "错误：缺少参数 IDS"),
    (["targets", "--top", "x"], "错误：--top 要写一个数字"),
    (["gaps", "--format"], "错误：选项 --format 后面要写一个值"),
    (["show", "a", "b", "c"], "错误：命令行里有多余的参数：(b c)"),
    (["nosuch"], "错误：没有命令 nosuch"),
]


@pytest.mark.parametrize(("argv", "said"), CASES)
def test_usage_errors_are_told_in_chinese(argv, said, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["chainmap", *argv])
    with pytest.raises(SystemExit) as done:
        run()
    err = capsys.readouterr().err
    assert done.value.code == 2 and said in err and "Traceback" not in err, err
    assert "（" in err.splitlines()[-1] and err.splitlines()[-1].endswith("）")  # click's English kept
    if argv != ["gaps", "--format"]:  # click gives that one no context
        assert f"用法说明：chainmap {argv[0]}".rstrip() in err or "用法说明：chainmap --help" in err


def test_a_command_line_without_a_command_still_shows_the_help(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["chainmap"])
    with pytest.raises(SystemExit):
        run()
    out = capsys.readouterr()
    assert "Commands:" in out.out + out.err and "错误" not in out.err


def test_the_output_suffix_picks_the_format_and_a_contradiction_is_refused(tmp_path):
    import openpyxl
    from click.testing import CliRunner

    from chainmap.cli import main

    book = tmp_path / "缺链清单.xlsx"
    res = CliRunner().invoke(main, ["gaps", "-o", str(book)])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(book).sheetnames  # a workbook, not the terminal table under .xlsx
    listed = tmp_path / "目标企业.csv"
    assert CliRunner().invoke(main, ["targets", "--all", "-o", str(listed)]).exit_code == 0
    assert listed.read_text(encoding="utf-8-sig").startswith("排名,")
    wrong = tmp_path / "清单.csv"
    res = CliRunner().invoke(main, ["gaps", "--format", "xlsx", "-o", str(wrong)])
    assert res.exit_code == 2 and "扩展名不一致" in res.output and not wrong.exists(), res.output
    text = tmp_path / "清单.txt"  # a suffix that names no format: the table, as asked
    assert CliRunner().invoke(main, ["gaps", "-o", str(text)]).exit_code == 0
    assert "┃" in text.read_text(encoding="utf-8")
