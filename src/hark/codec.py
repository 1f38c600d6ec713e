"""The one codec of Hark's typed messages: frozen dataclasses registered under a ``type`` name,
to JSON-ready dicts and back, checked field by field against their type hints.

Pipeline events (:mod:`hark.events`) and the voice protocol's messages
(:mod:`hark.server.messages`) are both a :class:`Codec`; no class writes its own
serialisation. Decoding is strict: an unknown type or field, a missing field, or a value
of the wrong type raises :class:`CodecError` naming the field.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")
_C = TypeVar("_C", bound=type)


class CodecError(ValueError):
    """A dict that is not a valid message: ``unknown_type`` when its ``type`` is not registered."""

    def __init__(self, message: str, *, unknown_type: bool = False) -> None:
        super().__init__(message)
        self.unknown_type = unknown_type


class Codec(Generic[T]):
    """A registry of dataclass types by name, with their encoder and checking decoder."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._types: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[_C], _C]:
        """Class decorator: ``cls.type = name``; registered once."""

        def deco(cls: _C) -> _C:
            if name in self._types:
                raise ValueError(f"{self.what} type {name!r} registered twice")
            cls.type = name  # type: ignore[attr-defined]
            self._types[name] = cls
            return cls

        return deco

    def types(self) -> dict[str, type[T]]:
        return dict(self._types)

    def encode(self, obj: T) -> dict[str, Any]:
        """Object -> JSON-ready dict with its ``type`` first."""
        out: dict[str, Any] = {"type": obj.type}  # type: ignore[attr-defined]
        out.update(encode_fields(obj))
        return out

    def decode(self, data: Any, *, lenient: bool = False) -> T:
        """Dict (as :meth:`encode` makes it, or as a peer sent it) -> object, checked.
        ``lenient``: fields this version does not know are ignored (a newer peer)."""
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise CodecError(f"a {self.what} is a JSON object with a string 'type'")
        cls = self._types.get(data["type"])
        if cls is None:
            raise CodecError(f"unknown {self.what} type {data['type']!r}", unknown_type=True)
        return cls(**decode_fields(cls, data, data["type"], lenient=lenient))


def encode_fields(obj: Any) -> dict[str, Any]:
    return {f.name: _enc(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _enc(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_enc(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode_fields(value)
    if isinstance(value, dict):
        return {k: _enc(v) for k, v in value.items()}
    return value


def decode_fields(cls: type, data: dict[str, Any], where: str, *, lenient: bool = False) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    unknown = sorted(set(data) - {f.name for f in fields} - {"type"})
    if unknown and not lenient:
        raise CodecError(f"{where}: unknown field {unknown[0]!r}")
    kwargs: dict[str, Any] = {}
    for f in fields:
        if not f.init:
            continue
        if f.name in data:
            kwargs[f.name] = _dec(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise CodecError(f"{where}: {f.name!r} is missing")
    return kwargs


def _dec(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise CodecError(f"{where}: must not be null")
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _dec(arg, value, where)
            except CodecError as exc:
                errors.append(str(exc))
        raise CodecError(errors[0] if errors else f"{where}: must not be null")
    if value is None:
        raise CodecError(f"{where}: must not be null")
    if origin is Literal:
        if value not in get_args(tp):
            choices = ", ".join(repr(a) for a in get_args(tp))
            raise CodecError(f"{where}: {value!r} is not one of {choices}")
        return value
    if origin is tuple or origin is list:
        if not isinstance(value, list | tuple):
            raise CodecError(f"{where}: a list is needed")
        args = get_args(tp)
        item = args[0] if args else Any
        items = [_dec(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise CodecError(f"{where}: an object is needed")
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError as exc:
            raise CodecError(f"{where}: {value!r} is not a {tp.__name__}") from exc
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise CodecError(f"{where}: an object is needed")
        return tp(**decode_fields(tp, value, where))
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is str:
        ok = isinstance(value, str)
    else:  # a field type this codec does not know is a bug in the message class
        raise TypeError(f"unsupported field type {tp!r}")
    if not ok:
        raise CodecError(f"{where}: {tp.__name__} expected, got {type(value).__name__}")
    return value
