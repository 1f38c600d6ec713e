"""All skills' tools by name, with argument checking against each tool's JSON Schema.

Arguments are validated with the ``jsonschema`` library (Draft 2020-12, formats
checked where the library can), so every keyword a tool declares is enforced:
``pattern``, ``maxLength``, ``maxItems`` as much as ``type`` or ``required``. Each
tool's schema is checked against the metaschema and compiled once, when its
skill is registered: a broken schema stops Hark at start, not at the first call.

A refusal is a :class:`~hark.skills.base.ToolArgumentError` whose message names the
argument first ("arguments.duration_s: 0 is less than the minimum of 1"): the LLM
tool loop sends it back to the model, and the classic brain may speak it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError

from .base import Skill, SkillContext, SkillResult, Tool, ToolArgumentError, ToolRefusedError

MAX_REASONS = 3
"""At most this many problems go into one refusal (missing or unknown arguments first, then
the bad values, by argument name)."""


def _is_integer(checker: Any, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)
"""Draft 2020-12, except that an ``integer`` is an ``int``: 30.0 is refused, as it was before
jsonschema, so a skill never gets a float where its schema promised a whole number (nor a
boolean: JSON Schema already counts neither true nor false as a number)."""


def compile_schema(schema: Mapping[str, Any]) -> Any:
    """A reusable validator for ``schema``; raises :class:`jsonschema.exceptions.SchemaError`
    when the schema itself is not valid JSON Schema (bad type name, broken regex...)."""
    _Validator.check_schema(schema)
    return _Validator(schema, format_checker=_Validator.FORMAT_CHECKER)


def check_arguments(schema: Mapping[str, Any], value: Any, path: str = "arguments") -> None:
    """Raise :class:`ToolArgumentError` unless ``value`` is valid under ``schema`` (compiled here;
    the registry keeps one compiled validator per tool instead)."""
    _check(compile_schema(schema), value, path)


def _check(validator: Any, value: Any, path: str) -> None:
    errors = sorted(
        validator.iter_errors(value), key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path])
    )
    if errors:
        reasons = list(dict.fromkeys(_reason(e, path) for e in errors))
        raise ToolArgumentError("; ".join(reasons[:MAX_REASONS]))


def _where(base: str, parts: Iterable[Any]) -> str:
    return base + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reason(error: ValidationError, base: str) -> str:
    """One problem, worded for a person or a model, starting with the argument's path."""
    where = _where(base, error.absolute_path)
    keyword, limit, value = error.validator, error.validator_value, error.instance
    if keyword == "required" and isinstance(value, Mapping):
        missing = [name for name in limit if name not in value]
        return "; ".join(f"{where}.{name}: missing, it is required" for name in missing)
    if keyword == "additionalProperties" and isinstance(value, Mapping):
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        extra = [n for n in value if n not in known and not any(re.search(p, n) for p in patterns)]
        allowed = ", ".join(known) or "none"
        if extra:
            return "; ".join(f"{where}.{name}: no such argument (allowed: {allowed})" for name in extra)
    if keyword == "minLength" and isinstance(value, str):
        if limit == 1:
            return f"{where}: must not be empty"
        return f"{where}: {_short(value)} is shorter than the minimum of {limit} characters"
    if keyword == "maxLength" and isinstance(value, str):
        return f"{where}: {len(value)} characters is more than the maximum of {limit}"
    if keyword == "minItems" and isinstance(value, list):
        return f"{where}: {len(value)} items is fewer than the minimum of {limit}"
    if keyword == "maxItems" and isinstance(value, list):
        return f"{where}: {len(value)} items is more than the maximum of {limit}"
    if keyword == "pattern" and isinstance(value, str):
        return f"{where}: {_short(value)} does not match the pattern {limit}"
    return f"{where}: {error.message.replace(repr(value), _short(value))}"


ToolPolicy = Callable[[str, Mapping[str, Any], SkillContext], str | None]
"""``policy(tool, arguments, ctx)``: None to let the call run, else what to say instead."""


class SkillRegistry:
    def __init__(self, skills: Iterable[Skill] = (), *, policy: ToolPolicy | None = None) -> None:
        self.policy = policy
        """Who may run what (a child's tools, a household's own smart home): checked before anything runs."""
        self._skills: dict[str, Skill] = {}
        self._tools: dict[str, tuple[Tool, Skill]] = {}
        self._validators: dict[str, Any] = {}
        for skill in skills:
            self.add(skill)

    def add(self, skill: Skill) -> None:
        """Register ``skill``'s tools; ``ValueError`` for a tool name already taken or a tool
        whose parameters are not a valid JSON Schema of an object (nothing is added then)."""
        validators: dict[str, Any] = {}
        for tool in skill.tools:
            if tool.name in self._tools or tool.name in validators:
                raise ValueError(f"tool {tool.name!r} offered twice")
            if tool.parameters.get("type") != "object":
                raise ValueError(f"tool {tool.name!r}: its parameters must be a JSON Schema with type 'object'")
            try:
                validators[tool.name] = compile_schema(tool.parameters)
            except SchemaError as exc:
                raise ValueError(
                    f"tool {tool.name!r} has an invalid parameters schema at {exc.json_path}: {exc.message}"
                ) from exc
        for tool in skill.tools:
            self._tools[tool.name] = (tool, skill)
        self._validators.update(validators)
        self._skills[skill.name] = skill

    @property
    def tools(self) -> list[Tool]:
        return [t for t, _ in self._tools.values()]

    def has(self, name: str) -> bool:
        return name in self._tools

    def tool(self, name: str) -> Tool:
        try:
            return self._tools[name][0]
        except KeyError as exc:
            raise ToolArgumentError(f"there is no tool called {name!r}") from exc

    def skill(self, name: str) -> Skill | None:
        return self._skills.get(name)

    def check(self, name: str, arguments: Any) -> None:
        """Raise :class:`ToolArgumentError` unless ``name`` is a tool and ``arguments`` fit its schema."""
        self.tool(name)
        value = dict(arguments) if isinstance(arguments, Mapping) else arguments
        _check(self._validators[name], value, "arguments")

    async def call(self, name: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        """Check the arguments, refuse a dangerous tool without confirmation, then run it."""
        tool = self.tool(name)
        self.check(name, arguments)
        if self.policy is not None and (refusal := self.policy(name, arguments, ctx)) is not None:
            raise ToolRefusedError(refusal)
        skill = self._tools[name][1]
        if tool.dangerous and not ctx.confirmed:
            describe = getattr(skill, "describe", None)
            what = describe(name, arguments) if callable(describe) else tool.description.rstrip(".").lower()
            return SkillResult(speech="", ok=False, needs_confirmation=f"Do you really want to {what}?")
        return await skill.call(name, arguments, ctx)
