"""The calc skill: spoken arithmetic and unit conversion, computed safely (no ``eval``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .arith import MAX_LENGTH, CalcError, calculate, spoken_number
from .base import SkillContext, SkillResult, Tool, ToolArgumentError
from .units import UnitError, convert

CALCULATE = Tool(
    name="calculate",
    description=(
        "Compute arithmetic: + - * / powers, percentages, square roots; "
        'words are fine ("15% of 80", "12 times 7", "square root of 16").'
    ),
    parameters={
        "type": "object",
        "properties": {
            "expression": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
        },
        "required": ["expression"],
        "additionalProperties": False,
    },
)

CONVERT_UNITS = Tool(
    name="convert_units",
    description="Convert a quantity between units of length, weight, volume, temperature, speed, time, data size, area or energy.",
    parameters={
        "type": "object",
        "properties": {
            "value": {"type": "number", "minimum": -1e15, "maximum": 1e15},
            "from_unit": {
                "type": "string",
                "minLength": 1,
                "maxLength": 40,
                "description": 'e.g. "miles", "°F", "cups"',
            },
            "to_unit": {"type": "string", "minLength": 1, "maxLength": 40, "description": 'e.g. "km", "celsius", "ml"'},
        },
        "required": ["value", "from_unit", "to_unit"],
        "additionalProperties": False,
    },
)


class CalcSkill:
    """Arithmetic (``calculate``) and unit conversion (``convert_units``); stateless."""

    name = "calc"

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (CALCULATE, CONVERT_UNITS)

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if tool == "calculate":
            return self._calculate(str(arguments["expression"]))
        if tool == "convert_units":
            return self._convert(float(arguments["value"]), str(arguments["from_unit"]), str(arguments["to_unit"]))
        raise ToolArgumentError(f"calc has no tool called {tool!r}")

    def _calculate(self, text: str) -> SkillResult:
        try:
            expression, value = calculate(text)
        except CalcError as exc:
            return SkillResult(str(exc), {"error": exc.code, "expression": text}, ok=False)
        spoken = spoken_number(value)
        return SkillResult(
            f"That's {spoken}.",
            {"expression": text, "normalised": expression, "result": value, "spoken": spoken},
        )

    def _convert(self, value: float, from_unit: str, to_unit: str) -> SkillResult:
        try:
            result, src, dst = convert(value, from_unit, to_unit)
        except UnitError as exc:
            return SkillResult(
                str(exc), {"error": "unit-conversion", "from_unit": from_unit, "to_unit": to_unit}, ok=False
            )
        value_text = spoken_number(_tidy(value), significant=4)
        result_text = spoken_number(_tidy(result), significant=4)
        data = {
            "value": value,
            "from_unit": src.singular,
            "to_unit": dst.singular,
            "dimension": src.dimension,
            "result": result,
        }
        return SkillResult(f"{value_text} {src.says(value)} is {result_text} {dst.says(result)}.", data)


def _tidy(x: float) -> int | float:
    """Whole floats as ints, so that they are read without decimals."""
    return int(x) if x.is_integer() and abs(x) < 1e15 else x
