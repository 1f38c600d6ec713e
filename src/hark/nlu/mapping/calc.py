"""Arithmetic and unit conversion intents -> ``calculate`` and ``convert_units`` calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..spoken import spoken_expression, spoken_quantity, spoken_root, spoken_unit
from ..types import IntentMatch, ToolCall
from .slots import Result, _text


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
