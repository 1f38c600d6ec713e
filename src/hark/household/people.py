"""Households and their members: who lives there, their plan, and who a turn runs as.

:class:`People` is the repository (tables ``households``, ``members``; the device columns
``default_member_id`` and ``kids_mode``) and the one place that turns "this device, maybe
this voice" into the :class:`~hark.brain.person.Person` a request carries
(:meth:`People.resolve`). Every method is scoped by a household id: a member, device or
voice of another household is never found, whatever id is guessed.

The ``default`` household exists from the start (migration 0004): a single-home install
never needs ``hark household add``. A household's admin token (shown once, stored as
SHA-256 like device tokens) opens the admin API for that household only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import unicodedata
import urllib.parse
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, select, update

from ..brain.person import Person, Plan
from ..errors import HarkError
from ..kids.policy import SMART_HOME_PERMISSIONS
from ..store import Database
from ..store.models import MEMBER_KINDS, PLANS, DeviceRow, HouseholdRow, MemberRow, VoiceProfileRow
from .devices import hash_token

__all__ = ["NO_LIMIT", "Controls", "Household", "Member", "People", "PeopleError", "Plan"]

_QUIET = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")

_ID_CHARS = re.compile(r"[^a-z0-9-]+")


class PeopleError(HarkError):
    """A household or member request that cannot be done (unknown id, duplicate name, bad value)."""

    code = "household-refused"


@dataclasses.dataclass(frozen=True, slots=True)
class Household:
    id: str
    name: str
    plan: Plan
    timezone: str | None
    location: str | None
    language: str
    quota_tokens_month: int | None
    quota_requests_month: int | None
    smart_home: str | None
    created_at: dt.datetime
    transcript_retention_days: int | None = 30


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    id: str
    household_id: str
    name: str
    kind: str
    admin: bool
    age: int | None
    memory_allowed: bool
    smart_home_allowed: frozenset[str]
    created_at: dt.datetime
    quiet_hours: str | None = None
    chat_minutes_day: int | None = None
    allowed_tools: frozenset[str] = frozenset()
    explicit_filter: bool = False

    @property
    def child(self) -> bool:
        return self.kind == "child"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _clean(text: str, limit: int = 64) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if not text:
        raise PeopleError("a name cannot be empty")
    return text[:limit]


def _slug(name: str) -> str:
    return _ID_CHARS.sub("-", name.lower()).strip("-")[:24] or "x"


def _household(row: HouseholdRow) -> Household:
    plan: Plan = "classic" if row.plan == "classic" else "plus"
    return Household(
        id=row.id,
        name=row.name,
        plan=plan,
        timezone=row.timezone,
        location=row.location,
        language=row.language,
        quota_tokens_month=row.quota_tokens_month,
        quota_requests_month=row.quota_requests_month,
        smart_home=row.smart_home,
        created_at=row.created_at,
        transcript_retention_days=row.transcript_retention_days,
    )


def _smart_home_url(url: str) -> str:
    """A Home Assistant base URL as stored: http(s), a host, no credentials in it."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise PeopleError(f"the smart home's URL must be http:// or https:// with a host, not {url!r}")
    if parsed.username or parsed.password:
        raise PeopleError("put the Home Assistant token in its own setting, not in the URL")
    if len(url.strip()) > 255:
        raise PeopleError("the smart home's URL is too long")
    return url.strip().rstrip("/")


def _member(row: MemberRow) -> Member:
    allowed = _set(row.smart_home_allowed)
    return Member(
        id=row.id,
        household_id=row.household_id,
        name=row.name,
        kind=row.kind,
        admin=row.admin,
        age=row.age,
        memory_allowed=row.memory_allowed,
        smart_home_allowed=allowed,
        created_at=row.created_at,
        quiet_hours=row.quiet_hours,
        chat_minutes_day=row.chat_minutes_day,
        allowed_tools=_set(row.allowed_tools),
        explicit_filter=row.explicit_filter,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Controls:
    """A parent's settings for a member; None leaves a setting as it is (a new member: its default).

    ``quiet_hours`` "" clears them; ``chat_minutes_day`` :data:`NO_LIMIT` removes the limit;
    ``allowed_tools`` empty: the kids' default tools; ``smart_home_allowed``: permissions of
    :data:`hark.kids.policy.SMART_HOME_PERMISSIONS`."""

    age: int | None = None
    memory_allowed: bool | None = None
    smart_home_allowed: Sequence[str] | None = None
    quiet_hours: str | None = None
    chat_minutes_day: int | None = None
    allowed_tools: Sequence[str] | None = None
    explicit_filter: bool | None = None


NO_LIMIT = -1


def _apply(row: MemberRow, c: Controls) -> None:
    if c.age is not None:
        if not 0 <= c.age <= 130:
            raise PeopleError("an age is between 0 and 130")
        row.age = c.age
    if c.memory_allowed is not None:
        row.memory_allowed = c.memory_allowed
    if c.smart_home_allowed is not None:
        row.smart_home_allowed = _joined(c.smart_home_allowed, SMART_HOME_PERMISSIONS, "smart-home permission")
    if c.quiet_hours is not None:
        row.quiet_hours = _quiet(c.quiet_hours)
    if c.chat_minutes_day is not None:
        if c.chat_minutes_day != NO_LIMIT and not 0 <= c.chat_minutes_day <= 24 * 60:
            raise PeopleError("a daily chat limit is between 0 and 1440 minutes")
        row.chat_minutes_day = None if c.chat_minutes_day == NO_LIMIT else c.chat_minutes_day
    if c.allowed_tools is not None:
        tools = {t.strip().lower() for t in c.allowed_tools if t.strip()}
        bad = sorted(t for t in tools if not re.fullmatch(r"[a-z][a-z0-9_]{0,47}", t))
        if bad:
            raise PeopleError(f"not a tool name: {bad[0]!r} (see TOOLS.md)")
        row.allowed_tools = ",".join(sorted(tools))[:500]
    if c.explicit_filter is not None:
        row.explicit_filter = c.explicit_filter


def _set(text: str | None) -> frozenset[str]:
    return frozenset(d for d in (text or "").split(",") if d)


def _joined(values: Sequence[str], vocabulary: frozenset[str], what: str) -> str:
    chosen = {v.strip().lower() for v in values if v.strip()}
    unknown = sorted(chosen - vocabulary)
    if unknown:
        raise PeopleError(f"unknown {what} {', '.join(unknown)} (one of: {', '.join(sorted(vocabulary))})")
    return ",".join(sorted(chosen))


def _quiet(hours: str) -> str | None:
    hours = hours.replace(" ", "")
    if not hours:
        return None
    if not _QUIET.match(hours):
        raise PeopleError(f"quiet hours look like 20:30-07:00, not {hours!r}")
    return hours


def person(household: Household, member: Member | None, *, kids_device: bool = False) -> Person:
    """The :class:`Person` a turn runs as: ``member`` (None: the household's shared profile)
    on a device that may be in kids mode."""
    child = member is not None and member.child
    return Person(
        household_id=household.id,
        member_id=member.id if member else None,
        name=member.name if member else None,
        child=child,
        age=member.age if member else None,
        kids_mode=child or kids_device,
        memory_allowed=member.memory_allowed if member else not kids_device,
        smart_home_allowed=member.smart_home_allowed if member and child else frozenset(),
        quiet_hours=member.quiet_hours if member and child else None,
        chat_minutes_day=member.chat_minutes_day if member and child else None,
        tools_allowed=member.allowed_tools or None if member and child else None,
        explicit_filter=bool(member and member.explicit_filter) or child or kids_device,
        plan=household.plan,
        timezone=household.timezone,
        location=household.location,
        identified_by="none" if member is None else "device",
    )


class People:
    """Households and members in the database. ``clock`` stamps new rows."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    # -- households --------------------------------------------------------------------------------
    async def add_household(
        self, name: str, *, plan: Plan = "plus", timezone: str | None = None
    ) -> tuple[Household, str]:
        """A new household and its admin token (shown once)."""
        name = _clean(name, 100)
        token = secrets.token_urlsafe(32)
        row = HouseholdRow(
            id=f"{_slug(name)}-{secrets.token_hex(3)}",
            name=name,
            plan=self._plan(plan),
            timezone=timezone,
            language="en",
            admin_token_hash=hash_token(token),
            created_at=self.clock(),
        )
        async with self.db.transaction() as session:
            session.add(row)
        return _household(row), token

    async def households(self) -> list[Household]:
        async with self.db.transaction() as session:
            rows = await session.scalars(select(HouseholdRow).order_by(HouseholdRow.created_at, HouseholdRow.id))
            return [_household(r) for r in rows]

    async def household(self, household_id: str) -> Household | None:
        async with self.db.transaction() as session:
            row = await session.get(HouseholdRow, household_id)
            return _household(row) if row is not None else None

    async def need_household(self, household_id: str) -> Household:
        found = await self.household(household_id)
        if found is None:
            raise PeopleError(f"no household {household_id!r}")
        return found

    async def admin_token(self, household_id: str) -> str:
        """A new admin token for the household (the old one stops working)."""
        token = secrets.token_urlsafe(32)
        async with self.db.transaction() as session:
            done = await session.execute(
                update(HouseholdRow).where(HouseholdRow.id == household_id).values(admin_token_hash=hash_token(token))
            )
        if not getattr(done, "rowcount", 0):
            raise PeopleError(f"no household {household_id!r}")
        return token

    async def by_admin_token(self, token: str) -> Household | None:
        if not token or len(token) > 200:
            return None
        async with self.db.transaction() as session:
            row = (
                await session.scalars(select(HouseholdRow).where(HouseholdRow.admin_token_hash == hash_token(token)))
            ).first()
            return _household(row) if row is not None else None

    async def set_settings(
        self,
        household_id: str,
        *,
        timezone: str | None = None,
        location: str | None = None,
        name: str | None = None,
        retention_days: int | None = None,
        smart_home: str | None = None,
        smart_home_token: str | None = None,
    ) -> Household:
        """A household's own settings (None: unchanged; ``retention_days`` :data:`NO_LIMIT`: keep
        transcripts for ever; ``smart_home`` its own Home Assistant's URL, ``""`` to disconnect it,
        with ``smart_home_token`` its long-lived access token)."""
        url = _smart_home_url(smart_home) if smart_home else smart_home
        async with self.db.transaction() as session:
            row = await session.get(HouseholdRow, household_id)
            if row is None:
                raise PeopleError(f"no household {household_id!r}")
            if timezone is not None:
                row.timezone = timezone or None
            if location is not None:
                row.location = location or None
            if name is not None:
                row.name = _clean(name, 100)
            if retention_days is not None:
                if retention_days != NO_LIMIT and not 1 <= retention_days <= 3650:
                    raise PeopleError("transcripts are kept between 1 and 3650 days")
                row.transcript_retention_days = None if retention_days == NO_LIMIT else retention_days
            if url is not None:
                row.smart_home = url or None
                if not url:
                    row.smart_home_token = None
            if smart_home_token is not None:
                token = smart_home_token.strip()
                if (token and not token.isprintable()) or len(token) > 1000:
                    raise PeopleError("the Home Assistant token is not a valid access token")
                row.smart_home_token = token or None
            if row.smart_home and not row.smart_home_token:
                raise PeopleError("a household's Home Assistant needs its long-lived access token too")
            return _household(row)

    async def any_smart_home(self) -> bool:
        """Whether any household has its own smart home."""
        async with self.db.transaction() as session:
            found = await session.scalar(select(HouseholdRow.id).where(HouseholdRow.smart_home.is_not(None)).limit(1))
        return found is not None

    async def smart_home_connection(self, household_id: str) -> tuple[str, str] | None:
        """The household's own Home Assistant: ``(url, token)``, or None. The token is read only
        here (it is never part of :class:`Household`, so no listing, page or log can show it)."""
        async with self.db.transaction() as session:
            row = await session.get(HouseholdRow, household_id)
        if row is None or not row.smart_home or not row.smart_home_token:
            return None
        return row.smart_home, row.smart_home_token

    @staticmethod
    def _plan(plan: str) -> Plan:
        if plan not in PLANS:
            raise PeopleError(f"unknown plan {plan!r} (one of: {', '.join(PLANS)})")
        return "classic" if plan == "classic" else "plus"

    # -- members -----------------------------------------------------------------------------------
    async def add_member(
        self,
        household_id: str,
        name: str,
        *,
        kind: str = "adult",
        admin: bool = False,
        age: int | None = None,
        controls: Controls | None = None,
    ) -> Member:
        if kind not in MEMBER_KINDS:
            raise PeopleError(f"a member is one of: {', '.join(MEMBER_KINDS)}")
        if kind == "child" and admin:
            raise PeopleError("a child cannot be an admin")
        name = _clean(name)
        await self.need_household(household_id)
        row = MemberRow(
            id=f"m-{secrets.token_hex(4)}",
            household_id=household_id,
            name=name,
            kind=kind,
            admin=admin,
            memory_allowed=kind == "adult",
            smart_home_allowed="",
            allowed_tools="",
            explicit_filter=kind == "child",
            created_at=self.clock(),
        )
        _apply(row, controls or Controls())
        _apply(row, Controls(age=age))
        async with self.db.transaction() as session:
            taken = await session.scalar(
                select(func.count())
                .select_from(MemberRow)
                .where(MemberRow.household_id == household_id, func.lower(MemberRow.name) == name.lower())
            )
            if taken:
                raise PeopleError(f"{name} is already a member")
            session.add(row)
        return _member(row)

    async def members(self, household_id: str) -> list[Member]:
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(MemberRow).where(MemberRow.household_id == household_id).order_by(MemberRow.created_at)
            )
            return [_member(r) for r in rows]

    async def member(self, household_id: str, member: str) -> Member | None:
        """By id or (case-insensitive) name, in this household only."""
        async with self.db.transaction() as session:
            row = (
                await session.scalars(
                    select(MemberRow).where(
                        MemberRow.household_id == household_id,
                        (MemberRow.id == member) | (func.lower(MemberRow.name) == member.strip().lower()),
                    )
                )
            ).first()
            return _member(row) if row is not None else None

    async def need_member(self, household_id: str, member: str) -> Member:
        found = await self.member(household_id, member)
        if found is None:
            raise PeopleError(f"no member {member!r} in this household")
        return found

    async def update_member(
        self,
        household_id: str,
        member: str,
        controls: Controls,
    ) -> Member:
        """A parent's settings for a member (see :class:`Controls`)."""
        found = await self.need_member(household_id, member)
        async with self.db.transaction() as session:
            row = await session.get(MemberRow, found.id)
            assert row is not None and row.household_id == household_id
            _apply(row, controls)
            return _member(row)

    async def remove_member(self, household_id: str, member: str) -> bool:
        """The member, their voice profile and their devices' default (their stored turns stay, unnamed)."""
        found = await self.member(household_id, member)
        if found is None:
            return False
        async with self.db.transaction() as session:
            await session.execute(
                delete(VoiceProfileRow).where(
                    VoiceProfileRow.household_id == household_id, VoiceProfileRow.member_id == found.id
                )
            )
            await session.execute(
                update(DeviceRow)
                .where(DeviceRow.household_id == household_id, DeviceRow.default_member_id == found.id)
                .values(default_member_id=None)
            )
            await session.execute(
                delete(MemberRow).where(MemberRow.household_id == household_id, MemberRow.id == found.id)
            )
        return True

    # -- devices' people settings ------------------------------------------------------------------
    async def set_device(
        self,
        household_id: str,
        device_id: str,
        *,
        member: str | None = None,
        kids_mode: bool | None = None,
        room: str | None = None,
    ) -> None:
        """A device's default member (``""``: none), kids-mode switch and room (``""``: none)."""
        values: dict[str, object] = {}
        if room is not None:
            values["room"] = " ".join(room.split())[:64] or None
        if member is not None:
            values["default_member_id"] = (await self.need_member(household_id, member)).id if member else None
        if kids_mode is not None:
            values["kids_mode"] = kids_mode
        if not values:
            return
        async with self.db.transaction() as session:
            done = await session.execute(
                update(DeviceRow)
                .where(DeviceRow.household_id == household_id, DeviceRow.id == device_id)
                .values(**values)
            )
        if not getattr(done, "rowcount", 0):
            raise PeopleError(f"no device {device_id!r} in this household")

    # -- who a turn runs as ------------------------------------------------------------------------
    async def resolve(self, household_id: str, device_id: str, *, voice_member: str | None = None) -> Person:
        """The person a turn on ``device_id`` runs as: the member whose voice was recognised,
        else the device's default member, else the household's shared profile; kids mode when
        that member is a child or the device is switched to it."""
        async with self.db.transaction() as session:
            home = await session.get(HouseholdRow, household_id)
            if home is None:
                raise PeopleError(f"no household {household_id!r}")
            device = (
                await session.scalars(
                    select(DeviceRow).where(DeviceRow.household_id == household_id, DeviceRow.id == device_id)
                )
            ).first()
            kids_device = bool(device is not None and device.kids_mode)
            member_row = None
            for member_id in (voice_member, device.default_member_id if device is not None else None):
                if member_id is None:
                    continue
                member_row = (  # only a member of this household, whatever id was given
                    await session.scalars(
                        select(MemberRow).where(MemberRow.household_id == household_id, MemberRow.id == member_id)
                    )
                ).first()
                if member_row is not None:
                    break
            found = person(_household(home), _member(member_row) if member_row else None, kids_device=kids_device)
        if voice_member is not None and found.member_id == voice_member:
            return dataclasses.replace(found, identified_by="voice")
        return found
