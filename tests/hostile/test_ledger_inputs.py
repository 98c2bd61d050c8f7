"""`ledger import` of something that is not a file: a pipe hung forever, a link to /dev/zero filled the
memory (MemoryError, exit 1), a folder was reported as "cannot write". Each is now a message, exit 2, at
once (run in a subprocess with a timeout, so a regression fails instead of hanging the suite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _make(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize(
    ("kind", "name", "said"),
    [
        ("fifo", "台账.csv", "不是普通文件"),
        ("zero", "台账.csv", "不是普通文件"),
        ("zero", "台账.xlsx", "不是普通文件"),
        ("dir", "台账.xlsx", "是文件夹"),
    ],
)
def test_not_a_file_is_a_message_at_once(mini, tmp_path, kind, name, said):
    path = tmp_path / name
    _make(kind, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CHAINMAP_DB", None)
    cmd = [sys.executable, "-m", "chainmap", "--chains", str(mini), "ledger", "import", str(path)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    assert str(path) in res.stderr and said in res.stderr and "Traceback" not in res.stderr
