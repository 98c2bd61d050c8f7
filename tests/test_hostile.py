"""Hostile and unlucky input to the loader (issue 15): every case is a located message, exit 2, no traceback,
in seconds. The files are in tests/hostile/; generated variants run through hypothesis."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainmap.yamlsrc import MAX_DEPTH, parse

from .conftest import ROOT, run_cli

HOSTILE = ROOT / "tests" / "hostile"

# file -> (line, column or None, words the message must hold)
CORPUS = {
    "bel_line6.yaml": (6, 30, ["U+0007 (BEL)", "delete it"]),
    "alias_bomb.yaml": (7, None, ["aliases", "expand"]),
    "deep_nesting.yaml": (3, None, ["nesting is too deep", f"under {MAX_DEPTH} levels"]),
    "deep_block.yaml": (None, None, ["nesting is too deep"]),
    "keys_1_and_true.yaml": (3, 1, ["unknown field '1'"]),
    "duplicate_anchor.yaml": (4, 4, ["duplicate anchor &dup", "first at line 3"]),
}


def validate_alone(tmp_path: Path, name: str, text: str | bytes | None = None) -> tuple[int, list[str]]:
    lib = tmp_path / "lib"
    lib.mkdir(exist_ok=True)
    target = lib / name
    if text is None:
        shutil.copy(HOSTILE / name, target)
    elif isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    res = run_cli("--chains", str(lib), "validate")
    return res.returncode, res.stderr.splitlines()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_is_a_located_error(tmp_path, name):
    assert sorted(p.name for p in HOSTILE.glob("*.yaml")) == sorted(CORPUS)
    code, lines = validate_alone(tmp_path, name)
    line, col, words = CORPUS[name]
    assert code == 2 and lines[-1].endswith("problem(s) found")
    hits = [ln for ln in lines if all(w in ln for w in words)]
    assert hits, lines
    where = hits[0].split(": ", 1)[0]  # lib/name.yaml:L:C
    parts = where.rsplit(":", 2)
    assert parts[0].endswith(name)
    if line is not None:
        assert int(parts[1]) == line, hits[0]
    if col is not None:
        assert int(parts[2]) == col, hits[0]


def test_keys_1_and_true_are_two_keys_named_as_written(tmp_path):
    code, lines = validate_alone(tmp_path, "keys_1_and_true.yaml")
    assert code == 2 and not [ln for ln in lines if "duplicate" in ln]
    assert any("keys_1_and_true.yaml:4:1: unknown field 'true'" in ln for ln in lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(min_value=1, max_value=30), char=st.sampled_from(["\x07", "\x1b", "\x08", "\x7f", "\x01"]))
def test_a_control_character_is_reported_at_its_line(line, char):
    rows = [f"k{i}: value{i}" for i in range(1, 31)]
    rows[line - 1] = f"k{line}: val{char}ue"
    src, problems = parse("\n".join(rows) + "\n", "f.yaml")
    assert src is None and len(problems) == 1
    p = problems[0]
    assert (p.line, p.column) == (line, len(f"k{line}: val") + 1)
    assert f"U+{ord(char):04X}" in p.message


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(min_value=1, max_value=2000), flow=st.booleans())
def test_any_nesting_depth_is_data_or_a_located_problem(depth, flow):
    text = "a: " + "[" * depth + "]" * depth + "\n" if flow else "".join("  " * i + f"k{i}:\n" for i in range(depth))
    src, problems = parse(text, "f.yaml")  # never raises (no RecursionError)
    too_deep = [p for p in problems if "too deep" in p.message]
    deepest = depth if flow else depth - 1  # depth of the innermost collection (the top mapping is 0)
    assert bool(too_deep) == (deepest >= MAX_DEPTH)
    assert all(p.line >= 1 for p in problems)


@settings(max_examples=15, deadline=None)
@given(width=st.integers(min_value=2, max_value=12), levels=st.integers(min_value=1, max_value=12))
def test_alias_expansion_is_bounded(width, levels):
    rows = ["l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    rows += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    text = "\n".join(rows) + "\n"
    src, problems = parse(text, "f.yaml")
    sizes = [1 + width]  # values built for l0: the list and its items
    for _ in range(levels):
        sizes.append(1 + width * sizes[-1])
    expanded = 1 + sum(sizes)  # and the top mapping
    if expanded <= max(2 * len(text), 10_000):
        assert src is not None and not problems  # modest aliases still work
    else:
        assert src is None and "expand" in problems[0].message and problems[0].line >= 1


def test_a_dangling_symlink_is_a_located_error(mini):
    os.symlink(mini / "gone.yaml", mini / "companies" / "more.yaml")
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2
    assert any(
        ln.endswith(
            "more.yaml: a symbolic link to " + str(mini / "gone.yaml") + ", which does not exist: fix or remove it"
        )
        for ln in res.stderr.splitlines()
    ), res.stderr


def test_an_unreadable_companies_folder_is_a_located_error(mini, monkeypatch):
    real = os.scandir
    folder = mini / "companies"

    def scandir(path="."):  # root can read anything: inject the error the way an unreadable folder raises it
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2
    assert "companies: cannot read the folder: Permission denied" in res.stderr
    assert "0 companies" not in res.stdout


def test_an_unreadable_yaml_file_is_a_located_error(mini, monkeypatch):
    real = Path.read_bytes
    target = mini / "companies" / "firms.yaml"

    def read_bytes(self):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2
    assert "firms.yaml: cannot read the file: Permission denied" in res.stderr


def test_a_file_where_a_folder_belongs_is_a_located_error(mini):
    shutil.rmtree(mini / "institutions")
    (mini / "institutions").write_text("x", encoding="utf-8")
    res = run_cli("--chains", str(mini), "validate")
    assert res.returncode == 2 and "institutions: 'institutions' should be a folder" in res.stderr
