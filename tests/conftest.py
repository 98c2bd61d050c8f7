from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chainmap.cli import main

from .browser import CHROMIUM, HAVE_CHROMIUM, launch

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


# --- PostgreSQL: a throwaway cluster on 127.0.0.1 for the ledger tests ------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str], user: str | None) -> list[str]:
    """initdb and postgres refuse to run as root: run them as ``postgres`` then."""
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL cluster of Debian's binaries in a temporary folder, on a free port; stopped at the end.

    Yields the server URL (database ``postgres``). Without PostgreSQL the tests are skipped locally
    and FAIL under CI=true (never skipped silently in CI).
    """
    import os
    import pwd
    import tempfile

    def unavailable(reason: str):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is needed in CI: {reason} (scripts/test.sh installs Debian's postgresql)")
        pytest.skip(f"PostgreSQL unavailable: {reason}")

    bindir = _pg_bin()
    if bindir is None:
        unavailable("no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run initdb as")
        user = "postgres"
    tmp = Path(tempfile.mkdtemp(prefix="chainmap-pg-"))
    data = tmp / "data"
    if user:
        shutil.chown(tmp, user)
    port = _free_port()
    init = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
    done = subprocess.run(_as_owner([*init, "--locale=C.UTF-8"], user), capture_output=True, text=True)
    if done.returncode:
        done = subprocess.run(_as_owner([*init, "--locale=C"], user), capture_output=True, text=True)
    if done.returncode:
        shutil.rmtree(tmp, ignore_errors=True)
        unavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(tmp / "log"), "-w", "-t", "60", "start"]
    done = subprocess.run(_as_owner(start, user), capture_output=True, text=True)
    if done.returncode:
        log = (tmp / "log").read_text(errors="replace")[-500:] if (tmp / "log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        unavailable(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_owner(stop, user), capture_output=True, text=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the throwaway server for one test."""
    import uuid

    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_server.rsplit("/", 1)[0] + f"/{name}"


IN_CI = os.environ.get("CI", "").lower() == "true"
# Browser tests: skipped on a developer machine without Debian's chromium; under CI=true a missing browser
# (or playwright) is a failure, never a silent skip.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM and not IN_CI, reason="needs Debian's chromium (apt-get install chromium)"),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (:func:`tests.browser.launch`), closed afterwards."""
    if IN_CI:
        if not HAVE_CHROMIUM:
            pytest.fail(f"CI=true but {CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
        import playwright.sync_api as sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module."""
    with chromium() as b:
        yield b


@pytest.fixture(params=["yaml", "parquet"])
def store(request, monkeypatch):
    """The store kind of an import test; the Parquet store must go through the streamed store stage (and the
    YAML one cannot). A test's own ``parametrize("store", ...)`` overrides it."""
    from chainmap.importer import run

    calls = []
    real = run.stream_update
    monkeypatch.setattr(run, "stream_update", lambda *a: calls.append(1) or real(*a))
    yield request.param
    assert bool(calls) == (request.param == "parquet"), "the store stage taken"
