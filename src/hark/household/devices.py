"""The devices of a household: pairing codes, device tokens, revocation.

How a device joins: the owner runs ``hark device pair`` (or uses the web page), which
calls :meth:`DeviceRegistry.start_pairing` and shows a six-digit code. The device sends
that code once (:meth:`DeviceRegistry.pair`) and receives its token, shown only then;
it presents the token on every connection (:meth:`DeviceRegistry.authenticate`) until
the owner revokes it (:meth:`DeviceRegistry.revoke`, effective for the next connection).

What is stored (tables ``devices``, ``pairing_codes``, ``pairing_guard``; queries in
:mod:`hark.store.devices`):

* **Tokens**: 32 random bytes (``secrets.token_urlsafe(32)``, 43 characters); only their
  SHA-256 is stored. 256 bits of entropy need no salt nor a slow hash: the hash is looked
  up by its unique index and compared with :func:`hmac.compare_digest`. A stolen
  database therefore holds no usable token.
* **Pairing codes**: SHA-256 of a per-code random salt and the code. A hash cannot hide
  one of a million codes from someone holding the database; what protects a code is
  that it is single use, expires (ten minutes by default), at most
  :data:`MAX_LIVE_CODES` are valid at once, and guessing is limited.
* **Guessing**: after ``max_failures`` wrong codes within ``window_s``, every pairing
  (even with the right code) is refused for ``lockout_s``, and the error says until
  when. The guard lives in the database, so restarting the server does not reset it.
  With the defaults (5 wrong codes per 5 minutes, then 5 minutes locked) a guesser gets
  at most about ten tries during a code's ten minutes: one chance in 100,000 per valid code.
* **last_seen** is written at most once per ``last_seen_every_s`` per device (the
  previous value decides, so no state is kept here): a device that reconnects many
  times a second costs one indexed read each time, not a write.

A device's name is the one given to ``start_pairing`` (the owner's choice), else the
one the device proposes to ``pair``, else its room, else ``unnamed``; names and rooms
are cleaned to one line of at most 64 characters. Ids look like ``dev-3f9a1c2b``.
Every instant is UTC-aware.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import AsyncIterator, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import HarkError
from ..store import Database
from ..store import devices as queries
from ..store.models import DEFAULT_HOUSEHOLD, DeviceRow, PairingCodeRow, PairingGuardRow

log = logging.getLogger(__name__)

__all__ = [
    "CODE_DIGITS",
    "MAX_LIVE_CODES",
    "Device",
    "DeviceRegistry",
    "PairedDevice",
    "PairingCode",
    "PairingError",
]

CODE_DIGITS = 6
MAX_TTL_S = 24 * 3600.0
MAX_LIVE_CODES = 5
"""Codes valid at once; a new one beyond this withdraws the oldest (fewer targets to guess)."""
MAX_TOKEN_CHARS = 256
"""Longer "tokens" are refused without hashing them."""
MAX_LABEL_CHARS = 64
PURGE_AFTER = dt.timedelta(days=1)
"""Codes that expired or were used longer ago than this are deleted."""
TOKEN_BYTES = 32

_CODE_SEPARATORS = re.compile(r"[\s\-.]")


class PairingError(HarkError):
    """Pairing was refused: the code is wrong, expired or already used, or too many wrong
    codes were tried lately (then ``locked_until`` says until when, ``retry_after_s`` in
    how long). The message never says which of wrong, expired and used it was."""

    code = "pairing-refused"

    def __init__(
        self, message: str, *, locked_until: dt.datetime | None = None, now: dt.datetime | None = None
    ) -> None:
        super().__init__(message)
        self.locked_until = locked_until
        self.retry_after_s = (
            max(0.0, (locked_until - now).total_seconds()) if locked_until is not None and now is not None else None
        )


@dataclasses.dataclass(frozen=True)
class PairingCode:
    """A code to type on the device; valid once, until ``expires_at`` (exclusive)."""

    code: str
    expires_at: dt.datetime
    name: str | None = None
    room: str | None = None


@dataclasses.dataclass(frozen=True)
class PairedDevice:
    """What a successful pairing gives the device. ``token`` is shown only this once
    (and never in ``repr``, so it stays out of logs)."""

    device_id: str
    token: str = dataclasses.field(repr=False)
    name: str
    room: str | None
    paired_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Device:
    """A paired device as the household knows it."""

    device_id: str
    name: str
    room: str | None
    paired_at: dt.datetime
    last_seen: dt.datetime | None
    revoked_at: dt.datetime | None = None
    household_id: str = DEFAULT_HOUSEHOLD
    default_member_id: str | None = None
    kids_mode: bool = False

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_code(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def normalize_code(code: str) -> str | None:
    """``"123 456"`` and ``"123-456"`` are ``"123456"``; None for anything that cannot be a code."""
    if not isinstance(code, str) or len(code) > 4 * CODE_DIGITS:
        return None
    digits = _CODE_SEPARATORS.sub("", code)
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def clean_label(text: str | None) -> str | None:
    """One printable line of at most 64 characters, or None when nothing is left."""
    if text is None:
        return None
    kept = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in str(text))
    words = " ".join(kept.split())[:MAX_LABEL_CHARS].strip()
    return words or None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _device(row: DeviceRow) -> Device:
    return Device(
        device_id=row.id,
        name=row.name,
        room=row.room,
        paired_at=row.paired_at,
        last_seen=row.last_seen,
        revoked_at=row.revoked_at,
        household_id=row.household_id,
        default_member_id=row.default_member_id,
        kids_mode=bool(row.kids_mode),
    )


def _span(seconds: float) -> str:
    seconds = max(1, round(seconds))
    minutes, secs = divmod(seconds, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


class DeviceRegistry:
    """Pairs, authenticates and revokes the devices of one household, in ``db``.

    :param clock: the current aware time (UTC or any zone); a fake one in tests.
    :param max_failures: wrong codes within ``window_s`` that lock pairing...
    :param lockout_s: ...for this long.
    :param last_seen_every_s: ``last_seen`` is written at most this often per device.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        household_id: str = DEFAULT_HOUSEHOLD,
        max_failures: int = 5,
        window_s: float = 300.0,
        lockout_s: float = 300.0,
        last_seen_every_s: float = 60.0,
    ) -> None:
        if max_failures < 1 or window_s <= 0 or lockout_s <= 0 or last_seen_every_s < 0:
            raise ValueError("max_failures, window_s and lockout_s must be positive, last_seen_every_s not negative")
        self.db = db
        self._clock = clock or _utcnow
        self.household_id = household_id
        self.max_failures = max_failures
        self.window = dt.timedelta(seconds=window_s)
        self.lockout = dt.timedelta(seconds=lockout_s)
        self.last_seen_every = dt.timedelta(seconds=last_seen_every_s)
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction at a time from this registry: SQLite takes its write lock at BEGIN, and
        a connection that finds it taken polls with growing sleeps, so a burst of connections
        (every device reconnecting after a restart) is far quicker queued here than there."""
        async with self._lock, self.db.transaction() as session:
            yield session

    def now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the clock gave a naive datetime {now!r}: give it a time zone")
        return now.astimezone(dt.UTC)

    # -- pairing ---------------------------------------------------------------------------------

    async def start_pairing(self, name: str | None = None, room: str | None = None, ttl_s: float = 600) -> PairingCode:
        """A new single-use code, valid for ``ttl_s`` seconds. Beyond :data:`MAX_LIVE_CODES`
        valid codes, the oldest is withdrawn."""
        if not 0 < ttl_s <= MAX_TTL_S:
            raise ValueError(f"ttl_s must be in (0, {MAX_TTL_S:g}], not {ttl_s!r}")
        now = self.now()
        name, room = clean_label(name), clean_label(room)
        expires_at = now + dt.timedelta(seconds=ttl_s)
        async with self._transaction() as session:
            await queries.purge_codes(session, self.household_id, now - PURGE_AFTER)
            live = builtins.list(await queries.live_codes(session, self.household_id, now))
            while len(live) >= MAX_LIVE_CODES:
                await queries.use_code(session, live.pop(0).id, now)
            code = _new_code(live)
            salt = secrets.token_hex(16)
            await queries.add_code(
                session,
                PairingCodeRow(
                    household_id=self.household_id,
                    code_hash=hash_code(salt, code),
                    salt=salt,
                    name=name,
                    room=room,
                    created_at=now,
                    expires_at=expires_at,
                ),
            )
        log.info("pairing code issued (name %r, room %r), valid until %s", name, room, expires_at.isoformat())
        return PairingCode(code=code, expires_at=expires_at, name=name, room=room)

    async def pair(self, code: str, name: str | None = None) -> PairedDevice:
        """Use ``code`` and pair a new device; raises :class:`PairingError` (``pairing-refused``)."""
        now = self.now()
        digits = normalize_code(code)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        paired: PairedDevice | None = None
        async with self._transaction() as session:
            guard = await queries.guard(session, self.household_id)
            locked = was_locked = self._locked_until(guard, now)
            if locked is None:
                paired = await self._use(session, digits, clean_label(name), token, now)
                if paired is None:
                    locked = self._count_failure(guard, now)
        if locked is not None and was_locked is None:
            log.warning(
                "pairing refused for %s after %d wrong codes", _span(self.lockout.total_seconds()), self.max_failures
            )
        if paired is not None:
            log.info("device %s (%r) paired", paired.device_id, paired.name)
            return paired
        if locked is not None:
            wait = (locked - now).total_seconds()
            raise PairingError(
                f"too many wrong pairing codes: pairing is refused for {_span(wait)} "
                f"(until {locked:%H:%M:%S} UTC); try again then",
                locked_until=locked,
                now=now,
            )
        raise PairingError("the pairing code is wrong, expired or already used: ask for a new one (hark device pair)")

    async def locked_until(self) -> dt.datetime | None:
        """Until when pairing is refused after too many wrong codes, or None when it is not."""
        now = self.now()
        async with self._transaction() as session:
            row = await session.get(PairingGuardRow, self.household_id)
            return self._locked_until(row, now) if row is not None else None

    # -- devices ---------------------------------------------------------------------------------

    def for_household(self, household_id: str) -> DeviceRegistry:
        """The same registry's rules for another household's devices."""
        other = DeviceRegistry(
            self.db,
            clock=self._clock,
            household_id=household_id,
            max_failures=self.max_failures,
            window_s=self.window.total_seconds(),
            lockout_s=self.lockout.total_seconds(),
            last_seen_every_s=self.last_seen_every.total_seconds(),
        )
        other._lock = self._lock
        return other

    async def authenticate(self, token: str, *, any_household: bool = False) -> Device | None:
        """The device that holds ``token``; None when it is unknown or revoked. Reads the
        database every time, so a revocation (from any process) counts at once. With
        ``any_household`` (a server holding several homes) the device may belong to any
        household: its ``household_id`` says which, and everything it does is scoped to it."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            return None
        digest = hash_token(token)
        now = self.now()
        async with self._transaction() as session:
            row = await queries.device_by_token_hash(session, None if any_household else self.household_id, digest)
            if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
                return None
            if row.last_seen is None or not dt.timedelta(0) <= now - row.last_seen < self.last_seen_every:
                await queries.touch_device(session, row.id, now)
                row.last_seen = now
            return _device(row)

    async def revoke(self, device_id: str) -> bool:
        """Refuse the device's token from now on; False when there is no such device or it
        already was revoked. Connections already open are the server's to close."""
        now = self.now()
        async with self._transaction() as session:
            done = await queries.revoke_device(session, self.household_id, device_id, now)
        if done:
            log.info("device %s revoked", device_id)
        return done

    async def get(self, device_id: str) -> Device | None:
        async with self._transaction() as session:
            row = await queries.device_by_id(session, self.household_id, device_id)
            return _device(row) if row is not None else None

    async def list(self) -> builtins.list[Device]:
        """Every device, revoked ones too, in pairing order."""
        async with self._transaction() as session:
            return [_device(row) for row in await queries.devices(session, self.household_id)]

    # -- internals -------------------------------------------------------------------------------

    async def _use(
        self, session: AsyncSession, digits: str | None, name: str | None, token: str, now: dt.datetime
    ) -> PairedDevice | None:
        """Pair with the live code matching ``digits`` (in the caller's transaction), or None."""
        if digits is None:
            return None
        match: PairingCodeRow | None = None
        for row in await queries.live_codes(session, self.household_id, now):
            if hmac.compare_digest(hash_code(row.salt, digits), row.code_hash) and match is None:
                match = row  # keep comparing: every code costs the same, found or not
        if match is None or not await queries.use_code(session, match.id, now):
            return None
        device_id = await _new_device_id(session)
        final_name = match.name or name or match.room or "unnamed"
        await queries.add_device(
            session,
            DeviceRow(
                id=device_id,
                household_id=self.household_id,
                name=final_name,
                room=match.room,
                token_hash=hash_token(token),
                paired_at=now,
                last_seen=None,
                revoked_at=None,
            ),
        )
        await queries.link_code(session, match.id, device_id)
        return PairedDevice(device_id=device_id, token=token, name=final_name, room=match.room, paired_at=now)

    def _locked_until(self, guard: PairingGuardRow, now: dt.datetime) -> dt.datetime | None:
        if guard.locked_until is not None and now < guard.locked_until:
            return guard.locked_until
        return None

    def _count_failure(self, guard: PairingGuardRow, now: dt.datetime) -> dt.datetime | None:
        """Count one wrong code; returns the new lock's end when this one was one too many."""
        if guard.locked_until is not None:  # a lock that has ended: start afresh
            guard.locked_until, guard.failures, guard.window_started_at = None, 0, None
        started = guard.window_started_at
        if started is None or not dt.timedelta(0) <= now - started < self.window:
            guard.window_started_at, guard.failures = now, 0
        guard.failures += 1
        if guard.failures < self.max_failures:
            return None
        guard.locked_until = now + self.lockout
        return guard.locked_until


def _new_code(live: builtins.list[PairingCodeRow]) -> str:
    """A random code that no other live code has (two equal codes would pair the same device twice)."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if not any(hmac.compare_digest(hash_code(row.salt, code), row.code_hash) for row in live):
            return code


async def _new_device_id(session: AsyncSession) -> str:
    while True:
        device_id = f"dev-{secrets.token_hex(4)}"
        if await session.get(DeviceRow, device_id) is None:  # ids are unique across households
            return device_id
