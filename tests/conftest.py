from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
BUNDLED = ROOT / "chains"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A private copy of the small hand-made library, free to break."""
    dst = tmp_path / "chains"
    shutil.copytree(MINI, dst)
    return dst


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real `chainmap` entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "chainmap", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=input,
        encoding="utf-8",
    )
