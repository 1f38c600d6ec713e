"""Column types shared by the models and kept stable for migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant, stored in UTC and always read back as an aware UTC ``datetime``.

    SQLite has no time zones: it keeps the text of whatever it is given, so an
    aware local time would be stored with its local fields and compare wrongly.
    Every value is therefore converted to UTC before it is written (naive on
    SQLite, aware elsewhere: PostgreSQL's ``timestamptz`` keeps the instant) and
    re-labelled UTC when read. A naive value is refused: its zone is unknown.
    The underlying column is ``DateTime(timezone=True)``, which is what the
    migrations create.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: give it a time zone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
