"""IntentMatch -> a tool call of TOOLS.md (or a brain command), with arguments in the tool's shape.

The one rule: never a wrong action. When a slot does not parse, or an intent is
about something Hark's tools do not cover (another room's media player, a floor,
a delayed command), the answer is ``None`` and the request goes to the next brain.

One module per domain, each holding the handlers for its intents and the conventions
of its arguments: :mod:`.timers`, :mod:`.alarms`, :mod:`.reminders`, :mod:`.lists`,
:mod:`.clock`, :mod:`.weather`, :mod:`.media`, :mod:`.smarthome`, :mod:`.calc`,
:mod:`.announce`; :mod:`.slots` reads slot values for all of them and :mod:`.table`
maps intent names to handlers.
"""

from __future__ import annotations

from .lists import normalize_list_name
from .media import VOLUME_STEP
from .slots import Result
from .smarthome import names_a_device
from .table import _HANDLERS, first_tool_call, to_tool_call

__all__ = [
    "VOLUME_STEP",
    "_HANDLERS",
    "Result",
    "first_tool_call",
    "names_a_device",
    "normalize_list_name",
    "to_tool_call",
]
