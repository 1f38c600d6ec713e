"""All skills' tools by name, with argument checking against each tool's JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import Skill, SkillContext, SkillResult, Tool, ToolArgumentError

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list, tuple),
}


def check_arguments(schema: Mapping[str, Any], value: Any, path: str = "arguments") -> None:
    """Validate the JSON Schema subset tools use: type, properties, required,
    additionalProperties, enum, minimum, maximum, minLength, items."""
    tp = schema.get("type")
    if tp is not None:
        allowed = tp if isinstance(tp, list) else [tp]
        ok = any(
            isinstance(value, _TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            for t in allowed
            if t in _TYPES
        ) or ("null" in allowed and value is None)
        if not ok:
            raise ToolArgumentError(f"{path}: expected {' or '.join(allowed)}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        raise ToolArgumentError(f"{path}: {value!r} is not one of {list(schema['enum'])}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise ToolArgumentError(f"{path}: {value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise ToolArgumentError(f"{path}: {value} is above the maximum {schema['maximum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise ToolArgumentError(f"{path}: too short")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                raise ToolArgumentError(f"{path}: missing {name!r}")
        for name, v in value.items():
            if name in props:
                check_arguments(props[name], v, f"{path}.{name}")
            elif schema.get("additionalProperties", True) is False:
                raise ToolArgumentError(f"{path}: unexpected {name!r}")
    if isinstance(value, list | tuple) and "items" in schema:
        for i, v in enumerate(value):
            check_arguments(schema["items"], v, f"{path}[{i}]")


class SkillRegistry:
    def __init__(self, skills: Iterable[Skill] = ()) -> None:
        self._skills: dict[str, Skill] = {}
        self._tools: dict[str, tuple[Tool, Skill]] = {}
        for skill in skills:
            self.add(skill)

    def add(self, skill: Skill) -> None:
        for tool in skill.tools:
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name!r} offered twice")
            self._tools[tool.name] = (tool, skill)
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

    async def call(self, name: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        """Check the arguments, refuse a dangerous tool without confirmation, then run it."""
        tool = self.tool(name)
        check_arguments(tool.parameters, dict(arguments))
        skill = self._tools[name][1]
        if tool.dangerous and not ctx.confirmed:
            describe = getattr(skill, "describe", None)
            what = describe(name, arguments) if callable(describe) else tool.description.rstrip(".").lower()
            return SkillResult(speech="", ok=False, needs_confirmation=f"Do you really want to {what}?")
        return await skill.call(name, arguments, ctx)
