"""Hark's persistent store: timers, alarms, reminders, lists, the turn log and paired devices.

SQLite under ``HARK_DATA_DIR`` by default, any SQLAlchemy async URL otherwise
(``[storage] url = "postgresql+asyncpg://..."``). The schema is owned by the
Alembic migrations in ``migrations/``; :meth:`Database.open` applies them.
"""

from .db import Database
from .errors import StorageError, StorageFullError
from .models import Alarm, Base, DeviceRow, ListItem, PairingCodeRow, PairingGuardRow, Reminder, Timer, TurnLog

__all__ = [
    "Alarm",
    "Base",
    "Database",
    "DeviceRow",
    "ListItem",
    "PairingCodeRow",
    "PairingGuardRow",
    "Reminder",
    "StorageError",
    "StorageFullError",
    "Timer",
    "TurnLog",
]
