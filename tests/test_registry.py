"""The registry's argument checking: every constraint every real tool declares is enforced.

The calls that break a constraint are generated from the tools' own schemas, so a
keyword added to a skill later is covered without touching this file, and a keyword
this file cannot break (or the registry does not enforce) fails the test.
"""

from __future__ import annotations

import dataclasses
import math
import re
import re._parser as sre  # the stdlib's regex parser: a sample string for a ``pattern``
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hark.config import Settings
from hark.household import Household
from hark.skills.base import SkillContext, SkillResult, Tool, ToolArgumentError
from hark.skills.registry import SkillRegistry, check_arguments
from tests.fake_homeassistant import FakeHomeAssistant

TOKEN = "good-token"
SKILLS = {"timers", "alarms", "reminders", "lists", "clock", "weather", "calc", "memory", "media", "smarthome"}
"""Every skill a household with Home Assistant registers: the test fails if one goes missing."""

ANNOTATIONS = {"description", "title", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"}
"""Keywords that constrain nothing."""

EXTRA = "not_an_argument"


# --- the real registry ------------------------------------------------------------------------------


@pytest.fixture
async def registry(settings: Settings, tmp_path: Path, no_leaked_tasks: None) -> AsyncIterator[SkillRegistry]:
    """The registry exactly as :meth:`Household.open` builds it (Home Assistant faked, no LLM)."""
    ha = FakeHomeAssistant(token=TOKEN)
    await ha.start()
    try:
        s = dataclasses.replace(settings, data_dir=tmp_path).replace(
            home_assistant={"url": ha.url, "token": TOKEN}, llm={"backend": "off"}
        )
        household = await Household.open(s)
        try:
            yield household.registry
        finally:
            await household.close()
    finally:
        await ha.close()


# --- values from a schema ---------------------------------------------------------------------------


def _is_type(value: Any, kind: str) -> bool:
    """JSON Schema's types, with booleans neither integers nor numbers."""
    if kind == "integer":  # Hark's rule, stricter than JSON Schema's: 7.0 is not an integer
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "array": list, "object": dict}.get(kind, type(None)))


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def sample_regex(pattern: str) -> str:
    """A string that ``pattern`` matches (the subset of regex syntax schemas use)."""

    def chars(items: Any) -> str:
        out = []
        for op, arg in items:
            if op is sre.LITERAL:
                out.append(chr(arg))
            elif op is sre.ANY:
                out.append("a")
            elif op is sre.IN:
                out.append(klass(arg))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, high, sub = arg
                out.append(chars(sub) * (low or min(1, high)))
            elif op is sre.SUBPATTERN:
                out.append(chars(arg[-1]))
            elif op is sre.BRANCH:
                out.append(chars(arg[1][0]))
            elif op is not sre.AT:
                raise NotImplementedError(f"sample_regex cannot build a match for {pattern!r} ({op})")
        return "".join(out)

    def klass(items: Any) -> str:
        op, arg = items[0]
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.RANGE:
            return chr(arg[0])
        if op is sre.CATEGORY and arg in (sre.CATEGORY_DIGIT, sre.CATEGORY_WORD, sre.CATEGORY_SPACE):
            return {sre.CATEGORY_DIGIT: "0", sre.CATEGORY_WORD: "a", sre.CATEGORY_SPACE: " "}[arg]
        raise NotImplementedError(f"sample_regex cannot build a match for {pattern!r} ({op})")

    text = chars(sre.parse(pattern))
    assert re.search(pattern, text), (pattern, text)
    return text


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    step = 1 if integer else 0.5
    low = max(schema.get("minimum", -math.inf), schema.get("exclusiveMinimum", -math.inf) + step)
    high = min(schema.get("maximum", math.inf), schema.get("exclusiveMaximum", math.inf) - step)
    value = min(max(1, low), high)
    if "multipleOf" in schema:
        value = math.ceil(value / schema["multipleOf"]) * schema["multipleOf"]
    return int(value) if integer else value


def valid(schema: Mapping[str, Any], *, full: bool = True) -> Any:
    """A value ``schema`` accepts; objects with every property (``full``) or only the required ones."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = (_types(schema) or ["string"])[0]
    if kind == "object":
        props = schema.get("properties", {})
        names = props if full else schema.get("required", [])
        return {name: valid(props.get(name, {}), full=full) for name in names}
    if kind == "array":
        count = schema.get("minItems", 1 if schema.get("maxItems", 1) >= 1 else 0)
        return [valid(schema.get("items", {}), full=full)] * count
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if "format" in schema:
        if schema["format"] not in FORMATS:
            raise NotImplementedError(f"no valid {schema['format']!r} string: add one to FORMATS")
        return FORMATS[schema["format"]]
    text = sample_regex(schema["pattern"]) if "pattern" in schema else "a"
    return text.ljust(schema.get("minLength", 0), text[-1:] or "a")


FORMATS = {
    "date": "2030-01-31",
    "date-time": "2030-01-31T07:30:00+01:00",
    "time": "07:30:00+01:00",
    "email": "someone@example.com",
    "uri": "https://example.com/",
    "uuid": "12345678-1234-5678-1234-567812345678",
}
"""A valid string of each format a schema may declare."""


# --- calls that break one constraint ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Breach:
    keyword: str
    """Where the broken constraint is declared: ``/properties/duration_s/minimum``."""
    where: str
    """The argument the refusal must name: ``arguments.duration_s``."""
    value: Any


_ODD_VALUES: tuple[Any, ...] = ("a", 7, 7.0, 1.5, True, None, [], {})
"""Values of every JSON type (and an integral float, a fraction, a boolean)."""


def _candidates(keyword: str, schema: Mapping[str, Any]) -> list[Any]:
    """Values that may break ``schema[keyword]`` alone (each is checked by :func:`breaches`)."""
    limit = schema[keyword]
    integer = "integer" in _types(schema)
    step = 1 if integer else 0.5
    match keyword:
        case "type":
            return [v for v in _ODD_VALUES if not any(_is_type(v, k) for k in _types(schema))]
        case "enum" | "const":
            base = valid({k: v for k, v in schema.items() if k not in ("enum", "const")})
            allowed = limit if keyword == "enum" else [limit]
            return [v for v in (base, "zz-not-allowed", 123456789, -1, False) if v not in allowed]
        case "minimum":
            return [limit - step]
        case "maximum":
            return [limit + step]
        case "exclusiveMinimum" | "exclusiveMaximum":
            return [limit]
        case "multipleOf":
            return [v for v in (limit * 1.5, limit + 1) if v % limit]
        case "minLength":
            return [valid(schema)[: limit - 1]] if limit > 0 else []
        case "maxLength":
            text = valid(schema)
            return [text.ljust(limit + 1, text[-1:] or "a")]
        case "pattern":
            text = valid({k: v for k, v in schema.items() if k != "pattern"})
            options = [text.replace(text[:1], c) for c in "x!~ "] + ["x" * len(text), "~" * len(text)]
            return [t for t in options if not re.search(limit, t)]
        case "format":
            return ["x" * max(schema.get("minLength", 1), 1)]
        case "minItems":
            return [valid(schema)[: limit - 1]] if limit > 0 else []
        case "maxItems":
            return [[valid(schema.get("items", {}))] * (limit + 1)]
        case "uniqueItems":
            return [[valid(schema.get("items", {}))] * 2] if limit else []
    raise NotImplementedError(f"no call breaking {keyword!r}: teach tests/test_registry.py")


def breaches(schema: Mapping[str, Any], where: str = "arguments", pointer: str = "") -> Iterator[Breach]:
    """One call per constraint declared anywhere in ``schema``, breaking only that constraint."""
    for keyword, limit in schema.items():
        at = f"{pointer}/{keyword}"
        if keyword in ANNOTATIONS:
            continue
        if keyword == "properties":
            for name, sub in limit.items():
                for b in breaches(sub, f"{where}.{name}", f"{at}/{name}"):
                    yield Breach(b.keyword, b.where, {**valid(schema), name: b.value})
        elif keyword == "required":
            for name in limit:
                yield Breach(f"{at}/{name}", f"{where}.{name}", {k: v for k, v in valid(schema).items() if k != name})
        elif keyword == "additionalProperties" and limit is False:
            yield Breach(at, f"{where}.{EXTRA}", {**valid(schema), EXTRA: 1})
        elif keyword == "items":
            count = max(schema.get("minItems", 1), 1)
            for b in breaches(limit, f"{where}[0]", at):
                yield Breach(b.keyword, b.where, [b.value, *[valid(limit)] * (count - 1)])
        else:
            # exactly this constraint: the value is fine once it is gone (and, for a type,
            # an enum or const that restates it)
            others = {
                k: v for k, v in schema.items() if k != keyword and not (keyword == "type" and k in ("enum", "const"))
            }
            fits_the_rest = Draft202012Validator(others).is_valid
            values = [v for v in _candidates(keyword, schema) if fits_the_rest(v)]
            if not values and not (keyword in ("minLength", "minItems") and limit == 0):
                raise NotImplementedError(f"no call breaking only {at} of {dict(schema)}: teach tests/test_registry.py")
            for value in values:
                yield Breach(at, where, value)


def every_keyword(schema: Mapping[str, Any]) -> set[str]:
    """The keywords used anywhere in ``schema`` (property names are not keywords)."""
    found = set(schema)
    for keyword, value in schema.items():
        subs = value.values() if keyword in ("properties", "patternProperties", "$defs") else [value]
        for sub in subs:
            if keyword not in ("enum", "const", "default", "examples") and isinstance(sub, Mapping):
                found |= every_keyword(sub)
            elif keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
                found |= {k for s in sub for k in every_keyword(s)}
    return found


# --- the tests --------------------------------------------------------------------------------------


async def test_every_declared_constraint_of_every_tool_is_enforced(registry: SkillRegistry) -> None:
    assert {t.name for t in registry.tools} and all(registry.skill(s) for s in SKILLS), "a skill is missing"
    ctx = SkillContext(confirmed=True)
    problems: list[str] = []
    kinds: set[str] = set()
    count = 0
    for tool in registry.tools:
        try:
            for full in (True, False):
                try:
                    registry.check(tool.name, valid(tool.parameters, full=full))
                except ToolArgumentError as exc:
                    problems.append(f"{tool.name}: a valid call was refused: {exc}")
            found = list(breaches(tool.parameters))
        except NotImplementedError as exc:
            problems.append(f"{tool.name}: {exc}")
            continue
        for b in found:
            count += 1
            kinds.add(b.keyword.rsplit("/", 1)[-1] if "/required/" not in b.keyword else "required")
            try:
                registry.check(tool.name, b.value)
            except ToolArgumentError as exc:
                if f"{b.where}:" not in str(exc):
                    problems.append(f"{tool.name} {b.keyword}: {b.value!r} refused without naming {b.where}: {exc}")
            else:
                problems.append(f"{tool.name} {b.keyword}: {b.value!r} was accepted")
                continue
            if isinstance(b.value, dict):  # the registry's call path checks too, before the skill runs
                with pytest.raises(ToolArgumentError):
                    await registry.call(tool.name, b.value, ctx)
    assert not problems, "\n".join(problems)
    # the generator really covered what the real schemas declare
    declared = {k for t in registry.tools for k in every_keyword(t.parameters)} - ANNOTATIONS
    declared -= {"properties", "items"}
    assert declared <= kinds, f"declared but never broken: {declared - kinds}"
    assert {"type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems"} <= kinds
    assert {"required", "additionalProperties"} <= kinds
    assert count > 100


async def test_reasons_are_short_and_name_the_argument(registry: SkillRegistry) -> None:
    def reason(tool: str, args: Any) -> str:
        with pytest.raises(ToolArgumentError) as info:
            registry.check(tool, args)
        return str(info.value)

    assert reason("timer_start", {"duration_s": 0}) == "arguments.duration_s: 0 is less than the minimum of 1"
    assert reason("timer_start", {"duration_s": True}) == "arguments.duration_s: True is not of type 'integer'"
    assert reason("timer_start", {"duration_s": 60.0}) == "arguments.duration_s: 60.0 is not of type 'integer'"
    assert reason("timer_start", {}) == "arguments.duration_s: missing, it is required"
    assert reason("timer_start", {"duration_s": 60, "minutes": 1}).startswith("arguments.minutes: no such argument")
    assert reason("timer_start", {"duration_s": 60, "name": "x" * 500}) == (
        "arguments.name: 500 characters is more than the maximum of 80"
    )
    assert reason("alarm_set", {"time": "7h30"}) == (
        r"arguments.time: '7h30' does not match the pattern ^([01]?\d|2[0-3]):[0-5]\d$"
    )
    assert reason("alarm_set", {"time": "07:30", "days": ["mon"] * 8}) == (
        "arguments.days: 8 items is more than the maximum of 7"
    )
    assert reason("alarm_set", {"time": "07:30", "days": ["someday"]}).startswith(
        "arguments.days[0]: 'someday' is not one of ['mon',"
    )
    assert reason("calculate", {"expression": ""}) == "arguments.expression: must not be empty"
    # several problems at once: all said (up to three), each naming its argument
    many = reason("convert_units", {"value": "x" * 300})
    assert "arguments.from_unit: missing" in many
    assert "arguments.to_unit: missing" in many
    assert "arguments.value: 'xxxxxxxxxxxxxxxxxxxx" in many
    assert len(many) < 200
    with pytest.raises(ToolArgumentError, match="no tool called 'nope'"):
        registry.check("nope", {})


def test_check_arguments_standalone() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 0}}}
    check_arguments(schema, {"n": 0.5})
    with pytest.raises(ToolArgumentError, match=r"^arguments\.n: 0 is less than or equal to the minimum of 0$"):
        check_arguments(schema, {"n": 0})
    with pytest.raises(ToolArgumentError, match=r"^args\.n: False is not of type 'number'$"):
        check_arguments(schema, {"n": False}, "args")


class _Skill:
    def __init__(self, name: str, *schemas: Mapping[str, Any]) -> None:
        self.name = name
        self._tools = tuple(Tool(f"{name}_{i}", "A tool.", s) for i, s in enumerate(schemas))

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        return SkillResult("done")


GOOD = {"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": False}


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "object", "properties": {"n": {"type": "integr"}}}, r"at \$\.properties\.n\.type"),
        ({"type": "object", "properties": {"n": {"type": "string", "pattern": "(["}}}, r"'\(\[' is not a 'regex'"),
        ({"type": "object", "properties": {"n": {"type": "integer", "minimum": "1"}}}, r"'1' is not of type 'number'"),
        ({"type": "object", "required": "n"}, r"at \$\.required"),
        ({"type": "object", "additionalProperties": "no"}, r"at \$\.additionalProperties"),
        ({"type": "array", "items": {"type": "string"}}, r"type 'object'"),
        ({"properties": {"n": {"type": "integer"}}}, r"type 'object'"),
    ],
)
def test_a_tool_with_an_invalid_schema_is_refused_at_registration(schema: dict[str, Any], reason: str) -> None:
    registry = SkillRegistry([_Skill("good", GOOD)])
    with pytest.raises(ValueError, match=reason) as info:
        registry.add(_Skill("broken", GOOD, schema))
    assert "'broken_1'" in str(info.value)
    assert registry.skill("broken") is None
    assert not registry.has("broken_0")  # nothing of a refused skill is registered
    registry.check("good_0", {"n": 1})
    with pytest.raises(ValueError, match="'broken_0'"):
        SkillRegistry([_Skill("broken", schema)])


def test_a_tool_offered_twice_is_refused() -> None:
    registry = SkillRegistry([_Skill("good", GOOD)])
    with pytest.raises(ValueError, match="offered twice"):
        registry.add(_Skill("good", GOOD))


@pytest.mark.parametrize(
    ("reason", "spoken"),
    [
        ("arguments.time: '25:00' does not match the pattern ^...$", "Sorry, I couldn't use that time."),
        ("arguments.duration_s: 0 is less than the minimum of 1", "Sorry, I couldn't use that duration."),
        ("arguments.to_unit: must not be empty", "Sorry, I couldn't use that to unit."),
        ("something else", "Sorry, I couldn't do that."),
    ],
)
def test_the_classic_brain_speaks_a_schema_refusal_plainly(reason: str, spoken: str) -> None:
    from hark.brain.classic import argument_refusal

    assert argument_refusal(reason) == spoken
