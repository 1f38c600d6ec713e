"""Voice-profile intents -> ``voice_enrol`` / ``voice_whoami`` calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..types import IntentMatch, ToolCall
from .slots import Result, _text


def _voice_enrol(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    """ "Learn my voice", "learn Leo's voice": whose (none named: the person speaking)."""
    name = _text(slots, "name")
    return ToolCall("voice_enrol", {"name": name} if name else {})


def _voice_whoami(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    return ToolCall("voice_whoami", {})
