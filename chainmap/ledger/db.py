"""Where the ledger lives and how it is opened: any SQLAlchemy URL, migrated to the newest schema on open.

By default the ledger is SQLite: ``<chain library>/ledger.sqlite`` when the library is a folder of the
user's own (``./chains`` or ``--chains DIR``), else ``ledger.sqlite`` in the user data directory
(platformdirs: ``~/.local/share/chainmap`` on Linux, ``%LOCALAPPDATA%\\chainmap`` on Windows) when the
bundled library is used, so that a plain install never writes into the package. ``--db URL`` or the
environment variable ``CHAINMAP_DB`` choose another database, e.g. a bureau's shared PostgreSQL
(``postgresql+psycopg://user:password@host/dbname``).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import UsageError
from ..library import default_ledger_folder, default_library

__all__ = ["database_error", "default_url", "existing_ledger", "open_ledger", "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 7_311_013  # PostgreSQL advisory lock held while migrating (several processes may open at once)


def default_url(chains_dir: str | Path | None = None) -> str:
    """The SQLite URL of the default ledger for the library at ``chains_dir`` (see the module doc)."""
    folder = default_ledger_folder(chains_dir)
    if folder != (Path(chains_dir) if chains_dir else default_library()):  # the user's data folder
        folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'ledger.sqlite').resolve()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic ``upgrade head``); existing rows are kept."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_ledger(url: str | None = None, chains_dir: str | Path | None = None) -> Engine:
    """An engine on the ledger at ``url`` (else ``CHAINMAP_DB``, else :func:`default_url`), upgraded.

    Raises :class:`~chainmap.errors.UsageError` with the reason when the URL is malformed or the
    database cannot be reached.
    """
    url = url or os.environ.get("CHAINMAP_DB") or default_url(chains_dir)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            f"--db '{url}' 不是数据库地址：请写作 sqlite:///路径/ledger.sqlite 或 "
            "postgresql+psycopg://用户:密码@主机/库名"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # a missing driver, an unknown dialect
        raise UsageError(f"无法打开台账数据库 {parsed.render_as_string(hide_password=True)}：{exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        upgrade(engine)
    except OperationalError as exc:
        where = parsed.render_as_string(hide_password=True)
        raise UsageError(f"无法连接台账数据库 {where}：{exc.orig}{_fix(str(exc.orig))}".strip()) from None
    return engine


_FIXES = {
    "readonly database": "台账数据库文件是只读的：请给该文件和所在文件夹写权限，或用 --db 指向可写的数据库",
    "unable to open database file": "打不开或建不了数据库文件：请检查所在文件夹是否存在且可写，或用 --db 指向可写的位置",
    "disk is full": "磁盘已满：请腾出空间，或用 --db 把台账放到另一块磁盘",
    "database is locked": "另一个程序正在写台账：请等它结束后重试",
    "disk i/o error": "读写磁盘出错：请检查磁盘或文件夹权限，或用 --db 换个位置",
}


def _fix(reason: str) -> str:
    low = reason.lower()
    return next((f"（{fix}）" for key, fix in _FIXES.items() if key in low), "")


def database_error(exc: OperationalError) -> UsageError:
    """A :class:`UsageError` for a ledger read or write the database refused (read-only file or folder, full
    disk, a lock held elsewhere), with the fix; nothing was stored (the transaction was rolled back).

    >>> import sqlite3
    >>> err = OperationalError("UPDATE projects", {}, sqlite3.OperationalError("database or disk is full"))
    >>> print(database_error(err))
    台账数据库拒绝了这次操作，未写入任何内容：database or disk is full（磁盘已满：请腾出空间，或用 --db 把台账放到另一块磁盘）
    """
    reason = str(exc.orig or exc).strip()
    return UsageError(f"台账数据库拒绝了这次操作，未写入任何内容：{reason}{_fix(reason)}")


def existing_ledger(url: str | None = None, chains_dir: str | Path | None = None) -> Engine | None:
    """The ledger as :func:`open_ledger` finds it, or ``None`` when no ``url``/``CHAINMAP_DB`` is given and
    the default SQLite file does not exist yet: for readers (gaps, targets, maps) that must not create one."""
    url = url or os.environ.get("CHAINMAP_DB")
    if url is None:
        default = default_url(chains_dir)
        if not Path(make_url(default).database or "").exists():
            return None
        url = default
    return open_ledger(url, chains_dir)
