"""scripts/test.sh installs only what is missing and needs no network when all is there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs a Debian system (dpkg-query)")
def test_setup_needs_no_network_when_everything_is_installed(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls"
    for tool in ("apt-get", "sudo"):  # an unreachable apt: every call fails, and is recorded
        (fake / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\nexit 100\n', encoding="utf-8")
        (fake / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "CHAINMAP_SETUP_ONLY": "1"}
    res = subprocess.run(["bash", "scripts/test.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}\\n", "chromium", "fonts-noto-cjk"], capture_output=True, text=True
    ).stdout
    if status.count("install ok installed") == 2:
        assert not calls.exists(), calls.read_text()  # nothing missing: apt was never asked
        assert "installing" not in res.stderr
    else:
        assert "apt-get" in calls.read_text() and "warning: could not install" in res.stderr


def test_script_has_no_pipe_into_grep_q():
    text = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "| grep -q" not in text  # under pipefail the writer's SIGPIPE makes the pipe fail (141)
    assert "export CI=true" in Path(ROOT / ".ci" / "run").read_text(encoding="utf-8")
