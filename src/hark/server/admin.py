"""The admin API: a household's members, devices, settings, usage and transcripts, as JSON.

Every request carries the household's admin token (``Authorization: Bearer …``, from
``hark household add`` or ``hark household admin-token``); the token decides the household,
and every read and write is scoped to it, so another household's member, device or
transcript ids, guessed or real, answer 404 exactly as ids that do not exist. The plan and
quotas are the operator's (``hark household plan``): the admin API shows them, never sets them.

Routes (all under ``/api/admin``):

* ``GET /household`` - the household, its members, devices and this month's usage
* ``PATCH /household`` ``{name?, timezone?, location?, transcript_retention_days?, smart_home?,
  smart_home_token?}`` (retention null: kept for ever; ``smart_home``: the household's own Home
  Assistant URL, ``""`` disconnects it; the token is write-only: never returned)
* ``GET|POST /members``, ``PATCH|DELETE /members/{id}`` (``kind``, ``age``, ``admin``, and a
  parent's controls: ``memory_allowed``, ``smart_home_allowed``, ``quiet_hours`` ("20:30-07:00",
  null: none), ``chat_minutes_day`` (null: no limit), ``allowed_tools``, ``explicit_filter``)
* ``POST /members/{id}/voice`` - a WAV of the member speaking: adds it to their voice profile
* ``GET /devices``, ``PATCH /devices/{id}`` ``{room?, default_member?, kids_mode?}``,
  ``DELETE /devices/{id}`` (revoke), ``POST /pairing`` ``{name?, room?}`` -> a pairing code
* ``GET /usage?by=day|month`` and ``GET /transcripts?member=&device=&limit=``
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import AudioFormatError, HarkError
from ..household.journal import transcripts
from ..household.people import NO_LIMIT, Controls, Household, People, PeopleError
from ..household.voiceprints import VoiceEnrolError
from . import errors as E
from .context import ServerContext
from .http import bearer, error, json_body

__all__ = ["routes"]

Handler = Callable[[Request, ServerContext, Household], Awaitable[Response]]


def _json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _json(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def _admin(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        ctx: ServerContext = request.app.state.hark
        token = bearer(request)
        try:
            home = await ctx.household.people.by_admin_token(token) if token else None
            if home is None:
                return error(
                    401, E.AUTH_REFUSED, "an admin token of this household is needed (hark household admin-token)"
                )
            return await handler(request, ctx, home)
        except (PeopleError, AudioFormatError, VoiceEnrolError) as exc:
            return error(400, exc.code, exc.message)
        except HarkError as exc:
            return error(503, exc.code, exc.message)

    return endpoint


def _not_found(what: str) -> JSONResponse:
    return error(404, "not-found", f"no such {what} in this household")


def _fields(data: dict[str, Any], allowed: dict[str, type | tuple[type, ...]]) -> dict[str, Any] | JSONResponse:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        return error(400, E.BAD_MESSAGE, f"unknown field {unknown[0]!r}")
    for key, kinds in allowed.items():
        if key in data and data[key] is not None and not isinstance(data[key], kinds):
            return error(400, E.BAD_MESSAGE, f"{key!r} has the wrong type")
    return data


# -- household ---------------------------------------------------------------------------------------
async def _household(request: Request, ctx: ServerContext, home: Household) -> Response:
    people = ctx.household.people
    if request.method == "PATCH":
        data = await json_body(request, ctx)
        if isinstance(data, JSONResponse):
            return data
        checked = _fields(
            data,
            {
                "name": str,
                "timezone": str,
                "location": str,
                "transcript_retention_days": int,
                "smart_home": str,
                "smart_home_token": str,
            },
        )
        if isinstance(checked, JSONResponse):
            return checked
        if checked.get("timezone"):
            try:
                ZoneInfo(checked["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                return error(400, E.BAD_MESSAGE, f"unknown time zone {checked['timezone']!r}")
        days = checked.pop("transcript_retention_days", ...)
        retention = None if days is ... else (NO_LIMIT if days is None else days)
        home = await people.set_settings(home.id, **checked, retention_days=retention)
    devices = await ctx.devices.for_household(home.id).list()
    body = {
        "household": _json(home),
        "members": await _members_json(ctx, home),
        "devices": _json(devices),
        "usage": _json(await _usage_summary(ctx, home)),
    }
    return JSONResponse(body)


async def _usage_summary(ctx: ServerContext, home: Household) -> Any:
    meter = ctx.household.meter
    if meter is None:
        return None
    return await meter.month_to_date(home.id)


# -- members -----------------------------------------------------------------------------------------
async def _members_json(ctx: ServerContext, home: Household) -> list[dict[str, Any]]:
    """Each member, with their enrolled voice (``{utterances, seconds}``) or null."""
    voices = await ctx.household.voices.profiles(home.id) if ctx.household.voices is not None else {}
    out = []
    for member in await ctx.household.people.members(home.id):
        body = _json(member)
        voice = voices.get(member.id)
        body["voice"] = {"utterances": voice.utterances, "seconds": round(voice.seconds, 2)} if voice else None
        out.append(body)
    return out


_CONTROLS: dict[str, type | tuple[type, ...]] = {
    "age": int,
    "memory_allowed": bool,
    "smart_home_allowed": list,
    "quiet_hours": str,
    "chat_minutes_day": int,
    "allowed_tools": list,
    "explicit_filter": bool,
}
_MEMBER_FIELDS: dict[str, type | tuple[type, ...]] = {"name": str, "kind": str, "admin": bool, **_CONTROLS}


def _controls(data: dict[str, Any]) -> Controls:
    """A parent's settings from JSON (``chat_minutes_day: null`` removes the limit)."""
    minutes = data.get("chat_minutes_day", ...)
    quiet = data.get("quiet_hours", ...)
    return Controls(
        age=data.get("age"),
        memory_allowed=data.get("memory_allowed"),
        smart_home_allowed=_strings(data.get("smart_home_allowed")),
        quiet_hours=None if quiet is ... else (quiet or ""),
        chat_minutes_day=None if minutes is ... else (NO_LIMIT if minutes is None else minutes),
        allowed_tools=_strings(data.get("allowed_tools")),
        explicit_filter=data.get("explicit_filter"),
    )


def _strings(value: Any) -> list[str] | None:
    return None if value is None else [str(v) for v in value]


async def _members(request: Request, ctx: ServerContext, home: Household) -> Response:
    people: People = ctx.household.people
    if request.method == "GET":
        return JSONResponse({"members": await _members_json(ctx, home)})
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    checked = _fields(data, _MEMBER_FIELDS)
    if isinstance(checked, JSONResponse):
        return checked
    if not isinstance(checked.get("name"), str):
        return error(400, E.BAD_MESSAGE, "'name' is needed")
    member = await people.add_member(
        home.id,
        checked["name"],
        kind=checked.get("kind") or "adult",
        admin=bool(checked.get("admin")),
        controls=_controls(checked),
    )
    return JSONResponse({"member": _json(member)}, status_code=201)


async def _member(request: Request, ctx: ServerContext, home: Household) -> Response:
    people: People = ctx.household.people
    member_id = request.path_params["member_id"]
    found = await people.member(home.id, member_id)
    if found is None or found.id != member_id:  # ids only here, never names
        return _not_found("member")
    if request.method == "DELETE":
        await people.remove_member(home.id, member_id)
        if ctx.household.voices is not None:
            ctx.household.voices.forget(home.id, member_id)
        return JSONResponse({"removed": member_id})
    if request.method == "GET":
        return JSONResponse({"member": _json(found)})
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    checked = _fields(data, _CONTROLS)
    if isinstance(checked, JSONResponse):
        return checked
    member = await people.update_member(home.id, member_id, _controls(checked))
    return JSONResponse({"member": _json(member)})


async def _voice(request: Request, ctx: ServerContext, home: Household) -> Response:
    member_id = request.path_params["member_id"]
    found = await ctx.household.people.member(home.id, member_id)
    if found is None or found.id != member_id:
        return _not_found("member")
    voices = ctx.household.voices
    if voices is None:
        return error(503, "voices-unavailable", "voice recognition is not loaded on this server")
    body = b""
    async for piece in request.stream():
        body += piece
        if len(body) > ctx.options.max_body_bytes * 16:
            return error(413, E.BAD_MESSAGE, "a recording is at most a minute")
    enrolled = await voices.enrol_wav(home.id, member_id, body)
    return JSONResponse({"voice": {"utterances": enrolled.utterances, "seconds": enrolled.seconds}})


# -- devices -----------------------------------------------------------------------------------------
async def _devices(request: Request, ctx: ServerContext, home: Household) -> Response:
    return JSONResponse({"devices": _json(await ctx.devices.for_household(home.id).list())})


async def _device(request: Request, ctx: ServerContext, home: Household) -> Response:
    registry = ctx.devices.for_household(home.id)
    device_id = request.path_params["device_id"]
    if await registry.get(device_id) is None:
        return _not_found("device")
    if request.method == "DELETE":
        await registry.revoke(device_id)
        await ctx.close_device(device_id)
        return JSONResponse({"revoked": device_id})
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    checked = _fields(data, {"room": str, "default_member": str, "kids_mode": bool})
    if isinstance(checked, JSONResponse):
        return checked
    await ctx.household.people.set_device(
        home.id,
        device_id,
        room=checked.get("room"),
        member=checked.get("default_member"),
        kids_mode=checked.get("kids_mode"),
    )
    return JSONResponse({"device": _json(await registry.get(device_id))})


async def _pairing(request: Request, ctx: ServerContext, home: Household) -> Response:
    data = await json_body(request, ctx)
    if isinstance(data, JSONResponse):
        return data
    checked = _fields(data, {"name": str, "room": str})
    if isinstance(checked, JSONResponse):
        return checked
    code = await ctx.devices.for_household(home.id).start_pairing(checked.get("name"), checked.get("room"))
    return JSONResponse({"code": code.code, "household": home.id, "expires_at": _json(code.expires_at)})


# -- usage and transcripts -----------------------------------------------------------------------------
async def _usage(request: Request, ctx: ServerContext, home: Household) -> Response:
    meter = ctx.household.meter
    if meter is None:
        return JSONResponse({"usage": []})
    by = request.query_params.get("by", "day")
    if by not in ("day", "month"):
        return error(400, E.BAD_MESSAGE, "'by' is day or month")
    period: Literal["day", "month"] = "day" if by == "day" else "month"
    rows = await meter.report(home.id, period=period, by_member=request.query_params.get("member") == "1")
    return JSONResponse({"usage": _json(rows)})


async def _transcripts(request: Request, ctx: ServerContext, home: Household) -> Response:
    query = request.query_params
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        return error(400, E.BAD_MESSAGE, "'limit' is a number")
    rows = await transcripts(
        ctx.household.db,
        home.id,
        member_id=query.get("member") or None,
        device_id=query.get("device") or None,
        limit=limit,
    )
    return JSONResponse({"transcripts": _json(rows)})


def routes() -> list[Route]:
    return [
        Route("/api/admin/household", _admin(_household), methods=["GET", "PATCH"]),
        Route("/api/admin/members", _admin(_members), methods=["GET", "POST"]),
        Route("/api/admin/members/{member_id}", _admin(_member), methods=["GET", "PATCH", "DELETE"]),
        Route("/api/admin/members/{member_id}/voice", _admin(_voice), methods=["POST"]),
        Route("/api/admin/devices", _admin(_devices), methods=["GET"]),
        Route("/api/admin/devices/{device_id}", _admin(_device), methods=["PATCH", "DELETE"]),
        Route("/api/admin/pairing", _admin(_pairing), methods=["POST"]),
        Route("/api/admin/usage", _admin(_usage), methods=["GET"]),
        Route("/api/admin/transcripts", _admin(_transcripts), methods=["GET"]),
    ]
