"""The database: one async SQLAlchemy engine, migrated to the latest schema on open.

SQLite (the default, ``<data_dir>/hark.db``) is tuned for a small always-on
service that must survive ``kill -9`` and power cuts:

* **WAL journal** so readers never block the writer, ``synchronous=FULL`` so a
  committed row is on disk before the call returns.
* **``BEGIN IMMEDIATE``** for every transaction. The Python sqlite driver
  normally starts transactions lazily and never for DDL; emitting our own BEGIN
  makes migrations transactional too and takes the write lock up front, which
  avoids the "read, then upgrade to write" deadlock WAL reports as
  ``SQLITE_BUSY_SNAPSHOT``. Transactions here are tiny, so serialising them costs
  nothing.
* **``busy_timeout``** so a briefly locked file waits instead of failing; past
  it, the caller gets :class:`StorageError`.
* **foreign keys on** (SQLite has them off per connection by default).

PostgreSQL (``postgresql+asyncpg://user:password@host/hark``, or a unix socket with
``?host=/run/postgresql``) gets a connection pool that checks a connection before lending it
(``pool_pre_ping``: a restarted server costs one retry, not a failed turn) and a connect
timeout, so an unreachable server is an error after ``connect_timeout_s``, not a hang.
Its failures are named from their SQLSTATE (wrong password, no such database, too many
connections, disk full, server shutting down) or their socket error (nothing listening,
unknown host).
Every database failure leaves :meth:`Database.transaction` as a
:class:`StorageError` after the transaction was rolled back;
:class:`StorageFullError` (``storage-full``) when the disk is full (SQLITE_FULL,
ENOSPC, or an I/O error on a disk with no room left, which is how a full disk
usually shows up with WAL).

A database that could not be opened because the disk was full is opened again
on its next use, so a long-running Hark recovers once there is room
(:meth:`Database.on_open` runs what was waiting for it, such as the scheduler).
Errors are raised, not logged: whoever handles one decides whether to print it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import shutil
import socket
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InvalidRequestError,
    NoSuchModuleError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ..errors import ConfigError
from .errors import StorageError, StorageFullError
from .models import DEFAULT_HOUSEHOLD, TurnLog

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

# SQLite's messages mapped to words a person can act on.
_CAUSES = (
    ("locked", "the database is locked by another program"),
    ("busy", "the database is busy in another program"),
    ("full", "the disk is full"),
    ("readonly", "the database is read-only"),
    ("read-only", "the database is read-only"),
    ("unable to open", "the database file cannot be opened"),
    ("disk i/o", "the disk could not be read or written"),
    ("malformed", "the database file is damaged"),
    ("not a database", "the file is not a Hark database"),
)

# PostgreSQL's SQLSTATEs (exact, then by class) mapped to words a person can act on.
_PG_CAUSES = {
    "28P01": "the database server refused the user name or password",
    "28000": "the database server refused the connection for this user",
    "3D000": "create it on the server first",
    "42501": "the database user must own Hark's database",
    "53100": "the disk is full",
    "53200": "the database server is out of memory",
    "53300": "the database server has too many connections",
    "57P01": "the database server is shutting down",
    "57P02": "the database server is shutting down",
    "57P03": "the database server is starting up or shutting down",
    "57014": "the database server cancelled the statement (timeout)",
    "25006": "the database is read-only",
    "40001": "another write conflicted with this one",
    "40P01": "another write conflicted with this one",
    "55P03": "the database is locked by another program",
    "22001": "a value is longer than its column allows",
}
_PG_CLASSES = {
    "08": "the connection to the database server failed",
    "53": "the database server is out of resources",
    "57": "the database server stopped the operation",
    "58": "the database server could not read or write its files",
}

_FULL_NEEDLES = ("database or disk is full", "no space left on device", "disk full", "disk quota exceeded")
_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
FULL_BELOW_BYTES = 1 << 20
"""An I/O error on a file system with less room than this is a full disk (SQLite reports a
full disk as ``disk I/O error`` when it cannot grow the WAL index or the WAL file)."""

StorageHook = Callable[[], Awaitable[None]]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Database:
    """Hark's store. ``await open()`` before use, ``await close()`` after.

    :param url: SQLAlchemy *async* URL, usually ``settings.storage.database_url(settings.data_dir)``.
    :param busy_timeout_s: how long SQLite waits for a lock held elsewhere before giving up.
    :param connect_timeout_s: how long a database server (PostgreSQL) may take to accept a connection.
    :param clock: returns the current aware time; only used to stamp rows.
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.url = url
        self.busy_timeout_s = busy_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.clock = clock
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._reopen = False
        """The last open failed because the disk was full: open again on the next use."""
        self._waiting: list[StorageHook] = []

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Database:
        return cls(settings.storage.database_url(settings.data_dir), **kwargs)

    @property
    def is_sqlite(self) -> bool:
        try:
            return make_url(self.url).get_backend_name() == "sqlite"
        except ArgumentError:
            return False

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages (``?host=/run/postgresql`` left readable)."""
        try:
            return urllib.parse.unquote(make_url(self.url).render_as_string(hide_password=True))
        except ArgumentError:
            from ..config import _hide_password

            return _hide_password(self.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None (another database, in memory, or a ``file:`` URI)."""
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database).expanduser()

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    def on_open(self, hook: StorageHook) -> None:
        """Run ``hook`` once the database is open: now if it is, else after the late open
        that follows a full disk (a failing hook is tried again on the next use)."""
        self._waiting.append(hook)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StorageError("the database is not open")
        return self._engine

    async def open(self) -> None:
        """Connect and upgrade the schema to the latest migration (a no-op when it already is)."""
        if self._engine is not None:
            return
        if self.is_sqlite:
            self._make_parent_dir()
        engine = self._create_engine()
        if self.is_sqlite:
            self._tune_sqlite(engine)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade_to_head)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            error = self._error(exc, "open")
            self._reopen = isinstance(error, StorageFullError)
            raise error from exc
        except BaseException:
            await engine.dispose()
            raise
        self._reopen = False
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        log.info("database open: %s", self.display_url)

    async def close(self) -> None:
        self._reopen = False
        self._waiting.clear()
        engine, self._engine, self._sessions = self._engine, None, None
        if engine is not None:
            await engine.dispose()

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed when the block ends, rolled back
        if it raises. Database failures come out as :class:`StorageError`
        (:class:`StorageFullError` when the disk is full)."""
        await self._ready()
        assert self._sessions is not None
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except StatementError as exc:
            if not isinstance(exc, DBAPIError) and exc.orig is not None and not isinstance(exc.orig, OSError):
                raise  # a bad value (naive datetime...) is a bug, not a storage failure
            raise self._error(exc, "write") from exc
        except (SQLAlchemyError, OSError) as exc:
            raise self._error(exc, "write") from exc

    async def _ready(self) -> None:
        """Open again after a full disk; run what waited for the open."""
        if self._sessions is None:
            if not self._reopen:
                raise StorageError("the database is not open")
            await self.open()
            log.warning("the database %s is usable again", self.display_url)
        while self._waiting:
            hook = self._waiting.pop(0)
            try:
                await hook()
            except BaseException:
                self._waiting.insert(0, hook)
                raise

    async def log_turn(
        self,
        *,
        household_id: str = DEFAULT_HOUSEHOLD,
        member_id: str | None = None,
        device_id: str,
        transcript: str,
        reply: str,
        brain: str,
        intent: str | None = None,
        slots: Mapping[str, Any] | None = None,
        t: dt.datetime | None = None,
    ) -> int:
        """Record one conversation turn; returns its id. ``slots`` is stored as JSON text."""
        row = TurnLog(
            household_id=household_id,
            member_id=member_id,
            device_id=device_id,
            t=t or self.clock(),
            transcript=transcript,
            intent=intent,
            slots=json.dumps(dict(slots or {}), ensure_ascii=False, default=str, sort_keys=True),
            reply=reply,
            brain=brain,
        )
        async with self.transaction() as session:  # the caller says whether it matters
            session.add(row)
            await session.flush()
            return row.id

    # -- internals --------------------------------------------------------------

    def _create_engine(self) -> AsyncEngine:
        options: dict[str, Any] = {}
        try:
            url = make_url(self.url)
            if url.get_backend_name() != "sqlite":
                options["pool_pre_ping"] = True  # a server restarted since: reconnect, don't fail the turn
            if url.get_driver_name() == "asyncpg" and "timeout" not in url.query:
                options["connect_args"] = {"timeout": self.connect_timeout_s}
        except ArgumentError:
            pass  # create_async_engine says what is wrong with it
        try:
            return create_async_engine(self.url, **options)
        except (ArgumentError, NoSuchModuleError, InvalidRequestError, ImportError) as exc:
            from ..config import check_database_url

            try:  # the same words as `hark config check`
                check_database_url(self.url)
            except ConfigError as config_error:
                raise config_error from exc
            raise ConfigError(f"storage.url: cannot use {self.display_url!r}: {exc}") from exc

    def _make_parent_dir(self) -> None:
        database = make_url(self.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder for the database {database}: {exc.strerror}") from exc

    def _tune_sqlite(self, engine: AsyncEngine) -> None:
        busy_ms = max(0, round(self.busy_timeout_s * 1000))

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = FULL")
            finally:
                cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _error(self, exc: BaseException, action: str) -> StorageError:
        detail = str(getattr(exc, "orig", None) or exc)
        lowered = detail.lower()
        full = self._is_full(exc, lowered)
        if full:
            cause: str | None = "the disk is full"
        elif self.is_sqlite:
            cause = next((words for needle, words in _CAUSES if needle in lowered), None)
        else:
            cause = self._server_cause(exc)
        what = "open" if action == "open" else "read or write"
        message = f"could not {what} the database {self.display_url}: {cause or detail}"
        log.debug("%s (%s)", message, detail)  # raised, not logged: the handler prints it once
        return StorageFullError(message) if full else StorageError(message)

    def _server_cause(self, exc: BaseException) -> str | None:
        """Words for a database server's failure (PostgreSQL): its own message, then what it means."""
        chain = _exception_chain(exc)
        for e in chain:
            code = _sqlstate(e)
            if code:
                words = _PG_CAUSES.get(code) or _PG_CLASSES.get(code[:2])
                message = str(getattr(e, "message", "") or e).strip().splitlines()[0] if str(e) else ""
                return f"{message} ({words})" if words and message else words or message or None
        where = self._server_address()
        for e in chain:
            if isinstance(e, socket.gaierror):
                return f"the database server's host name is unknown ({where})"
            if isinstance(e, TimeoutError):
                return f"the database server at {where} did not answer within {self.connect_timeout_s:g} s"
            if isinstance(e, ConnectionRefusedError):
                return f"nothing is listening at {where} (is the database server running?)"
            if isinstance(e, FileNotFoundError):
                return f"no database server at {where} (is it running?)"
            if isinstance(e, ConnectionError):
                return f"the connection to the database server at {where} was lost"
        return None

    def _server_address(self) -> str:
        try:
            url = make_url(self.url)
        except ArgumentError:
            return "its address"
        host = url.query.get("host") or url.host or "localhost"
        if isinstance(host, tuple):
            host = ", ".join(host)
        if host.startswith("/"):
            return f"the socket in {host}"
        return f"{host}:{url.port or 5432}" if url.get_backend_name() == "postgresql" else host

    def _is_full(self, exc: BaseException, lowered: str) -> bool:
        chain = _exception_chain(exc)
        if any(isinstance(e, OSError) and e.errno in _FULL_ERRNOS for e in chain):
            return True
        if any(_sqlstate(e) == "53100" for e in chain):  # PostgreSQL: disk_full
            return True
        names = {str(getattr(e, "sqlite_errorname", "")) for e in chain}
        if "SQLITE_FULL" in names or any(needle in lowered for needle in _FULL_NEEDLES):
            return True
        if any(n.startswith("SQLITE_IOERR") for n in names) or "disk i/o error" in lowered:
            return self.free_bytes() < FULL_BELOW_BYTES
        return False

    def free_bytes(self) -> float:
        """Room left for the SQLite file (infinite when unknown or not SQLite)."""
        path = self.sqlite_path
        if path is None:
            return float("inf")
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            return float(shutil.disk_usage(folder).free)
        except OSError:
            return float("inf")


async def check_database(url: str, *, timeout_s: float = 10.0) -> str:
    """Can Hark use the database at ``url``? Connects and reads, creates and changes nothing.

    Returns a short description; raises :class:`~hark.errors.ConfigError` for a URL that
    cannot work and :class:`StorageError` for a database that cannot be reached or read.
    A SQLite file that does not exist yet is fine when its folder can be created.
    """
    db = Database(url)
    if db.is_sqlite:
        path = db.sqlite_path
        if path is not None and not path.exists():
            folder = path.parent
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                raise StorageError(f"cannot create the database {path}: {folder} is not a folder Hark can write to")
            return f"{db.display_url} (new: created at the first start)"
    engine = db._create_engine()
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as connection:
            if db.is_sqlite:
                await connection.execute(text("SELECT count(*) FROM sqlite_master"))
                tables = (await connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).all()
                names = {t[0] for t in tables}
            else:
                await connection.execute(text("SELECT 1"))
                names = set(await connection.run_sync(lambda c: c.dialect.get_table_names(c)))
            version = None
            if "alembic_version" in names:
                version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except TimeoutError as exc:
        raise StorageError(f"could not reach the database {db.display_url} within {timeout_s:g} s") from exc
    except (SQLAlchemyError, OSError) as exc:
        raise db._error(exc, "open") from exc
    finally:
        await engine.dispose()
    if names and version is None:
        raise StorageError(f"the database {db.display_url} is not a Hark database (it has tables, but no Hark schema)")
    return (
        f"{db.display_url} (schema {version})" if version else f"{db.display_url} (empty: migrated at the first start)"
    )


def _sqlstate(exc: BaseException) -> str | None:
    """A PostgreSQL error's SQLSTATE (asyncpg: ``sqlstate``; SQLAlchemy's adaptation: ``pgcode``)."""
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) and len(code) == 5 else None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        orig = getattr(e, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None, e.__cause__, e.__context__]
    return seen


def _upgrade_to_head(connection: Connection) -> None:
    """Run Alembic's ``upgrade head`` on an open connection (inside its transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
