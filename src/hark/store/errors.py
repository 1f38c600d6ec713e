"""The storage error: what a caller sees when the database cannot do its job."""

from __future__ import annotations

from ..errors import HarkError


class StorageError(HarkError):
    """The database could not be read or written (disk full, locked, read-only, unreachable).

    Raised only after the transaction was rolled back, so a failed write never
    leaves part of its rows behind. ``message`` names the cause in plain words.
    """

    code = "storage-failed"
