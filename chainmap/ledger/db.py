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
from ..library import bundled_library, default_library

__all__ = ["default_url", "existing_ledger", "open_ledger", "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 7_311_013  # PostgreSQL advisory lock held while migrating (several processes may open at once)


def default_url(chains_dir: str | Path | None = None) -> str:
    """The SQLite URL of the default ledger for the library at ``chains_dir`` (see the module doc)."""
    root = Path(chains_dir) if chains_dir else default_library()
    try:
        bundled = root.resolve() == bundled_library().resolve()
    except FileNotFoundError:
        bundled = False
    if bundled:
        import platformdirs

        folder = Path(platformdirs.user_data_dir("chainmap", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = root
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
        raise UsageError(
            f"无法连接台账数据库 {parsed.render_as_string(hide_password=True)}：{exc.orig}".strip()
        ) from None
    return engine


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
