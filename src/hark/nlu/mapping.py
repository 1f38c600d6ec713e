"""IntentMatch -> a tool call of TOOLS.md (or a brain command), with arguments in the tool's shape.

The one rule: never a wrong action. When a slot does not parse, or an intent is
about something Hark's tools do not cover (another room's media player, a floor,
a delayed command), the answer is ``None`` and the request goes to the next brain.

Conventions: durations become whole seconds; clock times "HH:MM" (24 h); an
ambiguous hour the next occurrence (or a.m. for "wake me up"); reminder moments
ISO-8601 local time without offset; list names are normalised ("shopping list" ->
``shopping``, "to do" -> ``todo``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from . import numbers as num
from .spoken import spoken_expression, spoken_quantity, spoken_root, spoken_unit
from .types import LIBRARY_SOURCE, BrainCommand, IntentMatch, ToolCall

Result = ToolCall | BrainCommand | None

VOLUME_STEP = 10
"""Volume change for "louder"/"quieter" without a number."""

_LIST_ALIASES = {
    "shopping": "shopping", "grocery": "shopping", "groceries": "shopping", "grocery shopping": "shopping",
    "shop": "shopping", "to do": "todo", "todo": "todo", "to-do": "todo", "to dos": "todo", "todos": "todo",
    "to-dos": "todo", "task": "todo", "tasks": "todo", "things to do": "todo",
}  # fmt: skip


def to_tool_call(match: IntentMatch, now: dt.datetime) -> Result:
    """The tool call for ``match`` (``now`` is tz-aware, local), or ``None`` to pass the request on."""
    handler = _HANDLERS.get(match.intent)
    if handler is None:
        return None
    try:
        return handler(match.slots, match, now)
    except (ValueError, TypeError, OverflowError):
        return None


def first_tool_call(matches: Sequence[IntentMatch], now: dt.datetime) -> Result:
    """The first of ``matches`` (readings of one intent, best first) that maps to a call."""
    for match in matches:
        result = to_tool_call(match, now)
        if result is not None:
            return result
    return None


# --- helpers ------------------------------------------------------------------------------------


_TRAILING_PLEASE = re.compile(r"[\s,]+(?:please|pls|thanks|thank you)$", re.IGNORECASE)


def _text(slots: dict[str, Any], key: str) -> str | None:
    value = slots.get(key)
    if value is None:
        return None
    text = " ".join(str(value).split()).strip(" .,?!")
    text = _TRAILING_PLEASE.sub("", text).strip(" .,?!")  # a wildcard at the end keeps the "please"
    return text or None


def _strip_article(text: str) -> str:
    return re.sub(r"^(the|my|our|a|an|some)\s+", "", text.strip(), flags=re.IGNORECASE)


def normalize_list_name(name: str) -> str | None:
    """ "shopping list" -> "shopping", "To-Do" -> "todo", "packing" -> "packing"."""
    text = _strip_article(name.lower().strip())
    text = re.sub(r"\s+lists?$", "", text).strip()
    if not text or len(text.split()) > 3 or text in ("the", "my", "our", "a", "an", "this", "that"):
        return None
    return _LIST_ALIASES.get(text, text)


def _targets(slots: dict[str, Any]) -> dict[str, Any] | None:
    """``name``/``area`` of a device request; ``None`` when there is neither (or only a floor)."""
    out = {k: slots[k] for k in ("name", "area") if isinstance(slots.get(k), str) and slots[k]}
    return out or None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    if isinstance(value, str):
        return num.parse_int(value)
    return None


# --- timers -------------------------------------------------------------------------------------


def _duration(slots: dict[str, Any], prefix: str = "") -> int | None:
    """Seconds from the wildcard ``duration`` or the library's hours/minutes/seconds ranges."""
    if (text := _text(slots, "duration")) is not None and not prefix:
        return num.parse_duration(text)
    total = 0
    found = False
    for key, scale in (("hours", 3600), ("minutes", 60), ("seconds", 1)):
        value = slots.get(prefix + key)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        total += round(float(value) * scale)
        found = True
    return total if found else None


_NOT_A_NAME = re.compile(r"\d|\b(from|off|to|by|for|of|on|in|and|minutes?|seconds?|hours?|timers?)\b")


def _timer_name(slots: dict[str, Any]) -> str | None:
    name = _text(slots, "name")
    if name is None:
        return None
    name = _strip_article(name)
    name = re.sub(r"\s+timer$", "", name, flags=re.IGNORECASE).lower()
    # a name that holds a number or a preposition is a misread sentence ("2 minutes from the pizza")
    if not name or len(name.split()) > 3 or _NOT_A_NAME.search(name):
        raise ValueError(f"not a timer name: {name!r}")
    return name


def _timer_target(slots: dict[str, Any]) -> dict[str, Any] | None:
    """``{"name": ...}`` or ``{}``; ``None`` when the timer is named by its duration or room."""
    if any(k.startswith("start_") for k in slots) or "area" in slots:
        return None
    name = _timer_name(slots)
    return {"name": name} if name else {}


def _split_name_and_duration(slots: dict[str, Any]) -> dict[str, Any]:
    """ "a timer for the pasta, 8 minutes": the one wildcard holds "the pasta 8 minutes" (the
    comma is gone); split off the longest tail that is a duration, if what precedes it can be a name."""
    text = _text(slots, "duration")
    if text is None or "name" in slots:
        return slots
    words = text.split()
    for i in range(1, len(words)):
        if num.parse_duration(" ".join(words[i:])) is not None:
            name = " ".join(words[:i])
            if re.fullmatch(r"(the|my|our|a|an|some)", name, flags=re.IGNORECASE):
                return {**slots, "duration": " ".join(words[i:])}  # "a timer for the 8 minutes": no name
            try:
                if _timer_name({"name": name}):
                    return {**slots, "duration": " ".join(words[i:]), "name": name}
            except ValueError:
                pass
            return slots
    return slots


def _timer_start(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if "conversation_command" in slots:
        return None  # "in 5 minutes turn off the lights": a delayed command, not a timer
    seconds = _duration(slots)
    if seconds is None:
        slots = _split_name_and_duration(slots)
        seconds = _duration(slots)
    if seconds is None:
        return None
    # an impossible duration (minus five minutes, 900 days) still goes to the timer tool:
    # the brain refuses it with the reason, which beats "I can't help with that"
    args: dict[str, Any] = {"duration_s": seconds}
    if name := _timer_name(slots):
        args["name"] = name
    return ToolCall("timer_start", args)


def _timer_simple(tool: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        target = _timer_target(slots)
        return None if target is None else ToolCall(tool, target)

    return handler


def _timer_cancel_all(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    return None if "area" in slots else ToolCall("timer_cancel", {"all": True})


def _timer_adjust(sign: int) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        target = _timer_target(slots)
        seconds = _duration(slots)
        if target is None or seconds is None or seconds <= 0:
            return None
        return ToolCall("timer_adjust", {"delta_s": sign * seconds, **target})

    return handler


# --- alarms and reminders -----------------------------------------------------------------------

_DAYS_SPLIT = re.compile(r"^(.*?)\s+(?:on|every|each|for)\s+(.+)$")


def _alarm_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    text = _text(slots, "time")
    if text is None:
        return None
    days_text = _text(slots, "days")
    date: dt.date | None = None
    if slots.get("date") == "tomorrow":
        date = now.date() + dt.timedelta(days=1)
    clock = num.parse_clock(text)
    if clock is None and days_text is None and (m := _DAYS_SPLIT.match(text)):
        # one template caught "7:30 am on weekdays" whole: split it here
        clock, days_text = num.parse_clock(m.group(1)), m.group(2)
    if clock is None and days_text is None:
        moment = num.parse_datetime(text, now)
        if moment is None:
            return None
        clock, date = num.ClockTime(moment.hour, moment.minute), moment.date()
    if clock is None:
        return None
    args: dict[str, Any] = {}
    if days_text is not None and _once_on_a_day(days_text, match.text):
        date = num.parse_date(days_text, now.date())
        if date is None:
            return None
    elif days_text is not None:
        days = num.parse_weekdays(days_text) or num.parse_weekdays("every " + days_text)
        if days is None:
            day = num.parse_date(days_text, now.date())
            if day is None:
                return None
            date = day
        else:
            args["days"] = list(days)
    if clock.ambiguous:
        if slots.get("wake"):
            clock = num.ClockTime(clock.hour % 12, clock.minute)
        elif "days" not in args:
            moment = num.resolve_clock(clock, now, date)
            clock = num.ClockTime(moment.hour, moment.minute)
        else:
            return None  # "every monday at 6": morning or evening? ask the next brain
    args = {"time": clock.hhmm(), **args}
    if date is not None:
        args["date"] = date.isoformat()
    if label := _text(slots, "label"):
        label = _strip_article(label)
        if (recurring := num.parse_weekdays(label)) is not None and "days" not in args:
            # "a daily alarm", "a weekday alarm": when it repeats, not its name
            args["days"] = list(recurring)
            args.pop("date", None)
        elif label.lower() in ("recurring", "repeating"):
            return None
        else:
            args["label"] = label
    return ToolCall("alarm_set", args)


_ONE_WEEKDAY = re.compile(r"(?:this |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.IGNORECASE)


def _once_on_a_day(days_text: str, said: str) -> bool:
    """ "at 7 am on monday" is one alarm, next Monday; "on mondays", "every monday" recur."""
    return (
        _ONE_WEEKDAY.fullmatch(days_text) is not None
        and re.search(rf"\bon\s+{re.escape(days_text)}\b", said, re.IGNORECASE) is not None
        and re.search(r"\b(every|each|weekly|recurring|repeating)\b", said, re.IGNORECASE) is None
    )


def _alarm_cancel(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("all"):
        return ToolCall("alarm_cancel", {"all": True})
    if (label := _text(slots, "label")) is not None:
        label = _strip_article(label).lower()
        # "cancel the 7 am alarm" is a time (another reading); a label is a word or two ("gym")
        if num.parse_clock(label) is not None or _NOT_A_LABEL.search(label) or len(label.split()) > 3:
            return None
        return ToolCall("alarm_cancel", {"label": label})
    text = _text(slots, "time")
    if text is None:
        return ToolCall("alarm_cancel", {})
    clock = num.parse_clock(text)
    if clock is None:
        return None
    if clock.ambiguous:
        return None  # which of 7:00 and 19:00? the skill's list is not known here
    return ToolCall("alarm_cancel", {"time": clock.hhmm()})


_NOT_A_LABEL = re.compile(
    r"\d|\b(am|pm|a m|p m|o'?clock|morning|evening|night|tomorrow|today|tonight|alarms?|all|every|my|the)\b"
)

_TRAILING_DAY = re.compile(
    r"\s+((?:on |next |this )?(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|today|the day after tomorrow)$",
    re.IGNORECASE,
)


_TRAILING_AT = re.compile(
    r"\s+at\s+(\S+(?:\s+(?:am|pm|a m|p m|o'clock|in the (?:morning|afternoon|evening)))?)$", re.IGNORECASE
)


def _reminder_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    text, when = _text(slots, "text"), _text(slots, "when")
    if text is None or when is None:
        return None
    prefix = str(slots.get("when_prefix") or "")
    # "remind me to buy flowers on monday at 10": the day went into the text
    if m := _TRAILING_DAY.search(text):
        if prefix not in ("at", ""):
            return None
        text = text[: m.start()].strip()
        when = f"{m.group(1)} at {when}" if prefix == "at" else f"{m.group(1)} {when}"
        prefix = ""
        if not text:
            return None
    moment = num.parse_datetime(f"{prefix} {when}".strip(), now)
    if moment is None and (m := _TRAILING_AT.search(text)) and num.parse_date(f"{prefix} {when}", now.date()):
        # "remind me on friday to call the bank at 9": the time went into the text
        moment = num.parse_datetime(f"{prefix} {when} at {m.group(1)}".strip(), now)
        text = text[: m.start()].strip()
    if moment is None or moment <= now or not text:
        return None
    local = moment.astimezone(now.tzinfo).replace(tzinfo=None, microsecond=0)
    return ToolCall("reminder_set", {"text": text, "at": local.isoformat(timespec="seconds")})


def _reminder_cancel(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("all"):
        return ToolCall("reminder_cancel", {"all": True})
    text = _text(slots, "text")
    return None if text is None else ToolCall("reminder_cancel", {"text": text})


# --- lists ----------------------------------------------------------------------------------------


def _list_item(
    tool: str, fixed_list: str | None = None
) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        name = fixed_list or normalize_list_name(_text(slots, "name") or "")
        item = _text(slots, "item")
        if not name or not item:
            return None
        return ToolCall(tool, {"list": name, "item": _strip_article(item)})

    return handler


def _list_whole(tool: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        name = normalize_list_name(_text(slots, "name") or "")
        return None if not name else ToolCall(tool, {"list": name})

    return handler


# --- clock and weather --------------------------------------------------------------------------


def _time_now(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    city = _text(slots, "city")
    if city is None:
        return ToolCall("time_now", {})
    city = re.sub(r"\s+(right now|now|at the moment)$", "", _strip_article(city))
    if not city or any(c.isdigit() for c in city) or len(city.split()) > 4:
        return None
    return ToolCall("time_now", {"city": city})


def _date_today(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    day_text = _text(slots, "day")
    if day_text is None:
        return ToolCall("date_today", {})
    day = num.parse_date(day_text, now.date())
    if day is None:
        return None
    offset = (day - now.date()).days
    if not -7 <= offset <= 366:
        return None
    return ToolCall("date_today", {"offset_days": offset} if offset else {})


_NOW_WORDS = {
    "now", "right now", "at the moment", "outside", "currently", "out", "out there", "outside right now",
    "outside now", "out there right now",
}  # fmt: skip
_TODAY_WORDS = {
    "today",
    "this morning",
    "this afternoon",
    "this evening",
    "tonight",
    "later",
    "later today",
    "this week",
}


def _weather(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    when = (_text(slots, "when") or "now").lower()
    if when in _NOW_WORDS:
        return ToolCall("weather_get", {"when": "now"})
    if when in _TODAY_WORDS:
        return ToolCall("weather_get", {"when": "today"})
    when = re.sub(r"\s+(morning|afternoon|evening|night)$", "", when)
    if re.fullmatch(r"(?:for |over |on )?(?:this |the )?weekend", when):  # the next Saturday (or today, at the weekend)
        when = "today" if now.weekday() >= 5 else "saturday"
    day = num.parse_date(when, now.date())
    if day is None or not 0 <= (day - now.date()).days <= 15:
        return None
    offset = (day - now.date()).days
    label = "today" if offset == 0 else "tomorrow" if offset == 1 else day.isoformat()
    return ToolCall("weather_get", {"when": label})


# --- media --------------------------------------------------------------------------------------


def _local_only(slots: dict[str, Any], match: IntentMatch) -> bool:
    """Volume and playback tools act on the speaking device: a named player or room is not it."""
    return match.source != LIBRARY_SOURCE or not ({"name", "area", "floor"} & slots.keys())


def _volume_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    level = _int(slots.get("volume_level"))
    if not _local_only(slots, match) or level is None or not 0 <= level <= 100:
        return None
    return ToolCall("volume_set", {"level": level})


def _volume_step(sign: int) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        step = _int(slots.get("step", VOLUME_STEP))
        if step is None or not 1 <= step <= 100:
            return None
        return ToolCall("volume_change", {"delta": sign * step})

    return handler


def _volume_relative(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if not _local_only(slots, match):
        return None
    step = slots.get("volume_step")
    if step == "up":
        return ToolCall("volume_change", {"delta": VOLUME_STEP})
    if step == "down":
        return ToolCall("volume_change", {"delta": -VOLUME_STEP})
    value = _int(step)
    return None if value is None or not 1 <= value <= 100 else ToolCall("volume_change", {"delta": value})


def _media(command: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        return ToolCall("media_control", {"command": command}) if _local_only(slots, match) else None

    return handler


# --- smart home ---------------------------------------------------------------------------------


_NOT_A_DEVICE = re.compile(
    r"\d|\b(the|a|an|my|our|your|it|that|this|these|those|them|me|you|everything|something|anything|all|"
    r"timers?|alarms?|reminders?|music|song|radio|podcast|volume|sound|lists?|in|at|for|to|from|with|by|when|if|"
    r"and|or|but|because|before|after|of|on|off|up|down|please|again|now|today|tonight|tomorrow|minutes?|seconds?|"
    r"hours?)\b",
    re.IGNORECASE,
)
_EVERYWHERE = re.compile(r"\b(all|every|everywhere|whole|entire|house|home|flat|apartment)\b", re.IGNORECASE)


_SMART_HOME_INTENTS = frozenset({"HassTurnOn", "HassTurnOff", "HassGetState"})


def names_a_device(intent: str, slots: dict[str, Any]) -> bool:
    """A smart-home request naming a device or scene the home may not have ("lock the front door",
    "turn on the coffee machine", "activate movie night": Hark's ``hark_guess`` templates).

    It is never a tool call (with a home connected, the home's own names are matched, and an
    unknown one goes to the next brain); with no home connected the classic brain answers it
    with "no smart home is connected" rather than passing it on."""
    if intent not in _SMART_HOME_INTENTS or not slots.get("hark_guess"):
        return False
    name = _strip_article(_text(slots, "name") or "")
    # a name, not the rest of a sentence: "the oven timer", "your brain", "everything in 5 minutes"
    return bool(name) and len(name.split()) <= 3 and not _NOT_A_DEVICE.search(name)


def _turn(on: bool) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        if slots.get("hark_guess"):
            return None  # a name the home may not have: see names_a_device
        domain = slots.get("domain")
        targets = _targets(slots)
        if targets is None and isinstance(domain, str) and domain in ("light", "fan", "all"):
            # no room or device said: "turn off the lights" (this room's), "all the lights" (the home's),
            # "everything upstairs" (a floor)
            targets = {}
            if isinstance(slots.get("floor"), str):
                targets["floor"] = slots["floor"]
            elif _EVERYWHERE.search(match.text):
                targets["everywhere"] = True
        elif targets is None:
            return None
        if domain == "lock":
            return ToolCall("lock_set", {"name": targets["name"], "locked": on}) if "name" in targets else None
        if domain in ("cover", "valve") and domain == "cover":
            args = dict(targets)
            if "name" not in args and isinstance(slots.get("device_class"), str):
                args["name"] = slots["device_class"]
            return ToolCall("cover_set", {**args, "action": "open" if on else "close"})
        if domain in ("scene", "script"):
            return ToolCall("scene_activate", {"name": targets["name"]}) if on and "name" in targets else None
        if isinstance(domain, str) and domain:
            targets["domain"] = domain
        return ToolCall("device_turn_on" if on else "device_turn_off", targets)

    return handler


def _light_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots) or {}
    if not targets and "floor" in slots:
        return None
    args: dict[str, Any] = dict(targets)
    if "brightness" in slots:
        level = _int(slots["brightness"])
        if level is None or not 0 <= level <= 100:
            return None
        args["brightness"] = level
    if isinstance(slots.get("color"), str):
        args["color"] = slots["color"]
    if len(args) == len(targets) and not slots.get("level_asked"):
        return None  # colour temperature and the like: no argument for it
    # "dim the lights" with no level: the skill asks what to set them to
    return ToolCall("light_set", args)


_DEGREES = re.compile(r"\s*(?:°|degrees?|deg)?\s*(?:c|f|celsius|centigrade|fahrenheit)?$", re.IGNORECASE)


def _climate_set(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots) or {}
    temp = slots.get("temperature")
    if isinstance(temp, str):  # Hark's wildcard: "twenty one", "20.5 degrees", "twenty and a half"
        temp = num.parse_number(_DEGREES.sub("", temp.strip(" .,?!")))
        if temp is not None and float(temp).is_integer():
            temp = int(temp)
    if not isinstance(temp, int | float) or isinstance(temp, bool) or not 0 < temp <= 100:
        return None
    if not targets and "floor" in slots:
        return None
    if not targets and isinstance(slots.get("thermostat_floor"), str):
        targets = {"name": f"{slots['thermostat_floor']} thermostat"}  # "the upstairs thermostat"
    return ToolCall("climate_set", {**targets, "temperature": temp})


def _cover_position(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    targets = _targets(slots)
    position = _int(slots.get("position"))
    if targets is None or position is None or not 0 <= position <= 100:
        return None
    return ToolCall("cover_set", {**targets, "position": position})


def _device_state(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if slots.get("hark_guess"):
        return None
    targets = _targets(slots)
    return None if targets is None else ToolCall("device_state", targets)


# --- calc -----------------------------------------------------------------------------------------


def _calculate(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    if (root := _text(slots, "root")) is not None:
        expression = spoken_root(root)
    else:
        expression = spoken_expression(_text(slots, "expression") or "")
    return None if expression is None else ToolCall("calculate", {"expression": expression})


def _convert(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    quantity = spoken_quantity(_text(slots, "quantity") or "")
    to_unit = spoken_unit(_text(slots, "to_unit") or "")
    if quantity is None or to_unit is None:
        return None
    value, from_unit = quantity
    number: int | float = int(value) if value.is_integer() else value
    return ToolCall("convert_units", {"value": number, "from_unit": from_unit, "to_unit": to_unit})


def _announce(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    """ "Announce dinner is ready in the kitchen": the words, and where (none: every other device)."""
    message = _text(slots, "message")
    if message is None:
        return None
    target = _text(slots, "target")
    return ToolCall("announce", {"message": message, "target": target} if target else {"message": message})


# --- brain commands and fixed calls ----------------------------------------------------------------


def _fixed(result: ToolCall | BrainCommand) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        return result

    return handler


_HANDLERS: dict[str, Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]] = {
    "HassStartTimer": _timer_start,
    "HassCancelTimer": _timer_simple("timer_cancel"),
    "HassCancelAllTimers": _timer_cancel_all,
    "HassTimerStatus": _timer_simple("timer_status"),
    "HassPauseTimer": _timer_simple("timer_pause"),
    "HassUnpauseTimer": _timer_simple("timer_resume"),
    "HassIncreaseTimer": _timer_adjust(+1),
    "HassDecreaseTimer": _timer_adjust(-1),
    "HarkAlarmSet": _alarm_set,
    "HarkAlarmList": _fixed(ToolCall("alarm_list", {})),
    "HarkAlarmCancel": _alarm_cancel,
    "HarkReminderSet": _reminder_set,
    "HarkReminderList": _fixed(ToolCall("reminder_list", {})),
    "HarkReminderCancel": _reminder_cancel,
    "HassShoppingListAddItem": _list_item("list_add", "shopping"),
    "HassShoppingListCompleteItem": _list_item("list_remove", "shopping"),
    "HassListAddItem": _list_item("list_add"),
    "HassListRemoveItem": _list_item("list_remove"),
    "HassListCompleteItem": _list_item("list_remove"),
    "HarkListRead": _list_whole("list_read"),
    "HarkListClear": _list_whole("list_clear"),
    "HassGetCurrentTime": _time_now,
    "HarkTimeIn": _time_now,
    "HassGetCurrentDate": _date_today,
    "HarkDate": _date_today,
    "HassGetWeather": lambda s, m, n: None if "name" in s else ToolCall("weather_get", {"when": "now"}),
    "HarkWeather": _weather,
    "HassSetVolume": _volume_set,
    "HassSetVolumeRelative": _volume_relative,
    "HarkVolumeUp": _volume_step(+1),
    "HarkVolumeDown": _volume_step(-1),
    "HassMediaPause": _media("pause"),
    "HassMediaUnpause": _media("resume"),
    "HassMediaNext": _media("next"),
    "HassMediaPrevious": _media("previous"),
    "HarkMediaStop": _media("stop"),
    "HassTurnOn": _turn(True),
    "HassTurnOff": _turn(False),
    "HassLightSet": _light_set,
    "HassClimateSetTemperature": _climate_set,
    "HassSetPosition": _cover_position,
    "HassGetState": _device_state,
    "HassClimateGetTemperature": _device_state,
    "HarkCalculate": _calculate,
    "HarkConvert": _convert,
    "HarkAnnounce": _announce,
    "HassBroadcast": _announce,
    "HassNevermind": _fixed(BrainCommand("stop")),
    "HarkStop": _fixed(BrainCommand("stop")),
    "HarkYes": _fixed(BrainCommand("yes")),
    "HarkNo": _fixed(BrainCommand("no")),
}
"""Intent name -> handler. Library intents absent here (media search, vacuum...) map to None."""
