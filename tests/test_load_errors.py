"""Every class of input error is reported with its file, line and column, all at once, exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainmap import LoadError, load_library

from .conftest import run_cli


def problems(root: Path) -> list[str]:
    with pytest.raises(LoadError) as info:
        load_library(root)
    return [f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}" for p in info.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_mini_library_loads(mini):
    lib = load_library(mini)
    assert list(lib.chains) == ["alpha", "beta"]
    assert lib.chains["beta"].links == ["b1", "shared", "a2", "b2"] + ["b3"]
    assert ("a2", "b2") in lib.feeds and ("shared", "a2") in lib.feeds


def test_typo_in_field_name_suggests_the_right_one(mini):
    f = mini / "alpha.yaml"
    edit(f, "        feeds: [a3]", "        feed: [a3]")
    [msg] = problems(mini)
    assert msg == f"alpha.yaml:{line_of(f, 'feed: [a3]')}:9: unknown field 'feed' (did you mean 'feeds'?)"


def test_tab_in_indentation(mini):
    f = mini / "companies" / "firms.yaml"
    edit(f, "    operates: [a3]", "\toperates: [a3]")
    [msg] = problems(mini)
    assert msg.startswith(f"firms.yaml:{line_of(f, chr(9) + 'operates')}:1: YAML syntax error")
    assert "tabs" in msg


def test_missing_colon(mini):
    f = mini / "beta.yaml"
    edit(f, "    name: 上游", "    name 上游")
    [msg] = problems(mini)
    assert re.match(rf"beta\.yaml:{line_of(f, 'name 上游')}:\d+: YAML syntax error: could not find expected ':'", msg)


def test_reference_to_a_renamed_link(mini):
    f = mini / "alpha.yaml"
    edit(f, "        feeds: [a4]", "        feeds: [a4_renamed]")
    [msg] = problems(mini)
    assert msg == f"alpha.yaml:{line_of(f, 'a4_renamed')}:17: unknown link 'a4_renamed' in feeds (did you mean 'a4'?)"


def test_wrong_type_and_missing_required_field(mini):
    f = mini / "companies" / "firms.yaml"
    edit(f, "    tags: [上市]", "    tags: 上市\n    employees: many")
    edit(f, "  - id: far_b2\n    name: 远方贝制品有限公司\n", "  - id: far_b2\n")
    msgs = problems(mini)
    assert (
        f"firms.yaml:{line_of(f, 'tags: 上市')}:11: 'tags' should be a list (`- item` lines, or [a, b]), got str '上市'"
        in msgs
    )
    assert f"firms.yaml:{line_of(f, 'employees: many')}:16: 'employees' should be a number, got str 'many'" in msgs
    assert any(m.startswith(f"firms.yaml:{line_of(f, 'id: far_b2')}:5: missing required field 'name'") for m in msgs)
    assert len(msgs) == 3


def test_missing_source_and_as_of_explained(mini):
    f = mini / "companies" / "firms.yaml"
    edit(f, "    source: 测试数据\n    as_of: 2024-01-01\n  - id: home_a1_small", "  - id: home_a1_small")
    msgs = problems(mini)
    assert any("missing required field 'source'" in m and "document" in m for m in msgs)
    assert any("missing required field 'as_of'" in m for m in msgs)


def test_duplicate_id_points_at_both(mini):
    f = mini / "beta.yaml"
    edit(f, "      - id: b2\n        name: 贝制品", "      - id: a3\n        name: 贝制品")
    msgs = problems(mini)
    assert any(
        m.startswith(f"beta.yaml:{line_of(f, 'id: a3')}:13: duplicate id 'a3': already defined at ")
        and "alpha.yaml:" in m
        for m in msgs
    )


def test_duplicate_yaml_key(mini):
    f = mini / "regions" / "home.yaml"
    edit(f, "city: 测试市\n", "city: 测试市\ncity: 别的市\n")
    [msg] = problems(mini)
    assert (
        msg
        == f"home.yaml:{line_of(f, 'city: 别的市')}:1: duplicate key 'city' (first at line {line_of(f, 'city: 测试市')}); keep one"
    )


def test_feeds_cycle(mini):
    f = mini / "alpha.yaml"
    edit(f, "      - id: a5\n        name: 戊应用", "      - id: a5\n        name: 戊应用\n        feeds: [a2]")
    [msg] = problems(mini)
    assert "the feeds edges form a cycle" in msg
    assert "a2 -> a3 -> a4 -> a5 -> a2" in msg
    assert msg.startswith(f"alpha.yaml:{line_of(f, '戊应用') + 1}:")


def test_gbk_file_is_named_plainly(mini):
    f = mini / "institutions" / "inst.yaml"
    f.write_bytes(f.read_text(encoding="utf-8").encode("gbk"))
    [msg] = problems(mini)
    assert msg.startswith("inst.yaml:3:11: the file is not UTF-8; it looks like GBK")


def test_empty_file(mini):
    (mini / "companies" / "more.yaml").write_text("# todo\n", encoding="utf-8")
    [msg] = problems(mini)
    assert msg.startswith("more.yaml:1:1: the file is empty")


def test_bad_stock_code_credit_code_and_future_date(mini):
    f = mini / "companies" / "firms.yaml"
    edit(f, '"600001.SH"', '"600001.SS"\n    credit_code: 91350100M000100Y42')
    edit(f, "    as_of: 2024-01-01\n  - id: far_a2_a4", "    as_of: 2999-01-01\n  - id: far_a2_a4")
    msgs = problems(mini)
    assert any("stock code '600001.SS' is not of the form" in m for m in msgs)
    assert any("credit_code '91350100M000100Y42': check character is '2' but should be '3'" in m for m in msgs)
    assert any("as_of 2999-01-01 is in the future" in m for m in msgs)


def test_wrong_kind_of_reference(mini):
    f = mini / "companies" / "firms.yaml"
    edit(f, "    operates: [b2]", "    operates: [t2]")
    [msg] = problems(mini)
    assert msg == f"firms.yaml:{line_of(f, 'operates: [t2]')}:16: 't2' is a technology, but operates must name a link"


def test_all_problems_of_all_files_reported_together(mini):
    edit(mini / "alpha.yaml", "        feeds: [a3]", "        feed: [a3]")
    edit(mini / "alpha.yaml", "        feeds: [a4]", "        feeds: [a44]")
    edit(mini / "beta.yaml", "    name: 上游", "    name 上游")
    edit(mini / "companies" / "firms.yaml", "    operates: [b2]", "    operates: [b22]")
    msgs = problems(mini)
    assert len(msgs) == 4
    # a broken entry does not cause follow-on errors elsewhere: beta's ref to a2 is still fine
    assert not any("'a2'" in m for m in msgs)


def test_chain_id_must_match_file_name(mini):
    edit(mini / "beta.yaml", "id: beta", "id: gamma")
    [msg] = problems(mini)
    assert msg == "beta.yaml:1:5: chain id 'gamma' differs from the file name 'beta': make them equal"


def test_cli_reports_every_problem_and_exits_2(mini):
    edit(mini / "alpha.yaml", "        feeds: [a3]", "        feed: [a3]")
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2
    assert "unknown field 'feed' (did you mean 'feeds'?)" in res.stderr
    assert res.stderr.rstrip().endswith("1 problem(s) found")
    res = run_cli("validate", str(mini / "alpha.yaml"), "--format", "json")
    assert res.returncode == 2
    import json

    out = json.loads(res.stdout)
    assert out["ok"] is False and out["problems"][0]["line"] == line_of(mini / "alpha.yaml", "feed: [a3]")


def test_cli_usage_errors_exit_2(mini):
    for args in (
        ["--chains", str(mini), "show", "nope"],
        ["--chains", str(mini), "graph", "--region", "x"],
        ["--chains", str(mini / "missing"), "validate"],
        ["graph", "--bogus"],
        ["--chains", str(mini), "graph", "alpha", "--all"],
    ):
        res = run_cli(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert res.stderr.strip()


def test_misspelt_container_does_not_cause_follow_on_errors(mini):
    f = mini / "alpha.yaml"
    edit(f, "        technologies:\n          - id: t2\n", "        technolgies:\n          - id: t2\n")
    msgs = problems(mini)
    # t2 is still referenced by a firm and an institution: only the typo itself is reported
    assert msgs == [
        f"alpha.yaml:{line_of(f, 'technolgies')}:9: unknown field 'technolgies' (did you mean 'technologies'?)"
    ]
