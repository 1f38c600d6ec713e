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

Any other URL (``postgresql+asyncpg://...``) gets none of that and just works.
Every database failure leaves :meth:`Database.transaction` as a
:class:`StorageError` after the transaction was rolled back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .errors import StorageError
from .models import TurnLog

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


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Database:
    """Hark's store. ``await open()`` before use, ``await close()`` after.

    :param url: SQLAlchemy *async* URL, usually ``settings.storage.database_url(settings.data_dir)``.
    :param busy_timeout_s: how long SQLite waits for a lock held elsewhere before giving up.
    :param clock: returns the current aware time; only used to stamp rows.
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_s: float = 5.0,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.url = url
        self.busy_timeout_s = busy_timeout_s
        self.clock = clock
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Database:
        return cls(settings.storage.database_url(settings.data_dir), **kwargs)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

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
        engine = create_async_engine(self.url)
        if self.is_sqlite:
            self._tune_sqlite(engine)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade_to_head)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise self._error(exc, "open") from exc
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        log.info("database open: %s", self.display_url)

    async def close(self) -> None:
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
        if it raises. Database failures come out as :class:`StorageError`."""
        if self._sessions is None:
            raise StorageError("the database is not open")
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except StatementError as exc:
            if not isinstance(exc, DBAPIError) and exc.orig is not None and not isinstance(exc.orig, OSError):
                raise  # a bad value (naive datetime...) is a bug, not a storage failure
            raise self._error(exc, "write") from exc
        except (SQLAlchemyError, OSError) as exc:
            raise self._error(exc, "write") from exc

    async def log_turn(
        self,
        *,
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
            device_id=device_id,
            t=t or self.clock(),
            transcript=transcript,
            intent=intent,
            slots=json.dumps(dict(slots or {}), ensure_ascii=False, default=str, sort_keys=True),
            reply=reply,
            brain=brain,
        )
        async with self.transaction() as session:
            session.add(row)
            await session.flush()
            return row.id

    # -- internals --------------------------------------------------------------

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
        cause = next((words for needle, words in _CAUSES if needle in lowered), None)
        what = "open" if action == "open" else "read or write"
        message = f"could not {what} the database {self.display_url}: {cause or detail}"
        log.error("%s (%s)", message, detail)
        return StorageError(message)


def _upgrade_to_head(connection: Connection) -> None:
    """Run Alembic's ``upgrade head`` on an open connection (inside its transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
