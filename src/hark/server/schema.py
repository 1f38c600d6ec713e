"""JSON Schema of every protocol message, made from the message dataclasses themselves.

``python -m hark.server.schema > src/hark/server/protocol.schema.json`` writes the file the
package ships; a test checks that the shipped file is what this makes.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from .messages import PROTOCOL_VERSION, Message, client_types, server_types

SCHEMA_ID = "https://hark.local/protocol/v1/schema.json"


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return {"anyOf": [_type_schema(a, defs) for a in get_args(tp)]}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is dict:
        return {"type": "object"}
    if origin is list:
        (item,) = get_args(tp)
        return {"type": "array", "items": _type_schema(item, defs)}
    if tp is type(None):
        return {"type": "null"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        defs.setdefault(tp.__name__, _object_schema(tp, defs))
        return {"$ref": f"#/$defs/{tp.__name__}"}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return {"type": simple[tp]}


def _object_schema(cls: type, defs: dict[str, Any], message_type: str | None = None) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    if message_type is not None:
        props["type"] = {"const": message_type}
        required.append("type")
    for f in dataclasses.fields(cls):
        prop = _type_schema(hints[f.name], defs)
        if f.default is not dataclasses.MISSING:
            prop = {**prop, "default": f.default}
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        props[f.name] = prop
    out: dict[str, Any] = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    doc = (cls.__doc__ or "").strip()
    if doc and not doc.startswith(cls.__name__ + "("):
        out = {"description": " ".join(doc.split()), **out}
    return out


def json_schema() -> dict[str, Any]:
    """The whole protocol: ``ClientMessage`` and ``ServerMessage`` are unions of the messages."""
    defs: dict[str, Any] = {}
    groups: dict[str, list[dict[str, str]]] = {"ClientMessage": [], "ServerMessage": []}
    for group, registry in (("ClientMessage", client_types()), ("ServerMessage", server_types())):
        for name, cls in registry.items():
            key = _def_name(cls)
            defs[key] = _object_schema(cls, defs, name)
            groups[group].append({"$ref": f"#/$defs/{key}"})
    for group, refs in groups.items():
        defs[group] = {"oneOf": refs}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"Hark voice protocol, version {PROTOCOL_VERSION}",
        "description": "Text frames of /api/ws are JSON objects: a ClientMessage from the device, a "
        "ServerMessage from the server. Binary frames are audio (see docs/protocol.md).",
        "x-protocol-version": PROTOCOL_VERSION,
        "oneOf": [{"$ref": "#/$defs/ClientMessage"}, {"$ref": "#/$defs/ServerMessage"}],
        "$defs": dict(sorted(defs.items())),
    }


def _def_name(cls: type[Message]) -> str:
    return cls.__name__


def render() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
