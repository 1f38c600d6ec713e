"""The intent -> handler table, and the entry points that look a match up in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from ..types import BrainCommand, IntentMatch, ToolCall
from .alarms import _alarm_cancel, _alarm_set
from .announce import _announce
from .calc import _calculate, _convert
from .clock import _date_today, _time_now
from .lists import _list_item, _list_whole
from .media import _media, _volume_relative, _volume_set, _volume_step
from .reminders import _reminder_cancel, _reminder_set
from .slots import Result
from .smarthome import _climate_set, _cover_position, _device_state, _light_set, _turn
from .timers import _timer_adjust, _timer_cancel_all, _timer_simple, _timer_start
from .voice import _voice_enrol, _voice_whoami
from .weather import _weather


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
    "HarkVoiceEnrol": _voice_enrol,
    "HarkWhoAmI": _voice_whoami,
    "HassBroadcast": _announce,
    "HassNevermind": _fixed(BrainCommand("stop")),
    "HarkStop": _fixed(BrainCommand("stop")),
    "HarkYes": _fixed(BrainCommand("yes")),
    "HarkNo": _fixed(BrainCommand("no")),
}
"""Intent name -> handler. Library intents absent here (media search, vacuum...) map to None."""
