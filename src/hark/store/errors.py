"""The storage errors: what a caller sees when the database cannot do its job."""

from __future__ import annotations

from ..errors import HarkError


class StorageError(HarkError):
    """The database could not be read or written (disk full, locked, read-only, unreachable).

    Raised only after the transaction was rolled back, so a failed write never
    leaves part of its rows behind. ``message`` names the cause in plain words.
    """

    code = "storage-failed"


class StorageFullError(StorageError):
    """The disk (or the database's size limit) is full: SQLITE_FULL, ENOSPC, or an I/O error
    on a disk with no room left. Nothing stored before is lost; the write was rolled back.

    ``str(error)`` is the detail for logs (which database, what failed); ``message`` is the
    sentence a person hears, because the brains speak a storage error's ``message``.
    """

    code = "storage-full"
    spoken = "I couldn't save that: the disk is full."

    @property
    def message(self) -> str:
        return self.spoken
