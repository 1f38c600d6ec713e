"""Kids mode's tool policy and persona: which tools a child may run, and the chat prompt."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from hark.kids import KidsPolicy, SafetyCheck, kids_persona
from hark.kids.policy import CHILD_TOOLS, MEMORY_TOOLS, SMART_HOME_PERMISSIONS, SMART_HOME_TOOLS
from hark.skills.smarthome.tools import TOOLS as SMART_HOME_TOOL_SPECS

LIGHTS_ONLY = KidsPolicy(smart_home_allowed=frozenset({"light"}))


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("timer_start", {"duration_s": 600}),
        ("timer_cancel", {"all": True}),
        ("list_read", {"list": "shopping"}),
        ("time_now", {}),
        ("date_today", {}),
        ("weather_get", {"when": "tomorrow"}),
        ("calculate", {"expression": "7 * 8"}),
        ("volume_change", {"delta": 10}),
        ("media_control", {"command": "pause"}),
    ],
)
def test_everyday_tools_are_fine(tool: str, arguments: dict[str, Any]) -> None:
    assert KidsPolicy().allows_tool(tool, arguments).ok


@pytest.mark.parametrize("tool", ["list_add", "list_clear", "announce", "alarm_set", "reminder_cancel", "send_email"])
def test_other_tools_need_the_parent(tool: str) -> None:
    verdict = KidsPolicy().allows_tool(tool, {})
    assert (verdict.ok, verdict.category, verdict.layer) == (False, "not-allowed", "policy")
    assert verdict.speech
    assert KidsPolicy(tools_allowed=CHILD_TOOLS | {tool}).allows_tool(tool, {}).ok


@pytest.mark.parametrize("tool", ["buy_item", "order_food", "shop_checkout", "store_purchase", "payment_send"])
def test_purchases_are_always_refused(tool: str) -> None:
    everything = KidsPolicy(
        smart_home_allowed=SMART_HOME_PERMISSIONS, memory_allowed=True, tools_allowed=frozenset({tool})
    )
    verdict = everything.allows_tool(tool, {})
    assert (verdict.ok, verdict.category) == (False, "purchase")
    assert everything.purchases is False


@pytest.mark.parametrize(
    ("tool", "arguments", "ok"),
    [
        ("device_turn_off", {"area": "bedroom"}, True),  # an area alone means its lights
        ("device_turn_on", {"name": "kitchen lights"}, True),
        ("device_turn_on", {"domain": "light", "everywhere": True}, True),
        ("light_set", {"color": "purple"}, True),
        ("device_turn_on", {"name": "bedroom fan"}, False),
        ("device_turn_on", {"name": "the telly"}, False),  # kind unknown: only with every kind allowed
        ("device_turn_off", {"domain": "all"}, False),
        ("lock_set", {"name": "front door", "locked": False}, False),
        ("cover_set", {"name": "garage door", "action": "open"}, False),
        ("climate_set", {"temperature": 25}, False),
        ("alarm_panel_set", {"armed": False}, False),
        ("device_state", {"name": "porch light"}, False),
    ],
)
def test_smart_home_only_what_the_parent_allowed(tool: str, arguments: dict[str, Any], ok: bool) -> None:
    verdict = LIGHTS_ONLY.allows_tool(tool, arguments)
    assert verdict.ok is ok
    if not ok:
        assert verdict.category == "smart-home"


def test_dangerous_halves_need_their_own_permission() -> None:
    locks = KidsPolicy(smart_home_allowed=frozenset({"lock", "cover", "alarm_control_panel"}))
    assert locks.allows_tool("lock_set", {"name": "front door", "locked": True}).ok
    assert not locks.allows_tool("lock_set", {"name": "front door", "locked": False}).ok
    assert locks.allows_tool("cover_set", {"name": "bedroom blinds", "action": "open"}).ok
    assert not locks.allows_tool("cover_set", {"name": "garage door", "action": "open"}).ok
    assert locks.allows_tool("alarm_panel_set", {"armed": True}).ok
    assert not locks.allows_tool("alarm_panel_set", {"armed": False}).ok
    assert locks.allows_domain("lock") and not locks.allows_domain("lock", dangerous=True)
    everything = KidsPolicy(smart_home_allowed=SMART_HOME_PERMISSIONS)
    assert everything.allows_tool("device_turn_on", {"name": "the telly"}).ok
    assert everything.allows_tool("lock_set", {"name": "front door", "locked": False}).ok


def test_every_smart_home_tool_is_covered() -> None:
    assert {t.name for t in SMART_HOME_TOOL_SPECS} == SMART_HOME_TOOLS


def test_unknown_permissions_are_refused() -> None:
    with pytest.raises(ValueError, match="lights"):
        KidsPolicy(smart_home_allowed=frozenset({"lights"}))


def test_memory_only_when_allowed_and_never_personal_details() -> None:
    off = KidsPolicy()
    for tool in ("memory_remember", "memory_list"):
        assert off.allows_tool(tool, {"text": "my favourite colour is blue"}).category == "memory"
    assert off.allows_tool("memory_forget", {"query": "colour"}).ok
    on = KidsPolicy(memory_allowed=True)
    check = SafetyCheck(None)
    assert on.allows_tool("memory_remember", {"text": "my favourite colour is blue"}, safety=check).ok
    verdict = on.allows_tool("memory_remember", {"text": "my address is 5 oak lane"}, safety=check)
    assert (verdict.ok, verdict.category) == (False, "memory")
    assert "private" in verdict.speech
    assert {"memory_remember", "memory_forget", "memory_list"} == MEMORY_TOOLS


def test_policy_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        KidsPolicy().memory_allowed = True  # type: ignore[misc]


# -- the persona ------------------------------------------------------------------------------


def test_persona_is_playful_short_and_asks_back() -> None:
    text = kids_persona(8, "Mia")
    lower = text.lower()
    assert "mia" in lower and "8 years old" in lower
    for needle in ("playful", "encouraging", "short", "question back", "grown-up they trust", "buy"):
        assert needle in lower, needle
    for private in ("address", "phone", "password", "school"):
        assert private in lower  # named as things never to ask for


def test_persona_adapts_to_age_and_keeps_only_a_first_name() -> None:
    young, older = kids_persona(5, None), kids_persona(12, None)
    assert "very short sentences" in young
    assert "very short sentences" not in older
    assert "a child" in kids_persona(None, None)
    text = kids_persona(None, "Mia Johnson")
    assert "Mia" in text and "Johnson" not in text
    with pytest.raises(ValueError, match="age"):
        kids_persona(40, "Dad")
