"""The store folder's import lock: one import (or review decision, or repair) at a time, and a second
one is told who holds it.

The lock is the file ``imported/.chainmap-import.lock`` naming its holder (pid, user, host, start,
command), held with an exclusive ``flock`` where the system has one: the kernel lets it go when its
process ends however it ends, and two imports finding a lock left by a dead one cannot both take it
over (before, each read the stale file, found its process gone, removed the file and created its own:
the second removed the first's fresh lock and both imported at once). Where ``flock`` is missing
(Windows) or refused (some network disks), the file alone is the lock, created exclusively, and one
left by an ended process of this machine is taken over.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..store import LOCK, _alive, lock_holder, settle

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["StoreLock"]


class StoreLock:
    """The import lock of ``folder``; the store it guards is settled once it is taken (see
    :func:`chainmap.store.settle`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self._fd: int | None = None

    def __enter__(self) -> StoreLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": _user(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:4])[:200],
        }
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        for _attempt in range(3):
            took = self._flocked(data) if fcntl is not None else None
            if took is None:
                took = self._exclusive(data)
            if took:
                settle(self.folder, holding_lock=True)
                return self
        raise UsageError(f"{self.folder}：无法取得导入锁 {self.path.name}，请稍后重试")

    def _flocked(self, data: bytes) -> bool | None:
        """Take the lock with flock: True when held, False to try again (its file went meanwhile), None
        when this file system has no flock. Raises the 'held' message when a live import holds it."""
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            _flock_soon(fd)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(_held_message(self.folder, lock_holder(self.folder) or _unknown())) from None
        except OSError:  # no locks on this disk: the file alone
            os.close(fd)
            return None
        try:
            same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # its holder ended and removed it between our open and our flock
            os.close(fd)
            return False
        old = os.read(fd, 4096)
        holder = _live_holder(old)
        if holder is not None:  # written by an import that holds no flock (an older chainmap) and lives
            os.close(fd)
            raise UsageError(_held_message(self.folder, holder))
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        self._fd = fd
        return True

    def _exclusive(self, data: bytes) -> bool:
        """Take the lock by creating its file exclusively (a stale one is removed first)."""
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = lock_holder(self.folder)
            if holder is not None:
                raise UsageError(_held_message(self.folder, holder)) from None
            self.path.unlink(missing_ok=True)  # left by an ended process
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return True

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)  # first, while held: whoever opens it now finds it gone
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _flock_soon(fd: int, tries: int = 10) -> None:
    """flock within ~0.5 s: a load may hold it for a moment while it removes a stale lock file."""
    for i in range(tries):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if i == tries - 1:
                raise
            time.sleep(0.05)


def _live_holder(data: bytes) -> dict[str, Any] | None:
    """The holder a lock file names when it may still run: a process of this machine that lives (an
    import without flock: an older chainmap), or any of another machine (as before: its process cannot
    be checked from here, and a network disk may not share flocks)."""
    try:
        info = json.loads(data.decode("utf-8")) if data.strip() else None
    except ValueError:
        info = None  # half written by a process that then ended: we hold the flock, it holds nothing
    if not isinstance(info, dict):
        return None
    if info.get("host") != socket.gethostname():
        return info
    try:
        pid = int(info.get("pid", 0))
    except (TypeError, ValueError):
        return None
    return info if pid != os.getpid() and _alive(pid) else None


def _unknown() -> dict[str, Any]:
    return {"pid": "?", "host": "?", "user": "?", "started": "?", "command": "?"}


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "?"


def _held_message(folder: Path, h: dict[str, Any]) -> str:
    return (
        f"{folder} 正在被另一个导入使用：进程 {h.get('pid')}（用户 {h.get('user')}，主机 {h.get('host')}，"
        f"开始于 {h.get('started')}，命令 {h.get('command')}）。请等它结束后再导入；若确认该进程已不存在，"
        f"删除 {folder / LOCK} 后重试"
    )
