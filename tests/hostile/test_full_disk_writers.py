"""A full disk at the moment any writer puts its file in place: every output command (lists, workbook,
pages, posters, graph, ledger template/export, projects, scorecard, demo) says so with exit 2, leaves the
file that was there as it was, and leaves no temporary file. The failure is injected at the rename that
every write ends with (chainmap.files.atomic_path) and, separately, at the data write itself."""

from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainmap.cli import main

WRITERS = [
    (["gaps", "--all", "--format", "csv"], "out.csv"),
    (["targets", "--all", "--format", "xlsx"], "out.xlsx"),
    (["trips", "--all", "--format", "json"], "out.json"),
    (["graph", "--all"], "out.json"),
    (["report", "--all"], "out.xlsx"),
    (["poster", "alpha"], "out.svg"),
    (["poster", "alpha"], "out.pdf"),
    (["projects", "--format", "csv"], "out.csv"),
    (["scorecard", "--month", "2023-03", "--format", "html"], "out.html"),
    (["ledger", "template"], "out.xlsx"),
    (["ledger", "export"], "out.xlsx"),
    (["render"], "site"),
    (["demo"], "site"),
]


def _enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device")


def _run(mini: Path, args: list[str], target: Path):
    return CliRunner().invoke(main, ["--chains", str(mini), *args, "-o", str(target), "--force"])


@pytest.mark.parametrize("where", ["rename", "write"])
@pytest.mark.parametrize(("args", "name"), WRITERS, ids=lambda v: v if isinstance(v, str) else "-".join(v[:2]))
def test_a_full_disk_leaves_the_old_file_and_no_temporary(mini, tmp_path, monkeypatch, args, name, where):
    out = tmp_path / "out"
    target = out / name
    first = _run(mini, args, target)  # a good first run: what must survive
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    if where == "rename":
        monkeypatch.setattr(os, "replace", _enospc)
    else:
        real_open = builtins.open

        def full_open(file, mode="r", *a, **k):  # writes into the output folder fail, reads go on
            if any(m in mode for m in "wax") and str(file).startswith(str(out)):
                return _Full(real_open(file, mode, *a, **k))
            return real_open(file, mode, *a, **k)

        monkeypatch.setattr(builtins, "open", full_open)
    res = _run(mini, args, target)
    monkeypatch.undo()
    assert res.exit_code != 0 and res.exit_code != 1, (res.exit_code, res.output)
    assert "disk is full" in res.output or "磁盘已满" in res.output, res.output
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the old files, byte for byte; no temporary file left


class _Full:
    """A file object whose writes fail as on a full disk (then closes the real file)."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, _data):
        _enospc()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False

    def __getattr__(self, name):
        return getattr(self._fh, name)
