"""Who may run which tool: the one check every tool call passes (:attr:`SkillRegistry.policy`).

Called for the classic brain's intents and the model's tool calls alike, before anything runs
(a child is never even asked to confirm an unlock). What it enforces:

* **memory**: a plus-plan feature, and a child's only when a parent allowed it ("forget" always
  works);
* **kids mode** (a child, or any turn on a kids-mode device): the parent's tools and smart-home
  permissions (:class:`hark.kids.KidsPolicy`: no purchases ever, no personal details stored), and
  quiet hours, when only the clock, alarms, timers and the volume answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..kids import KidsPolicy, SafetyCheck
from ..kids.policy import CHILD_TOOLS, SMART_HOME_PERMISSIONS
from ..skills.base import SkillContext

MEMORY_NEEDS_PLUS = "Remembering things for you needs Hark's generative plan."
MEMORY_OFF = "I'm not keeping memories for you; a grown-up can switch that on."
BEDTIME = "It's quiet time now, so that will have to wait until morning. Sleep well!"

QUIET_TOOLS = frozenset(
    {
        "time_now",
        "date_today",
        "alarm_list",
        "alarm_cancel",
        "timer_status",
        "timer_cancel",
        "reminder_list",
        "volume_set",
        "volume_change",
    }
)
"""What still answers in a child's quiet hours."""


def in_quiet_hours(hours: str | None, now: dt.datetime) -> bool:
    """Whether local ``now`` falls in "HH:MM-HH:MM" (which may cross midnight)."""
    if not hours:
        return False
    start, _, end = hours.partition("-")
    t = now.strftime("%H:%M")
    return start <= t < end if start <= end else (t >= start or t < end)


class HouseholdPolicy:
    """:param safety: the kids' safety check (what a child's memory may keep).

    Which home a smart-home call drives is not decided here but by the router
    (:class:`hark.household.smarthomes.SmartHomeRouter`): always the request's own household's."""

    def __init__(self, *, safety: SafetyCheck | None = None) -> None:
        self.safety = safety

    def __call__(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> str | None:
        who = ctx.who
        if tool in ("memory_remember", "memory_list"):
            if who.plan != "plus":
                return MEMORY_NEEDS_PLUS
            if not who.memory_allowed:
                return MEMORY_OFF
        if not who.kids_mode:
            return None
        if in_quiet_hours(who.quiet_hours, ctx.now()) and tool not in QUIET_TOOLS:
            return BEDTIME
        rules = KidsPolicy(
            smart_home_allowed=who.smart_home_allowed & SMART_HOME_PERMISSIONS,
            memory_allowed=who.memory_allowed,
            tools_allowed=who.tools_allowed if who.tools_allowed is not None else CHILD_TOOLS,
        )
        verdict = rules.allows_tool(tool, arguments, safety=self.safety)
        return None if verdict.ok else verdict.speech
