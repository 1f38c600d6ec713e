"""Turning TOML values and ``HARK_*`` environment strings into a section's typed fields.

Unknown sections or keys, wrong types and out-of-range values are refused with
a message naming the key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is tuple:
        return "a list of strings"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", Path: "a path (a string)"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _toml_hint(key: str, tp: Any, value: Any) -> str:
    """How to write ``value`` in TOML when it is a string the environment form would accept."""
    if not isinstance(value, str):
        return ""
    leaf = key.rpartition(".")[2]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
    text = value.strip().lower()
    if tp is bool and text in (*_TRUE, *_FALSE):
        return f"; write {leaf} = {'true' if text in _TRUE else 'false'} (TOML booleans take no quotes)"
    if origin is tuple:
        items = ", ".join(json.dumps(v.strip()) for v in value.split(",") if v.strip())
        return f"; write {leaf} = [{items}]"
    if tp in (int, float):
        try:
            tp(value)
        except ValueError:
            return ""
        return f"; write {leaf} = {value.strip()} (numbers take no quotes)"
    return ""


def _coerce(key: str, tp: Any, value: Any, *, env_var: str | None = None) -> Any:
    """Check a TOML (or Python) value, or convert an environment string, to the field's type.

    Only values that came from the environment (``env_var`` names the variable) are
    converted from strings ("yes", "0.9", "a,b"); a TOML value must already have the
    right TOML type (an integer is accepted where a number is expected).
    """
    origin = typing.get_origin(tp)
    from_env = env_var is not None and isinstance(value, str)
    if origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (from_env and value == ""):
            return None
        return _coerce(key, inner, value, env_var=env_var)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if from_env and value.strip().lower() in (*_TRUE, *_FALSE):
            return value.strip().lower() in _TRUE
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_env:
            try:
                return int(value)
            except ValueError:
                pass
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if from_env:
            try:
                return float(value)
            except ValueError:
                pass
    elif tp is str:
        if isinstance(value, str):
            return value
    elif tp is Path:
        if isinstance(value, str):
            return Path(value).expanduser()
        if isinstance(value, Path):
            return value
    elif origin is tuple:
        if from_env:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
    where = f" (from {env_var})" if env_var is not None else _toml_hint(key, tp, value)
    raise ConfigError(f"{key}: expected {_describe(tp)}, got {value!r}{where}")


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str, env_vars: Mapping[str, str] | None = None) -> Any:
    """``env_vars``: the keys of ``data`` that came from the environment, with the variable's name."""
    env_vars = env_vars or {}
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        where = "".join(f" ({env_vars[k]})" for k in unknown if k in env_vars)
        raise ConfigError(f"{prefix}: unknown key(s) {', '.join(unknown)}{where}; known: {', '.join(sorted(names))}")
    kwargs = {k: _coerce(f"{prefix}.{k}", hints[k], v, env_var=env_vars.get(k)) for k, v in data.items()}
    return cls(**kwargs)
