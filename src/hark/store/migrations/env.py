"""Alembic environment for Hark's store.

Two ways in:

* **Hark itself** (:meth:`hark.store.Database.open`) builds the Alembic config in
  code and passes an open synchronous connection in
  ``config.attributes["connection"]``: the migrations run inside the caller's
  transaction, on the caller's engine (so SQLite gets the same pragmas), and
  logging is left alone.
* **The alembic CLI** (``alembic -c src/hark/store/alembic.ini upgrade head``, or
  ``revision --autogenerate``): the URL comes from ``-x url=...``, else from
  ``sqlalchemy.url`` in the config, else from Hark's settings, and an async
  engine is created here.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from hark.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from hark.config import load_settings

    settings = load_settings()
    return settings.storage.database_url(settings.data_dir)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_cli(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    asyncio.run(_run_cli(_url()))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
