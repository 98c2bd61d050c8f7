"""Cleaning and matching in worker processes (big CSVs) give exactly what the single-process import
gives, and Ctrl-C during that phase ends the workers and leaves the stores as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainmap import load_library
from chainmap.importer import ImportOptions, run, workers
from chainmap.store import read_table

from .test_import import write_csv
from .test_import_stages import _uscc

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["企业名称", "统一社会信用代码", "登记状态", "成立日期", "注册资本", "经营范围", "主营产品", "所属城市"]


def _rows(n: int) -> list[list[str]]:
    """Firms with something for every stage: duplicates chunks apart, bad codes, closed firms, odd
    dates and capitals (warnings), impossible capitals (rejected rows), matches and near-matches."""
    rows = [HEADER]
    for i in range(n):
        k = i % (n // 2)  # every firm twice, half the file apart
        code = _uscc(k) if k % 5 else ""
        if i % 97 == 0:
            code = code[:-1] + ("0" if code[-1:] != "0" else "1")  # a wrong check character
        status = "注销" if i % 41 == 0 else "存续"
        founded = ("2020-02-30", "1999年3月4日", "20010101", "去年")[i % 4]
        capital = ("500万元", "1.5亿元人民币", "很多", "-3")[i % 4] if i % 13 == 0 else "300万美元"
        scope = "乙中间体的生产" if k % 3 else "日用百货销售；乙中间体批发"
        rows.append(
            [f"甲{k}化工有限公司", code, status, founded, capital, scope, "丙材料" if k % 7 == 0 else "", "苏州"]
        )
    return rows


def _import(mini: Path, f: Path, out: Path, n_workers: int) -> tuple[object, ...]:
    s = run.run_import(load_library(mini), ImportOptions(file=f, output=out, workers=n_workers, progress=False))
    rejects = Path(s.rejects).read_bytes() if s.rejects else b""
    # the files byte for byte: the store's bytes depend on its rows, not on how the file was cut in chunks
    files = {p.name: p.read_bytes() for p in sorted(out.parent.iterdir()) if p.suffix != ".tmp"}
    counts = (s.rows, s.imported, s.merged, s.skipped, s.rejected, s.placed, s.review, s.nodes, s.updated, s.signals)
    warned = (s.warnings, s.warning_rows)
    return counts, s.skipped_reasons, s.rejected_reasons, warned, read_table(out).to_pylist(), rejects, files


def test_worker_processes_give_the_single_process_result(mini, tmp_path, monkeypatch):
    f = write_csv(tmp_path / "名单_20240601.csv", _rows(1200))
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)  # dozens of chunks, several in flight at once
    used = []
    real_enter = workers.ChunkPool.__enter__

    def enter(self):
        pool = real_enter(self)
        used.append(pool.pool is not None)
        return pool

    monkeypatch.setattr(workers.ChunkPool, "__enter__", enter)
    one = _import(mini, f, tmp_path / "one" / "x.parquet", 1)
    two = _import(mini, f, tmp_path / "two" / "x.parquet", 2)
    assert used == [False, True]
    assert one == two
    # a newer export: a third of the stored firms closed (an update, not a row to skip: the workers
    # ask the index of stored firms), others moved
    newer = [
        [*r[:2], "注销" if i % 3 == 0 else r[2], *r[3:7], "南京" if i % 4 == 0 else r[7]]
        for i, r in enumerate(_rows(1200))
    ]
    g = write_csv(tmp_path / "名单_20240901.csv", newer)
    again = [_import(mini, g, tmp_path / d / "x.parquet", k) for d, k in (("one", 1), ("two", 2))]
    assert again[0] == again[1] and again[0][0][8] > 300 and again[0][0][9]  # updates, with change signals
    counts, skipped, rejected, warnings = one[:4]
    assert counts[0] == 1200 and counts[2] > 400 and counts[5] > 0  # rows, merged, placed
    assert skipped and rejected and warnings  # closed firms, bad codes and capitals, odd dates
    # a dry run: the same import, its transaction aborted -- the same counts with one process or two
    dry = [
        run.run_import(load_library(mini), ImportOptions(file=f, dry_run=True, workers=k, progress=False))
        for k in (1, 2)
    ]
    keys = ("rows", "imported", "merged", "skipped", "rejected", "placed", "review", "nodes", "warnings")
    assert [[getattr(d, k) for k in keys] for d in dry] == [[getattr(dry[0], k) for k in keys]] * 2
    assert dry[0].rows == 1200 and dry[0].merged > 400 and dry[0].placed > 0


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT as a terminal sends it")
def test_ctrl_c_while_workers_clean_ends_them_and_keeps_the_stores(mini, tmp_path):
    p, kids, before = _import_with_workers(mini, tmp_path, subprocess.PIPE)
    os.killpg(p.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole foreground group
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err.decode()
    assert "已中断" in err.decode() and "Traceback" not in err.decode() and err.decode().strip().count("\n") == 0
    time.sleep(0.2)
    assert not [k for k in kids if Path(f"/proc/{k}").exists() and "zombie" not in _state(k)]
    assert {p.name: p.read_bytes() for p in (mini / "imported").iterdir()} == before


@pytest.mark.skipif(sys.platform == "win32", reason="process groups, /proc")
def test_kill_9_of_the_import_ends_its_workers_and_keeps_the_stores(mini, tmp_path):
    """``kill -9`` (or the OOM killer) of the importing process: its workers must not live on, waiting on
    their task queue for ever with their memory (~300 MB each at 200k rows) and able to write a scratch
    file after the next load cleared the dead import's temporaries. The stores stay as they were."""
    p, kids, before = _import_with_workers(mini, tmp_path, subprocess.DEVNULL)
    p.kill()
    p.wait()
    deadline = time.monotonic() + 10  # generous: the kernel ends them at once on Linux
    while time.monotonic() < deadline and [k for k in kids if "zombie" not in _state(k)]:
        time.sleep(0.05)
    assert not [k for k in kids if "zombie" not in _state(k)], "workers outlived the importing process"
    _lock_free(mini / "imported")
    load_library(mini)  # the next load clears the dead import's temporaries and its lock file
    assert {p.name: p.read_bytes() for p in (mini / "imported").iterdir()} == before


def _import_with_workers(mini, tmp_path, out) -> tuple[subprocess.Popen, list[str], dict[str, bytes]]:
    """An update of a stored export running as a command, once its two workers are up: (the process,
    the workers' pids, the store folder's files before)."""
    first = write_csv(tmp_path / "a_20240101.csv", _rows(40))
    run.run_import(load_library(mini), ImportOptions(file=first, progress=False))
    before = {p.name: p.read_bytes() for p in (mini / "imported").iterdir()}
    big = write_csv(tmp_path / "b_20240601.csv", _rows(90_000))  # > 8 MB: cleaned in worker processes
    assert big.stat().st_size > run.PARALLEL_BYTES
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "chainmap", "--chains", str(mini), "import", str(big)]
    p = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, start_new_session=True)
    kids: list[str] = []
    deadline = time.monotonic() + 60
    while len(kids) < 2 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
        kids = [k for k in _children(p.pid) if _cmdline(k) == _cmdline(p.pid)]  # forked: the workers
    assert len(kids) >= 2, "the workers did not start"
    return p, kids, before


def _children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def _cmdline(pid: int | str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _lock_free(folder: Path, seconds: float = 10) -> None:
    """Wait until nothing holds the import lock's flock (a process that is ending closes its files last)."""
    import fcntl

    path, deadline = folder / ".chainmap-import.lock", time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.05)
        finally:
            os.close(fd)


def _state(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


def test_workers_option(mini, tmp_path, monkeypatch):
    from .conftest import run_cli

    f = write_csv(tmp_path / "名单_20240601.csv", _rows(200))
    bad = run_cli("--chains", str(mini), "import", str(f), "--workers", "0")
    assert bad.returncode == 2 and "--workers" in bad.stderr
    seen = []
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(workers.ChunkPool, "__init__", _spy(workers.ChunkPool.__init__, seen))
    ok = run_cli("--chains", str(mini), "import", str(f), "--workers", "1", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert seen == [1]


def _spy(init, seen):
    def wrapped(self, cleaner, matcher, n, *a, **kw):
        seen.append(n)
        init(self, cleaner, matcher, n, *a, **kw)

    return wrapped


def test_a_worker_killed_mid_import_stops_it_with_a_message(mini, tmp_path, monkeypatch):
    """A worker the system kills (out of memory) must not leave the import waiting for ever."""
    from chainmap.errors import UsageError

    f = write_csv(tmp_path / "名单_20240601.csv", _rows(1200))
    first = write_csv(tmp_path / "a_20240101.csv", _rows(40))
    run.run_import(load_library(mini), ImportOptions(file=first, progress=False))
    before = {p.name: p.read_bytes() for p in (mini / "imported").iterdir()}
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(workers, "_work", _dies_at_row_300)
    with pytest.raises(UsageError, match="工作进程意外退出"):
        run.run_import(load_library(mini), ImportOptions(file=f, workers=2, progress=False))
    assert {p.name: p.read_bytes() for p in (mini / "imported").iterdir()} == before


_REAL_WORK = workers._work


def _dies_at_row_300(key, cols, nums, early, *spill):
    """A worker's job that the system kills once the chunks reach row 300 (pickled by name)."""
    if len(nums) and nums[0] > 300:
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_WORK(key, cols, nums, early, *spill)


def test_review_decisions_hold_the_same_when_workers_clean_the_chunks(mini, tmp_path, monkeypatch):
    """With review decisions on file the importing process applies them to each chunk (the workers then
    send the columns back instead of writing the records to a file): one or two processes, same stores."""
    import json
    import shutil

    from click.testing import CliRunner

    from chainmap.cli import main

    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(run, "BLOCK_BYTES", 2048)  # a dozen chunks
    rows = [["企业名称", "经营范围", "主营产品"]]
    for k in range(240):  # name only: uncertain at a2; some placed; some without any hit
        rows.append([f"乙中间体科技{k}有限公司", "", "丁制品" if k % 5 == 0 else ""])
        rows.append([f"戊贸易{k}有限公司", "日用百货销售", ""])
    first, newer = (write_csv(tmp_path / f"名单_2024{m}01.csv", rows) for m in ("01", "06"))
    got = []
    for n in (1, 2):
        root = tmp_path / f"lib{n}"
        shutil.copytree(mini, root)
        run.run_import(load_library(root), ImportOptions(file=first, workers=n, progress=False))
        res = CliRunner().invoke(main, ["--chains", str(root), "review", "--format", "json"])
        ids = sorted(i["id"] for i in json.loads(res.output))
        assert len(ids) == 240
        for verb, some in (("accept", ids[::2]), ("reject", ids[1::2])):
            assert CliRunner().invoke(main, ["--chains", str(root), "review", verb, *some]).exit_code == 0
        s = run.run_import(load_library(root), ImportOptions(file=newer, workers=n, progress=False))
        files = {p.name: p.read_bytes() for p in sorted((root / "imported").iterdir()) if p.suffix != ".tmp"}
        got.append((s.rows, s.placed, s.review, s.nodes, files, read_table(Path(s.output)).to_pylist()))
    assert got[0] == got[1]
    assert got[0][2] == 0 and got[0][3]["a2"] >= 120  # every pair decided; the accepted ones placed
