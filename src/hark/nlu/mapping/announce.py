"""Announce and broadcast intents -> ``announce`` calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..types import IntentMatch, ToolCall
from .slots import Result, _text


def _announce(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
    """ "Announce dinner is ready in the kitchen": the words, and where (none: every other device)."""
    message = _text(slots, "message")
    if message is None:
        return None
    target = _text(slots, "target")
    return ToolCall("announce", {"message": message, "target": target} if target else {"message": message})
