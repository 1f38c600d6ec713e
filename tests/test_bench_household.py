"""The spoken benchmarks' bookkeeping (no engines): corpus ids and the checks of bench.household_brain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.corpus import COMMANDS, OPEN_QUESTIONS, REQUESTS, request_id
from bench.household_brain import spoken_date_ok, spoken_time_ok, verify
from bench.llm_common import ModelCall
from hark.brain.base import Action
from hark.config import load_settings
from hark.pipeline.respond import Reply
from hark.pipeline.result import TurnResult
from hark.pipeline.trace import TurnTrace

EMPTY: dict[str, Any] = {
    "timers": [],
    "list_items": [],
    "alarms": 0,
    "reminders": 0,
    "scheduled": [],
    "ha_calls": [],
    "weather_requests": 0,
}
SETTINGS = load_settings(env={"HARK_BRAIN__TIMEZONE": "Europe/Paris"}, user_config=False)
NOW = dt.datetime(2025, 3, 6, 23, 28, tzinfo=dt.UTC)  # 00:28 on Friday 7 March in Paris


def turn(text: str, brain: str, *actions: Action) -> TurnResult:
    return TurnResult(TurnTrace(), "heard", Reply(text=text, brain=brain, actions=list(actions)))


def test_ids_keep_the_time_and_date_audio_of_earlier_runs() -> None:
    # the id seeds the noise: the time/date items must keep theirs ("<voice>/r07")
    assert [request_id(r) for r in REQUESTS] == [f"r{i:02d}" for i in range(12)]
    assert request_id(COMMANDS[3]) == "c03"
    assert request_id(OPEN_QUESTIONS[5]) == "q05"


def test_spoken_time_and_date() -> None:
    paris = NOW.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert spoken_time_ok("It's 12:28 AM.", paris)
    assert spoken_time_ok("It is 00:27.", paris)
    assert not spoken_time_ok("It's 11:28 PM.", paris)
    assert spoken_date_ok("Today is Friday, March 7th.", paris.date())
    assert not spoken_date_ok("Today is Thursday, March 6th.", paris.date())


def test_a_timer_that_is_really_stored_passes() -> None:
    after = {**EMPTY, "timers": [{"name": "5 minute", "duration_s": 300, "state": "running"}], "scheduled": ["timer:1"]}
    r = turn("Timer set for 5 minutes.", "classic", Action("timer_start", {"duration_s": 300}))
    check = verify(COMMANDS[0], r, EMPTY, after, settings=SETTINGS, asked_at=NOW)
    assert check["ok"] and check["side_effects"] == []


def test_wrong_duration_missing_effect_and_side_effects_fail() -> None:
    r = turn("Timer set for 15 minutes.", "classic", Action("timer_start", {"duration_s": 900}))
    after = {
        **EMPTY,
        "timers": [{"name": "15 minute", "duration_s": 900, "state": "running"}],
        "scheduled": ["timer:1"],
    }
    check = verify(COMMANDS[0], r, EMPTY, after, settings=SETTINGS, asked_at=NOW)
    assert not check["skill_ok"] and not check["effect_ok"] and not check["ok"]
    # the time answered, but a list item appeared too
    r = turn("It's 12:28 AM.", "classic", Action("time_now", {}))
    after = {**EMPTY, "list_items": [{"list": "shopping", "item": "milk"}]}
    check = verify(REQUESTS[0], r, EMPTY, after, settings=SETTINGS, asked_at=NOW)
    assert check["skill_ok"] and check["effect_ok"] and check["side_effects"] and not check["ok"]


def test_open_questions_need_the_model_to_write() -> None:
    r = turn("Sunlight scatters.", "generative")
    wrote = ModelCall(started=1.0, messages=[], tools=0, first_text=1.1, ended=1.5)
    assert verify(OPEN_QUESTIONS[0], r, EMPTY, EMPTY, settings=SETTINGS, asked_at=NOW, calls=[wrote])["ok"]
    failed = ModelCall(started=1.0, messages=[], tools=0, ended=1.01)
    apology = turn("Sorry, my smart answers are unavailable right now.", "generative")
    check = verify(OPEN_QUESTIONS[0], apology, EMPTY, EMPTY, settings=SETTINGS, asked_at=NOW, calls=[failed])
    assert check["right_tier"] and not check["ok"]
    # a classic answer to an open question is the wrong tier
    assert not verify(OPEN_QUESTIONS[0], turn("It's noon.", "classic"), EMPTY, EMPTY, settings=SETTINGS, asked_at=NOW)[
        "right_tier"
    ]
