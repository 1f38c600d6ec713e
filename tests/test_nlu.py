"""hark.nlu: recogniser (hassil + library + Hark's templates) and the mapping to tools."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.intents import CORPUS_DIR, load_corpus, tool_skills
from hark.nlu import BrainCommand, IntentRecognizer, ToolCall, first_tool_call, to_tool_call
from hark.nlu.mapping import _HANDLERS, normalize_list_name
from hark.nlu.recognizer import INTENT_SKILLS, _family
from hark.nlu.types import IntentMatch

NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))  # Friday 15:00


@pytest.fixture(scope="module")
def recognizer() -> IntentRecognizer:
    return IntentRecognizer("en")


def call(recognizer: IntentRecognizer, text: str) -> ToolCall | BrainCommand | None:
    """As the classic brain reads a sentence: the first reading that maps to an action."""
    return first_tool_call(recognizer.candidates(text), NOW)


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("set a timer for five minutes", "timer_start", {"duration_s": 300}),
        ("Set a timer for 1 hour and a half.", "timer_start", {"duration_s": 5400}),
        ("set a pasta timer for 8 minutes", "timer_start", {"duration_s": 480, "name": "pasta"}),
        ("Set a timer for the pasta, 8 minutes.", "timer_start", {"duration_s": 480, "name": "pasta"}),
        ("start a timer for my eggs, five minutes", "timer_start", {"duration_s": 300, "name": "eggs"}),
        ("set a timer for the 8 minutes", "timer_start", {"duration_s": 480}),
        ("how long is left on the pasta timer", "timer_status", {"name": "pasta"}),
        ("add 2 minutes to the pasta timer", "timer_adjust", {"delta_s": 120, "name": "pasta"}),
        ("take 30 seconds off the timer", "timer_adjust", {"delta_s": -30}),
        # the best reading (cancel a timer named "2 minutes from the pizza") does not parse: its family's next does
        ("remove 2 minutes from the pizza timer", "timer_adjust", {"delta_s": -120, "name": "pizza"}),
        ("delete bananas from the grocery list", "list_remove", {"list": "shopping", "item": "bananas"}),
        ("calculate 3 to the power of 4", "calculate", {"expression": "3 ^ 4"}),
        ("cancel all timers", "timer_cancel", {"all": True}),
        ("wake me up at 7", "alarm_set", {"time": "07:00"}),
        (
            "set an alarm for 7:30 am on weekdays",
            "alarm_set",
            {"time": "07:30", "days": ["mon", "tue", "wed", "thu", "fri"]},
        ),
        ("set an alarm for 6 tomorrow", "alarm_set", {"time": "06:00", "date": "2025-03-15"}),
        ("what alarms do I have", "alarm_list", {}),
        ("cancel all my alarms", "alarm_cancel", {"all": True}),
        ("remind me to call mum at 6", "reminder_set", {"text": "call mum", "at": "2025-03-14T18:00:00"}),
        (
            "remind me tomorrow at noon to water the plants",
            "reminder_set",
            {"text": "water the plants", "at": "2025-03-15T12:00:00"},
        ),
        (
            "remind me in 20 minutes to check the oven",
            "reminder_set",
            {"text": "check the oven", "at": "2025-03-14T15:20:00"},
        ),
        ("what reminders do I have", "reminder_list", {}),
        ("add milk to the shopping list", "list_add", {"list": "shopping", "item": "milk"}),
        ("add call the plumber to my to do list", "list_add", {"list": "todo", "item": "call the plumber"}),
        ("remove eggs from my shopping list", "list_remove", {"list": "shopping", "item": "eggs"}),
        ("what's on my shopping list", "list_read", {"list": "shopping"}),
        ("clear the shopping list", "list_clear", {"list": "shopping"}),
        ("what time is it", "time_now", {}),
        ("what time is it in Tokyo", "time_now", {"city": "Tokyo"}),
        ("what day is it tomorrow", "date_today", {"offset_days": 1}),
        ("what's the date", "date_today", {}),
        ("what's the weather like", "weather_get", {"when": "now"}),
        ("what's the weather tomorrow", "weather_get", {"when": "tomorrow"}),
        ("set the volume to 40 percent", "volume_set", {"level": 40}),
        ("turn it up", "volume_change", {"delta": 10}),
        ("turn the volume down by 20", "volume_change", {"delta": -20}),
        ("pause the music", "media_control", {"command": "pause"}),
        ("resume", "media_control", {"command": "resume"}),
        ("skip this song", "media_control", {"command": "next"}),
        ("stop the music", "media_control", {"command": "stop"}),
        ("how many grams in 3 pounds", "convert_units", {"value": 3, "from_unit": "pounds", "to_unit": "grams"}),
        ("convert 5 miles to kilometers", "convert_units", {"value": 5, "from_unit": "miles", "to_unit": "kilometers"}),
        ("what is 15 percent of 80", "calculate", {"expression": "15% of 80"}),
        ("what's 12 times 7", "calculate", {"expression": "12 * 7"}),
        ("what's the square root of 81", "calculate", {"expression": "square root of 81"}),
        ("turn on the kitchen lights", "device_turn_on", {"area": "kitchen", "domain": "light"}),
        ("turn off the lights in the bedroom", "device_turn_off", {"area": "bedroom", "domain": "light"}),
    ],
)
def test_sentence_to_tool_call(recognizer: IntentRecognizer, text: str, tool: str, args: dict[str, Any]) -> None:
    assert call(recognizer, text) == ToolCall(tool, args)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("stop", "stop"),
        ("never mind", "stop"),
        ("cancel", "stop"),
        ("yes", "yes"),
        ("yes please", "yes"),
        ("no", "no"),
        ("nope", "no"),
    ],
)
def test_brain_commands(recognizer: IntentRecognizer, text: str, command: str) -> None:
    assert call(recognizer, text) == BrainCommand(command)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "tell me a joke",
        "what is the capital of france",
        "what's the weather in paris",
        "who wrote hamlet",
        "how are you today",
        "set a timer",
        "remind me to call mum",
        "in 5 minutes turn off the lights",
        "what's the meaning of life",
        "set an alarm for banana",
    ],
)
def test_no_wrong_action(recognizer: IntentRecognizer, text: str) -> None:
    assert call(recognizer, text) is None


def test_match_keeps_intent_slots_and_source(recognizer: IntentRecognizer) -> None:
    match = recognizer.recognize("set a pasta timer for 8 minutes")
    assert match is not None
    assert match.intent == "HassStartTimer"
    assert match.slots == {"name": "pasta", "duration": "8 minutes"}
    assert match.source == "hark:timers"
    library = recognizer.recognize("set a timer for five minutes")
    assert library is not None and library.source == "library"


def test_unparseable_slot_gives_none() -> None:
    match = IntentMatch("HassStartTimer", {"duration": "a while"}, "set a timer for a while", "hark:timers")
    assert to_tool_call(match, NOW) is None
    assert to_tool_call(IntentMatch("HassVacuumStart", {}, "vacuum", "library"), NOW) is None


def test_other_rooms_media_is_not_this_device() -> None:
    match = IntentMatch("HassMediaPause", {"area": "kitchen"}, "pause the kitchen music", "library")
    assert to_tool_call(match, NOW) is None


def test_injected_entities() -> None:
    rec = IntentRecognizer(
        "en",
        entities=[("front door", "hall", "lock"), ("ceiling fan", "bedroom", "fan"), ("movie night", None, "scene")],
    )
    assert call(rec, "lock the front door") == ToolCall("lock_set", {"name": "front door", "locked": True})
    assert call(rec, "unlock the front door") == ToolCall("lock_set", {"name": "front door", "locked": False})
    assert call(rec, "turn on the ceiling fan") == ToolCall("device_turn_on", {"name": "ceiling fan", "domain": "fan"})
    assert call(rec, "activate movie night") == ToolCall("scene_activate", {"name": "movie night"})
    rec.set_entities([("desk lamp", "office", "light")], ["office", "cellar"])
    assert call(rec, "turn off the desk lamp") == ToolCall("device_turn_off", {"name": "desk lamp", "domain": "light"})
    assert call(rec, "lock the front door") is None
    assert call(rec, "turn on the kitchen lights") is None  # kitchen is not one of this home's areas


def test_device_area_context() -> None:
    rec = IntentRecognizer("en")
    match = rec.recognize("turn on the lights", area="kitchen")
    assert match is not None
    assert to_tool_call(match, NOW) == ToolCall("device_turn_on", {"area": "kitchen", "domain": "light"})


def test_extra_sentences_dir(tmp_path: Path) -> None:
    (tmp_path / "party.yaml").write_text(
        'language: en\nintents:\n  HarkStop:\n    data:\n      - sentences:\n          - "party is over"\n',
        encoding="utf-8",
    )
    rec = IntentRecognizer("en", extra_sentences_dir=tmp_path)
    match = rec.recognize("party is over")
    assert match is not None and match.source == "extra:party"
    assert to_tool_call(match, NOW) == BrainCommand("stop")


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="no sentences"):
        IntentRecognizer("xx-nowhere")


def test_french_is_a_config_change() -> None:
    rec = IntentRecognizer("fr", areas=["cuisine"])
    assert call(rec, "mets un minuteur de 5 minutes") == ToolCall("timer_start", {"duration_s": 300})
    assert call(rec, "minuteur de 10 minutes") == ToolCall("timer_start", {"duration_s": 600})
    assert call(rec, "quelle heure est-il") == ToolCall("time_now", {})
    assert call(rec, "allume la lumière dans la cuisine") == ToolCall(
        "device_turn_on", {"area": "cuisine", "domain": "light"}
    )


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("shopping", "shopping"),
        ("the grocery list", "shopping"),
        ("to do", "todo"),
        ("To-Do", "todo"),
        ("packing", "packing"),
    ],
)
def test_list_names(name: str, normal: str) -> None:
    assert normalize_list_name(name) == normal


def test_recognition_is_fast(recognizer: IntentRecognizer) -> None:
    sentences = [
        "set a timer for five minutes",
        "what's on my shopping list",
        "tell me a joke",
        "remind me to call mum at 6",
        "turn on the kitchen lights",
    ]
    timings = []
    for _ in range(4):
        for text in sentences:
            start = time.perf_counter()
            match = recognizer.recognize(text)
            if match is not None:
                to_tool_call(match, NOW)
            timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.020


def test_other_readings_of_the_same_intent(recognizer: IntentRecognizer) -> None:
    text = "set a timer for 20 minutes called laundry"
    matches = recognizer.candidates(text)
    assert matches and all(m.intent == "HassStartTimer" for m in matches)
    assert first_tool_call(matches, NOW) == ToolCall("timer_start", {"duration_s": 1200, "name": "laundry"})
    # a misread timer name never cancels a timer
    assert first_tool_call(recognizer.candidates("remove 2 minutes from the pizza timer"), NOW) != ToolCall(
        "timer_cancel", {"name": "2 minutes from the pizza"}
    )


# --- families: the readings candidates() offers are of one skill --------------------------------------

LIST_INTENTS = (
    "HassShoppingListAddItem", "HassShoppingListCompleteItem", "HassListAddItem", "HassListRemoveItem",
    "HassListCompleteItem", "HarkListRead", "HarkListClear",
)  # fmt: skip


def test_family_is_the_skill_not_a_word_in_the_name() -> None:
    assert _family("HarkAlarmList") == "alarms"
    assert _family("HarkReminderList") == "reminders"
    assert {_family(i) for i in LIST_INTENTS} == {"lists"}
    assert {_family(i) for i in ("HassStartTimer", "HassCancelAllTimers", "HassTimerStatus")} == {"timers"}
    assert {_family(i) for i in ("HarkCalculate", "HarkConvert")} == {"calc"}
    # brain commands and intents the mapping ignores are each a family of their own
    assert _family("HarkYes") == "HarkYes" != _family("HarkNo")
    assert _family("HassVacuumStart") == "HassVacuumStart"


def test_family_table_agrees_with_the_mapping(recognizer: IntentRecognizer) -> None:
    skills = tool_skills()
    assert set(INTENT_SKILLS.values()) <= set(skills.values())
    assert set(INTENT_SKILLS) <= set(_HANDLERS) and set(INTENT_SKILLS) <= recognizer.intent_names
    for intent in set(_HANDLERS) - set(INTENT_SKILLS):  # only brain commands are in no skill
        assert isinstance(to_tool_call(IntentMatch(intent, {}, "", "hark:commands"), NOW), BrainCommand), intent
    # every reading that becomes a tool call in the corpus is of the skill that offers the tool
    seen = set()
    for text, _, _ in load_corpus(CORPUS_DIR / "en.tsv"):
        matches = recognizer.candidates(text)
        assert len({_family(m.intent) for m in matches}) <= 1, (text, [m.intent for m in matches])
        for match in matches:
            result = to_tool_call(match, NOW)
            if isinstance(result, ToolCall):
                assert INTENT_SKILLS.get(match.intent) == skills[result.tool], (text, match.intent, result.tool)
                seen.add(match.intent)
                break
    assert {"HarkAlarmList", "HarkReminderList", "HarkListRead", "HassStartTimer"} <= seen


def test_candidates_of_an_alarm_or_reminder_never_include_a_list(tmp_path: Path) -> None:
    # a template that makes "show me my alarms" a list too ("alarms" as a list name)
    (tmp_path / "lists.yaml").write_text(
        'language: en\nintents:\n  HarkListRead:\n    data:\n      - sentences:\n          - "show me my {hark_list:name}"\n',
        encoding="utf-8",
    )
    rec = IntentRecognizer("en", extra_sentences_dir=tmp_path)
    assert [m.intent for m in rec.candidates("show me my shopping")] == ["HarkListRead"]
    for text, intent, tool in (
        ("show me my alarms", "HarkAlarmList", "alarm_list"),
        ("show me my reminders", "HarkReminderList", "reminder_list"),
    ):
        matches = rec.candidates(text)
        assert matches and matches[0].intent == intent
        assert [m.intent for m in matches if m.intent in LIST_INTENTS] == []
        assert first_tool_call(matches, NOW) == ToolCall(tool, {})
