"""Plans and quotas: may this household's turn use the generative brain, and if not, what to say.

Two plans (``households.plan``):

* ``classic`` (free): the classic intents and skills. A request only a language model could
  answer gets :data:`CLASSIC_LINE`, honestly, in one sentence.
* ``plus``: the generative brain, memory, "let's chat"; optionally capped per calendar month
  (in the household's time zone) by ``quota_tokens_month`` and ``quota_requests_month``. Past
  a cap the household is served as ``classic`` until the 1st, and told so
  (:func:`quota_line`); it is never a silent failure.

:func:`decide` is the pure rule (plan, quotas, the month's usage -> :class:`Decision`).
:class:`PlanGate` applies it to a household id: it reads the household's row (kept
``cache_s`` seconds, so a plan changed by ``hark household plan`` counts within that time)
and, only when a quota is set, the month-to-date usage from the
:class:`~hark.household.metering.UsageMeter`. :func:`set_plan` changes a plan and its quotas.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Final, Literal

from ..brain.clock import ordinal
from ..errors import HarkError
from ..store import Database, StorageError
from ..store.models import DEFAULT_HOUSEHOLD, PLANS, HouseholdRow
from .metering import Usage, UsageMeter, household_zone, next_month_start

log = logging.getLogger(__name__)

__all__ = [
    "CLASSIC_LINE",
    "CLASSIC_LINE_NO_HOME",
    "KEEP",
    "Decision",
    "Plan",
    "PlanError",
    "PlanGate",
    "Quotas",
    "Reason",
    "decide",
    "quota_line",
    "set_plan",
]

Plan = Literal["classic", "plus"]
Reason = Literal["plus", "classic-plan", "token-quota", "request-quota", "no-household", "unchecked"]

CLASSIC_LINE: Final = (
    "That needs Hark's generative plan; I can still do timers, alarms, lists, weather, and your smart home."
)
CLASSIC_LINE_NO_HOME: Final = (
    "That needs Hark's generative plan; I can still do timers, alarms, lists, and the weather."
)


def quota_line(resets: dt.date) -> str:
    """What a household past its monthly quota hears (``resets``: the 1st of next month)."""
    return (
        "You've used this month's conversation allowance, "
        f"so I'll keep to the basics until {resets.strftime('%B')} {ordinal(resets.day)}."
    )


class PlanError(HarkError):
    """A plan or quota change was refused (unknown household, unknown plan, negative quota)."""

    code = "plan-refused"


@dataclasses.dataclass(frozen=True, slots=True)
class Quotas:
    """Monthly caps; None: no cap."""

    tokens_month: int | None = None
    requests_month: int | None = None

    @classmethod
    def of(cls, row: HouseholdRow) -> Quotas:
        return cls(row.quota_tokens_month, row.quota_requests_month)

    @property
    def any(self) -> bool:
        return self.tokens_month is not None or self.requests_month is not None


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    """Whether the generative brain may answer, and the exact line to speak when it may not."""

    generative: bool
    reason: Reason
    line: str = ""
    """Empty when ``generative``; else one spoken sentence."""
    resets_at: dt.datetime | None = None
    """Past a quota: when the month ends (the household's zone)."""
    usage: Usage | None = None
    """The month-to-date usage the decision read (None: no quota, so none was read)."""


def decide(
    plan: str,
    quotas: Quotas,
    usage: Usage | None,
    *,
    now: dt.datetime,
    zone: dt.tzinfo = dt.UTC,
    smart_home: bool = True,
) -> Decision:
    """The rule. ``usage``: the household's month-to-date (needed only when a quota is set;
    None counts as none used). ``now``/``zone`` give the date the allowance comes back.
    An unknown plan is served as ``classic``."""
    if plan != "plus":
        return Decision(False, "classic-plan", CLASSIC_LINE if smart_home else CLASSIC_LINE_NO_HOME, usage=usage)
    used = usage or Usage()
    reason: Reason | None = None
    if quotas.requests_month is not None and used.requests >= quotas.requests_month:
        reason = "request-quota"
    elif quotas.tokens_month is not None and used.tokens >= quotas.tokens_month:
        reason = "token-quota"
    if reason is None:
        return Decision(True, "plus", usage=usage)
    resets = next_month_start(now, zone)
    return Decision(False, reason, quota_line(resets.date()), resets_at=resets, usage=usage)


@dataclasses.dataclass(slots=True)
class _Held:
    row: HouseholdRow | None
    read_at: dt.datetime


class PlanGate:
    """:func:`decide` for a household id, reading what it needs (see the module docstring).

    :param meter: month-to-date usage (and the clock: ``meter.now``).
    :param default_timezone: the zone of a household without one (``brain.timezone``).
    :param smart_home: whether the default household has the config's smart home (another
        household has one only with its own ``smart_home`` URL), for the wording of :data:`CLASSIC_LINE`.
    :param cache_s: how long a household's row is trusted before it is read again.
    :param fail_open: when the database cannot be read and nothing is cached, allow the
        generative brain (True, the self-hosted default: a full disk must not mute Hark) or
        refuse it as ``classic`` (False: a provider that must not give away paid usage).
    """

    def __init__(
        self,
        meter: UsageMeter,
        *,
        default_timezone: str = "",
        smart_home: bool = True,
        cache_s: float = 30.0,
        fail_open: bool = True,
    ) -> None:
        if cache_s < 0:
            raise ValueError(f"cache_s must not be negative, not {cache_s!r}")
        self.meter = meter
        self.default_timezone = default_timezone
        self.smart_home = smart_home
        self.cache = dt.timedelta(seconds=cache_s)
        self.fail_open = fail_open
        self._rows: dict[str, _Held] = {}
        self._failing = False

    async def check(self, household_id: str) -> Decision:
        """May this household's turn use the generative brain now? Never raises for storage:
        a database that cannot be read gives the last known row, else ``fail_open``."""
        now = self.meter.now()
        try:
            row = await self._row(household_id, now)
            if row is None:
                return Decision(False, "no-household", CLASSIC_LINE_NO_HOME)
            zone = household_zone(row, self.default_timezone)
            quotas = Quotas.of(row)
            usage = await self.meter.month_to_date(household_id, zone) if row.plan == "plus" and quotas.any else None
        except StorageError as exc:
            held = self._rows.get(household_id)
            if not self._failing:
                log.warning("cannot read the plan of household %r: %s", household_id, exc)
            self._failing = True
            if held is not None and held.row is not None and (held.row.plan != "plus" or not Quotas.of(held.row).any):
                return self._decide(held.row, None, now)
            if self.fail_open:
                return Decision(True, "unchecked")
            return Decision(False, "unchecked", CLASSIC_LINE if self.smart_home else CLASSIC_LINE_NO_HOME)
        self._failing = False
        return self._decide(row, usage, now)

    def forget(self, household_id: str | None = None) -> None:
        """Drop cached rows (after a plan change in this process): the next check reads."""
        if household_id is None:
            self._rows.clear()
        else:
            self._rows.pop(household_id, None)

    def _decide(self, row: HouseholdRow, usage: Usage | None, now: dt.datetime) -> Decision:
        return decide(
            row.plan,
            Quotas.of(row),
            usage,
            now=now,
            zone=household_zone(row, self.default_timezone),
            smart_home=bool(row.smart_home) or (self.smart_home and row.id == DEFAULT_HOUSEHOLD),
        )

    async def _row(self, household_id: str, now: dt.datetime) -> HouseholdRow | None:
        held = self._rows.get(household_id)
        if held is not None and self.cache and dt.timedelta(0) <= now - held.read_at < self.cache:
            return held.row
        row = await self.meter.household(household_id)
        self._rows[household_id] = _Held(row, now)
        return row


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()
"""For :func:`set_plan`: leave this quota as it is."""


async def set_plan(
    db: Database,
    household_id: str,
    plan: str,
    *,
    tokens_month: int | _Keep | None = KEEP,
    requests_month: int | _Keep | None = KEEP,
) -> HouseholdRow:
    """Change a household's plan and, when given, its monthly quotas (None removes one).
    Raises :class:`PlanError` for an unknown household or plan or a negative quota."""
    if plan not in PLANS:
        raise PlanError(f"unknown plan {plan!r}: choose {' or '.join(PLANS)}")
    for name, value in (("tokens", tokens_month), ("requests", requests_month)):
        if isinstance(value, int) and value < 0:
            raise PlanError(f"the {name} quota cannot be negative ({value})")
    async with db.transaction() as session:
        row = await session.get(HouseholdRow, household_id)
        if row is None:
            raise PlanError(f"no household {household_id!r}")
        row.plan = plan
        if not isinstance(tokens_month, _Keep):
            row.quota_tokens_month = tokens_month
        if not isinstance(requests_month, _Keep):
            row.quota_requests_month = requests_month
        await session.flush()
        return row
