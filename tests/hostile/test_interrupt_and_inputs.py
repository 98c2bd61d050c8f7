"""Ctrl-C at any moment of a command line run, and import inputs that are not regular files
(issue 15 items 5 and 10): one line, exit 130 or 2, never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from chainmap import cli

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Raise KeyboardInterrupt (as a Ctrl-C would) when Python reaches the import of pandas, i.e. while the
# command line is still loading its libraries.
_CTRL_C_WHILE_IMPORTING = """
import sys
class Trap:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, Trap())
sys.argv = ["chainmap", "validate"]
from chainmap.entry import run
run()
"""


def test_ctrl_c_while_the_libraries_load_is_one_line_and_130() -> None:
    p = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_IMPORTING], env=ENV, capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 130, p.stderr
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == ["已中断 (interrupted)"]


@pytest.mark.parametrize("where", ["make_context", "invoke"])
def test_ctrl_c_outside_a_command_body_is_130_not_clicks_aborted(
    where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(click.Group, where, interrupted)
    monkeypatch.setattr(sys, "argv", ["chainmap", "validate"])
    with pytest.raises(SystemExit) as exc:
        cli.run()
    assert exc.value.code == 130
    err = capsys.readouterr().err
    assert "Aborted!" not in err and "已中断" in err


def test_usage_errors_and_help_keep_their_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    for argv, code in ((["chainmap", "--help"], 0), (["chainmap", "gaps", "--bogus"], 2), (["chainmap", "nope"], 2)):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exc:
            cli.run()
        assert exc.value.code == code, argv


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_import_of_a_pipe_or_a_device_is_refused_at_once(kind: str, tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    if kind == "fifo":
        os.mkfifo(src)
    else:
        src.symlink_to("/dev/zero")
    lib = tmp_path / "lib"
    lib.mkdir()
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "chainmap",
            "--chains",
            str(lib),
            "import",
            str(src),
            "--dry-run",
            "--as-of",
            "2024-01-01",
        ],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2, p.stderr
    assert "不是普通文件" in p.stderr and "Traceback" not in p.stderr


def test_a_write_error_without_a_file_name_names_the_store_folder(tmp_path: Path) -> None:
    """pyarrow's OSError on a full disk carries no file name: the message names the store's folder."""
    import errno

    from chainmap.importer.run import _os_message

    msg = _os_message(OSError(errno.ENOSPC, "Error writing bytes to file"), tmp_path / "imported")
    assert msg.startswith(str(tmp_path / "imported")) and "磁盘已满" in msg


def test_import_chainmap_is_cheap_and_its_public_names_are_the_functions() -> None:
    code = (
        "import sys, chainmap; cheap = 'pandas' not in sys.modules; import chainmap.graph, chainmap.load;"
        "print(cheap, callable(chainmap.graph), callable(chainmap.load), callable(chainmap.validate))"
    )
    p = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["True", "True", "True", "True"], p.stderr
