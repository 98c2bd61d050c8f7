"""The import lock under contention: two imports finding a lock left by a process that has ended must
not both take it over (before, each read the stale file, found its process gone, removed the file and
created its own: the second removed the first's fresh lock and both imported at once)."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time

import pytest

from chainmap import load_library
from chainmap import store as core
from chainmap.errors import UsageError
from chainmap.importer.store import StoreLock
from chainmap.store import LOCK


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_two_imports_cannot_both_take_over_a_stale_lock(tmp_path, monkeypatch):
    folder = tmp_path / "imported"
    folder.mkdir()
    stale = {"pid": 999999999, "host": socket.gethostname(), "user": "x", "started": "t", "command": "c"}
    (folder / LOCK).write_text(json.dumps(stale), encoding="utf-8")
    both_looked = threading.Barrier(2)
    real = core.lock_holder

    def slow(f):  # both takers read the stale lock, then one acts first: the race, made certain
        got = real(f)
        try:
            second = both_looked.wait(timeout=2) == 0
        except threading.BrokenBarrierError:
            second = False
        if second:
            time.sleep(0.3)  # the other has removed the stale lock and made its own by now
        return got

    for mod in ("chainmap.importer.store", "chainmap.importer.lock"):
        monkeypatch.setattr(f"{mod}.lock_holder", slow, raising=False)
    results: list[str] = []

    def take() -> None:
        try:
            with StoreLock(folder):
                results.append("held")
                time.sleep(1.0)  # still held while the other tries
        except UsageError as err:
            results.append("refused: " + str(err)[:40])

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.split(":")[0] for r in results) == ["held", "refused"], results
    assert not (folder / LOCK).exists()  # released by its holder


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_lock_is_free_again_once_its_holder_is_gone(tmp_path):
    """Held, refused, released, taken: the file names the holder while held and goes with it."""
    folder = tmp_path / "imported"
    with StoreLock(folder):
        info = json.loads((folder / LOCK).read_text(encoding="utf-8"))
        assert info["host"] == socket.gethostname() and isinstance(info["pid"], int)
        with pytest.raises(UsageError, match="正在被另一个导入使用"):
            StoreLock(folder).__enter__()
    assert not (folder / LOCK).exists()
    with StoreLock(folder):
        pass
    (folder / LOCK).write_text("{half", encoding="utf-8")  # half written by a process that then ended
    with StoreLock(folder):
        assert json.loads((folder / LOCK).read_text(encoding="utf-8"))["host"] == socket.gethostname()


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_load_removes_the_lock_file_a_killed_import_left(mini):
    """After ``kill -9`` the library must be byte for byte as before: the next load removes the dead
    import's temporaries and, now, its lock file; a lock of a live process or a held one stays."""
    folder = mini / "imported"
    folder.mkdir(exist_ok=True)
    info = {"pid": 999999999, "host": socket.gethostname(), "user": "x", "started": "t", "command": "c"}
    (folder / LOCK).write_text(json.dumps(info), encoding="utf-8")
    load_library(mini)
    assert not (folder / LOCK).exists()
    (folder / LOCK).write_text(json.dumps({**info, "pid": os.getpid()}), encoding="utf-8")  # alive
    load_library(mini)
    assert (folder / LOCK).exists()
    (folder / LOCK).unlink()
    with StoreLock(folder):
        load_library(mini)
        assert (folder / LOCK).exists()
