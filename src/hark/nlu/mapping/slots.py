"""Reading slot values: the result type every handler returns and the helpers that read a slot
(a tidied wildcard, an article stripped, a device's targets, a whole number)."""

from __future__ import annotations

import re
from typing import Any

from .. import numbers as num
from ..types import BrainCommand, ToolCall

Result = ToolCall | BrainCommand | None


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
