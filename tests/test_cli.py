"""The command line: names in Chinese, the default region, error -> exit code mapping, and a few
smoke tests of the real entry point in a subprocess (everything else runs in-process)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chainmap
from chainmap import api
from chainmap.errors import UsageError

from .conftest import ROOT, run_cli, run_process


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- names: ids, Chinese names and aliases -----------------------------------------------------------


def test_chain_node_and_gap_arguments_take_chinese_names():
    by_name = run_cli("gaps", "碳纤维", "--format", "json")
    by_id = run_cli("gaps", "carbon_fiber", "--format", "json")
    assert by_name.returncode == 0 and by_name.stdout == by_id.stdout
    shown = run_cli("show", "聚酯纤维")
    assert shown.returncode == 0 and shown.stdout.startswith("聚酯纤维") and "[polyester]" in shown.stdout
    gap = json.loads(run_cli("targets", "--gap", "电解液", "--format", "json").stdout)
    assert gap and all("electrolyte" in t["covers"] for t in gap)
    assert gap == json.loads(run_cli("targets", "--gap", "electrolyte", "--format", "json").stdout)


def test_an_unknown_name_suggests_and_an_ambiguous_one_lists_the_choices(mini):
    res = run_cli("--chains", str(mini), "gaps", "阿尔法")
    assert res.returncode == 2 and "unknown chain '阿尔法'" in res.stderr and "alpha（阿尔法链）" in res.stderr
    edit(mini / "alpha.yaml", "name: 丙材料", "name: 丙材料\n        aliases: [中间料]")
    edit(mini / "alpha.yaml", "name: 乙中间体", "name: 乙中间体\n        aliases: [中间料]")
    res = run_cli("--chains", str(mini), "targets", "--region", "home", "--gap", "中间料")
    assert res.returncode == 2, res.stdout
    assert "a2（乙中间体，环节）" in res.stderr and "a3（丙材料，环节）" in res.stderr


def test_resolve_prefers_an_exact_id_and_normalises_width_and_case(mini):
    lib = chainmap.load(mini)
    assert lib.resolve("alpha") == "alpha"
    assert lib.resolve(" 阿尔法链 ") == "alpha"
    assert lib.resolve("Ａ２", ["link"]) == "a2"  # full-width id
    with pytest.raises(UsageError, match="unknown link"):
        lib.resolve("alpha", ["link"])


def test_repr_of_a_library_is_one_short_line():
    text = repr(chainmap.load())
    assert "\n" not in text and len(text) < 200 and f"chains={len(chainmap.load().chains)}," in text


def test_analyse_takes_one_chain_as_a_string():
    a = chainmap.analyse(chainmap.load(), "carbon_fiber")
    assert a.graph.graph["chains"] == ["carbon_fiber"]
    assert set(a.gaps["chain"]) == {"carbon_fiber"}


# -- the default region --------------------------------------------------------------------------------


def _second_region(mini: Path, default: bool) -> None:
    text = (mini / "regions" / "home.yaml").read_text(encoding="utf-8")
    other = text.replace("id: home", "id: away").replace("测试市", "远方市")
    if default:
        other = other.replace("province: 江苏省", "province: 江苏省\ndefault: true")
    (mini / "regions" / "away.yaml").write_text(other, encoding="utf-8")


def test_default_region_comes_from_the_profile_then_the_environment(mini, monkeypatch):
    monkeypatch.delenv(api.REGION_ENV, raising=False)
    _second_region(mini, default=True)
    lib = chainmap.load(mini)
    assert api.region(lib).id == "away"
    monkeypatch.setenv(api.REGION_ENV, "测试市")
    assert api.region(lib).id == "home"
    res = run_cli("--chains", str(mini), "gaps", "alpha", "--format", "json", env={api.REGION_ENV: "home"})
    assert res.returncode == 0 and json.loads(res.stdout)


def test_two_profiles_without_a_default_ask_for_region(mini, monkeypatch):
    monkeypatch.delenv(api.REGION_ENV, raising=False)
    _second_region(mini, default=False)
    res = run_cli("--chains", str(mini), "gaps", "alpha")
    assert res.returncode == 2 and "--region" in res.stderr and "away, home" in res.stderr
    assert run_cli("--chains", str(mini), "gaps", "alpha", "--region", "远方市").returncode == 0


def test_two_default_profiles_are_a_located_error(mini):
    _second_region(mini, default=True)
    edit(mini / "regions" / "home.yaml", "province: 江苏省", "province: 江苏省\ndefault: true")
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2
    assert "default: true" in res.stderr and "regions/home.yaml:4:" in res.stderr.replace(os.sep, "/")


def test_help_texts_name_no_hard_coded_region():
    for cmd in ("gaps", "targets", "routes", "render", "import", "demo"):
        res = run_cli(cmd, "--help")
        assert res.returncode == 0 and "lianyungang" not in res.stdout and "default: true" in res.stdout


# -- errors -> exit codes --------------------------------------------------------------------------------


def test_a_write_that_fails_is_exit_2_and_leaves_nothing_behind(mini, tmp_path, monkeypatch):
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    res = run_cli("--chains", str(mini), "gaps", "alpha", "--region", "home", "-o", str(blocker / "gaps.csv"))
    assert res.returncode == 2 and "无法写入" in res.stderr and str(blocker / "gaps.csv") in res.stderr

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "out"
    out.mkdir()
    (out / "gaps.csv").write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, "replace", full)
    res = run_cli("--chains", str(mini), "gaps", "alpha", "--region", "home", "-o", str(out / "gaps.csv"), "--force")
    assert res.returncode == 2 and "磁盘已满" in res.stderr
    assert [p.name for p in out.iterdir()] == ["gaps.csv"] and (out / "gaps.csv").read_text() == "old"


def test_xlsx_needs_an_output_file(mini):
    res = run_cli("--chains", str(mini), "gaps", "--region", "home", "--format", "xlsx")
    assert res.returncode == 2 and "-o 文件名.xlsx" in res.stderr and res.stdout == ""


# -- the real entry point, in a subprocess -------------------------------------------------------------


def test_entry_point_runs_and_bad_input_exits_2_without_traceback(tmp_path):
    res = run_process("--help")
    assert res.returncode == 0 and "validate" in res.stdout
    res = run_process("gaps", "no_such_chain")
    assert res.returncode == 2 and "unknown chain 'no_such_chain'" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    bad = tmp_path / "chains"
    bad.mkdir()
    (bad / "x.yaml").write_text("a: [1,\n", encoding="utf-8")
    res = run_process("--chains", str(bad), "validate")
    assert res.returncode == 2 and "x.yaml:" in res.stderr and "Traceback" not in res.stderr


def test_closed_pipe_is_not_an_error():
    proc = subprocess.run(
        f'"{sys.executable}" -m chainmap graph --all | head -c 10',
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert len(proc.stdout) == 10 and "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainmap", "demo", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the command is at work (the maps' folder exists)
    assert proc.poll() is None, "demo finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["已中断 (interrupted)"]
    assert not [p for p in out.rglob("*.tmp")]


def test_graph_firms_top_keeps_the_map_budget(tmp_path):
    from chainmap.present.layout import MAP_FIRM_BUDGET
    from tests.synth import write_library

    lib = write_library(tmp_path / "lib", firms=MAP_FIRM_BUDGET + 300)
    kinds = {}
    for firms in ("all", "top"):
        res = run_cli("--chains", str(lib), "graph", "--all", "--firms", firms)
        assert res.returncode == 0, res.stderr
        nodes = json.loads(res.stdout)["nodes"]
        kinds[firms] = sum(1 for n in nodes if n["kind"] == "company")
        assert {n["kind"] for n in nodes} >= {"chain", "link", "company"}
    assert kinds["all"] == MAP_FIRM_BUDGET + 300 and kinds["top"] <= MAP_FIRM_BUDGET < kinds["all"]


def test_o_never_replaces_a_file_chainmap_did_not_write(tmp_path):
    mine = tmp_path / "notes.json"  # (a .yaml name is refused even with --force: tests/hostile/test_output_paths.py)
    mine.write_text('{"my": "notes"}\n', encoding="utf-8")
    res = run_cli("gaps", "polyester", "--format", "json", "-o", str(mine))
    assert res.returncode == 2 and "--force" in res.stderr and str(mine) in res.stderr
    assert mine.read_text(encoding="utf-8") == '{"my": "notes"}\n'
    out = tmp_path / "gaps.json"
    for _ in range(2):  # our own output is replaced without asking
        assert run_cli("gaps", "polyester", "--format", "json", "-o", str(out)).returncode == 0
    csv_out = tmp_path / "targets.csv"
    for _ in range(2):
        assert run_cli("targets", "polyester", "--format", "csv", "-o", str(csv_out)).returncode == 0
    assert run_cli("gaps", "polyester", "--format", "json", "-o", str(mine), "--force").returncode == 0
    assert json.loads(mine.read_text(encoding="utf-8"))[0]["chain"] == "polyester"


def test_errors_for_the_user_are_chinese_first_with_one_prefix(mini):
    res = run_cli("--chains", str(mini), "gaps", "--region", "没有这个地区")
    assert res.returncode == 2 and res.stderr.startswith("错误：") and "Traceback" not in res.stderr


_STRING_EXEC_INTERRUPT = """
import sys
import chainmap.cli as cli
from chainmap import entry

def interrupted(*a, **k):
    # a Ctrl-C landing while Python runs code built from a string (dataclasses and namedtuple make
    # their methods so while modules import): CPython then marks it unhandled even once caught
    exec("raise KeyboardInterrupt", {})

if sys.argv[1] == "import":
    import chainmap.importer as importer
    importer.run_import = interrupted
else:
    cli.main.main = interrupted
sys.argv[1:] = ["--chains", sys.argv[2], "import", sys.argv[3]] if sys.argv[1] == "import" else ["--help"]
entry.run()
"""


@pytest.mark.parametrize("where", ["import", "command line"])
def test_ctrl_c_during_string_built_code_still_exits_130_under_python_m(tmp_path, mini, where):
    # `python -m` (not the console script) ended such a run by SIGINT (-2) after printing the message
    (tmp_path / "kbi_probe.py").write_text(_STRING_EXEC_INTERRUPT, encoding="utf-8")
    f = tmp_path / "firms.csv"
    f.write_text("企业名称,经营范围\n甲乙丙测试有限公司,销售\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, "-m", "kbi_probe", where.split()[0], str(mini), str(f)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 130, (proc.returncode, proc.stderr[-500:])
    assert "已中断" in proc.stderr and "Traceback" not in proc.stderr
