from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainmap.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
BUNDLED = ROOT / "chains"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A private copy of the small hand-made library, free to break."""
    dst = tmp_path / "chains"
    shutil.copytree(MINI, dst)
    return dst


@dataclass
class Ran:
    """What a command run left: exit code, standard output and standard error (as text)."""

    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None, env: dict | None = None) -> Ran:
    """Run a `chainmap` command in this process with click's CliRunner (errors mapped to exit codes
    exactly as the real entry point maps them)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False, prog_name="chainmap")
    finally:
        os.chdir(old)
    return Ran(res.exit_code, res.stdout, res.stderr, res.stdout_bytes)


def run_process(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real entry point in a subprocess (for the few smoke tests of the process itself)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "chainmap", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        encoding="utf-8",
        env=full_env,
    )
