"""Read-only places, as a user without rights meets them: the read-only ledger file, read-only output and
``imported/`` folders. Each is a message naming the place and the fix, exit 2, no traceback, nothing
half-written. Tests run as root in CI, and root ignores permissions: the commands then run without the
capabilities that let root do so (``setpriv``), so the kernel refuses as it would refuse an officer."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainmap.cli import main

from ..ledger_util import base_rows, fill

ROOT = Path(__file__).resolve().parents[2]
_DROP = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps", "-all", "--"]


def _unprivileged(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        prefix = _DROP
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    env.pop("CHAINMAP_DB", None)
    cmd = [*prefix, sys.executable, "-m", "chainmap", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _read_only(path: Path) -> None:
    path.chmod(stat.S_IREAD | (stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))


def _refused(res: subprocess.CompletedProcess, *words: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "bug in chainmap" not in res.stderr, res.stderr
    assert all(w in res.stderr for w in words), res.stderr


def test_a_read_only_ledger_file_is_a_message_and_stays_as_it_was(mini, tmp_path):
    filled = fill(None, tmp_path / "f.xlsx", **base_rows())
    assert CliRunner().invoke(main, ["--chains", str(mini), "ledger", "import", str(filled)]).exit_code == 0
    db = mini / "ledger.sqlite"
    before = db.read_bytes()
    _read_only(db)
    res = _unprivileged("--chains", str(mini), "project", "stage", "XM1", "签约", "--date", "2023-03-01", cwd=tmp_path)
    _refused(res, "台账数据库", "只读", "--db")
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("select stage from projects where code='XM1'").fetchone() == ("在谈",)


def test_a_ledger_in_a_read_only_folder_says_how_to_fix_it(mini, tmp_path):
    _read_only(mini)
    res = _unprivileged("--chains", str(mini), "projects", cwd=tmp_path)
    _refused(res, "ledger.sqlite", "可写")


@pytest.mark.parametrize(
    "args",
    [
        ["targets", "--all", "--format", "csv", "-o", "{ro}/t.csv"],
        ["report", "--all", "-o", "{ro}/r.xlsx"],
        ["render", "-o", "{ro}"],
        ["poster", "alpha", "-o", "{ro}/p.svg"],
        ["ledger", "template", "-o", "{ro}/t.xlsx"],
        ["import", "{csv}"],
    ],
    ids=["csv", "xlsx", "pages", "poster", "template", "import-store"],
)
def test_read_only_output_folders_are_messages(mini, tmp_path, args):
    ro = tmp_path / "ro"
    ro.mkdir()
    export = tmp_path / "export.csv"
    export.write_text("企业名称,主营产品\n甲原料测试企业有限公司,甲原料\n", encoding="utf-8")
    (mini / "imported").mkdir()
    for folder in (ro, mini / "imported"):
        _read_only(folder)
    args = [a.format(ro=ro, csv=export) for a in args] + (["--as-of", "2024-01-01"] if args[0] == "import" else [])
    res = _unprivileged("--chains", str(mini), *args, cwd=tmp_path)
    _refused(res, "Permission denied")
    assert sorted(p.name for p in ro.iterdir()) == [] and sorted(p.name for p in (mini / "imported").iterdir()) == []
