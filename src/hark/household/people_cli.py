"""``hark household …`` and ``hark member …``: the homes on this server and their people.

Like ``hark device``, each command opens the database, does one thing and closes it, so it
works while the server runs. ``--json`` prints one JSON value (times in UTC, ISO 8601).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..config import Settings
from ..store import Database
from ..store.models import DEFAULT_HOUSEHOLD, PLANS
from .admin_cli import print_table
from .people import NO_LIMIT, Controls, People, PeopleError
from .usage_cli import add_plan_arguments, plan_command

__all__ = ["add_people_parsers", "people_command", "run_people"]


def add_people_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``household`` and ``member`` to ``hark``'s subcommands."""
    home = subparsers.add_parser("household", help="the households on this server: add, list, plan, settings")
    sub = home.add_subparsers(dest="household_command", required=True)
    add = sub.add_parser("add", help="a new household; prints its admin token (shown once)")
    add.add_argument("name")
    add.add_argument("--plan", choices=PLANS, default="plus")
    add.add_argument("--timezone", help="e.g. Europe/Lisbon")
    listing = sub.add_parser("list", help="every household: id, name, plan, quotas")
    listing.add_argument("--json", action="store_true")
    add_plan_arguments(sub.add_parser("plan", help="a household's plan and monthly LLM quotas (the operator's)"))
    settings = sub.add_parser("set", help="a household's name, time zone, home location")
    settings.add_argument("household_id", metavar="HOUSEHOLD_ID")
    settings.add_argument("--name")
    settings.add_argument("--timezone", help="e.g. Europe/Lisbon ('' for the server's)")
    settings.add_argument("--location", help="home location for the weather ('' for the config's)")
    settings.add_argument("--retention-days", help="how long transcripts are kept ('none': for ever; default 30)")
    settings.add_argument(
        "--home-assistant", metavar="URL", help="the household's own Home Assistant ('' to disconnect it)"
    )
    settings.add_argument(
        "--home-assistant-token",
        metavar="TOKEN",
        help="its long-lived access token ('-': read it from standard input, so it stays out of the shell history)",
    )
    token = sub.add_parser("admin-token", help="a new admin token for the household's admin API (the old one stops)")
    token.add_argument("household_id", metavar="HOUSEHOLD_ID")

    member = subparsers.add_parser("member", help="the members of a household: add, list, set, remove")
    member.add_argument("--household", default=DEFAULT_HOUSEHOLD, help="whose members (default: default)")
    msub = member.add_subparsers(dest="member_command", required=True)
    madd = msub.add_parser("add", help="an adult (optionally admin) or a child (with an age)")
    madd.add_argument("name")
    madd.add_argument("--child", action="store_true", help="a child: kids mode on every turn they speak")
    madd.add_argument("--age", type=int)
    madd.add_argument("--admin", action="store_true", help="an adult who may manage the household")
    _kids_options(madd)
    mlist = msub.add_parser("list", help="the members: id, name, kind, age, kids' settings")
    mlist.add_argument("--json", action="store_true")
    mset = msub.add_parser("set", help="a member's age and a child's settings (memory, smart home)")
    mset.add_argument("member", help="name or id")
    mset.add_argument("--age", type=int)
    _kids_options(mset)
    mremove = msub.add_parser("remove", help="a member and their voice profile")
    mremove.add_argument("member", help="name or id")


def _kids_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        choices=["on", "off"],
        help="long-term memory of what they say (default: on for adults, off for children)",
    )
    parser.add_argument(
        "--smart-home", help="for a child: the smart-home permissions, comma-separated (e.g. light,media_player)"
    )
    parser.add_argument("--quiet-hours", help="a child's bedtime, e.g. 20:30-07:00 ('' for none)")
    parser.add_argument("--chat-minutes", help="a child's daily chat allowance in minutes ('none' for no limit)")
    parser.add_argument("--tools", help="the tools a child may use, comma-separated ('' for the kids' defaults)")
    parser.add_argument("--explicit-filter", choices=["on", "off"], help="screen replies for explicit words")


def run_people(args: argparse.Namespace, settings: Settings) -> int:
    """``hark household|member ...``: exit code 0 done, 1 refused (with the reason on stderr)."""
    return asyncio.run(people_command(args, settings))


async def people_command(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_settings(settings)
    await db.open()
    try:
        people = People(db)
        if args.command == "household" and args.household_command == "plan":
            return await plan_command(args, settings, db=db)
        if args.command == "household":
            return await _household(people, args)
        return await _member(people, args)
    except PeopleError as exc:
        print(f"hark {args.command}: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await db.close()


async def _household(people: People, args: argparse.Namespace) -> int:
    command = args.household_command
    if command == "add":
        _check_zone(args.timezone)
        home, token = await people.add_household(args.name, plan=args.plan, timezone=args.timezone)
        print(f"household {home.id} ({home.name}), plan {home.plan}")
        print(f"admin token (shown once; for the admin page and API): {token}")
        print(f"add its people with: hark member --household {home.id} add NAME")
        return 0
    if command == "list":
        homes = await people.households()
        if args.json:
            print(json.dumps([_jsonable(dataclasses.asdict(h)) for h in homes], ensure_ascii=False))
            return 0
        rows = [
            (
                h.id,
                h.name,
                h.plan,
                _quota(h.quota_tokens_month),
                _quota(h.quota_requests_month),
                h.timezone or "-",
            )
            for h in homes
        ]
        print_table(("ID", "NAME", "PLAN", "TOKENS/MONTH", "REQUESTS/MONTH", "TIME ZONE"), rows)
        return 0
    if command == "set":
        if args.timezone:
            _check_zone(args.timezone)
        days = None
        if args.retention_days is not None:
            days = NO_LIMIT if args.retention_days.strip().lower() == "none" else _whole(args.retention_days)
        token = args.home_assistant_token
        if token == "-":
            token = sys.stdin.readline().strip()
        home = await people.set_settings(
            args.household_id,
            timezone=args.timezone,
            location=args.location,
            name=args.name,
            retention_days=days,
            smart_home=args.home_assistant,
            smart_home_token=token,
        )
        kept = "for ever" if home.transcript_retention_days is None else f"{home.transcript_retention_days} days"
        print(
            f"{home.id}: {home.name}, time zone {home.timezone or '-'}, location {home.location or '-'}, "
            f"transcripts kept {kept}, Home Assistant {home.smart_home or '-'}"
        )
        if args.home_assistant:
            print("a running hark serve uses it within 30 s (restart it if no household had a smart home before)")
        return 0
    token = await people.admin_token(args.household_id)
    print(f"admin token for {args.household_id} (shown once; the previous one no longer works): {token}")
    return 0


async def _member(people: People, args: argparse.Namespace) -> int:
    household = args.household
    await people.need_household(household)
    command = args.member_command
    controls = _controls(args) if command in ("add", "set") else Controls()
    if command == "add":
        member = await people.add_member(
            household, args.name, kind="child" if args.child else "adult", admin=args.admin, controls=controls
        )
        print(f"member {member.id}: {member.name} ({_kind(member.kind, member.age, member.admin)})")
        return 0
    if command == "list":
        members = await people.members(household)
        if args.json:
            print(json.dumps([_jsonable(dataclasses.asdict(m)) for m in members], ensure_ascii=False))
            return 0
        rows = [
            (
                m.id,
                m.name,
                _kind(m.kind, m.age, m.admin),
                "on" if m.memory_allowed else "off",
                ",".join(sorted(m.smart_home_allowed)) or "-",
                m.quiet_hours or "-",
                "-" if m.chat_minutes_day is None else f"{m.chat_minutes_day} min",
            )
            for m in members
        ]
        print_table(("ID", "NAME", "KIND", "MEMORY", "SMART HOME (CHILD)", "QUIET HOURS", "CHAT/DAY"), rows)
        return 0
    if command == "set":
        member = await people.update_member(household, args.member, controls)
        print(f"{member.id}: {member.name} ({_kind(member.kind, member.age, member.admin)}) set")
        return 0
    if not await people.remove_member(household, args.member):
        print(f"hark member remove: no member {args.member!r} in {household}", file=sys.stderr)
        return 1
    print(f"removed {args.member} and their voice profile")
    return 0


def _kind(kind: str, age: int | None, admin: bool) -> str:
    if kind == "child":
        return f"child, {age}" if age is not None else "child"
    return "adult, admin" if admin else "adult"


def _quota(value: int | None) -> str:
    return "-" if value is None else str(value)


def _domains(text: str) -> list[str]:
    return [d.strip().lower() for d in text.split(",") if d.strip()]


def _controls(args: argparse.Namespace) -> Controls:
    minutes: int | None = None
    if args.chat_minutes is not None:
        if args.chat_minutes.strip().lower() in ("none", ""):
            minutes = NO_LIMIT
        else:
            try:
                minutes = int(args.chat_minutes)
            except ValueError:
                raise PeopleError(f"--chat-minutes is a number of minutes or none, not {args.chat_minutes!r}") from None
    return Controls(
        age=args.age,
        memory_allowed=None if args.memory is None else args.memory == "on",
        smart_home_allowed=None if args.smart_home is None else _domains(args.smart_home),
        quiet_hours=args.quiet_hours,
        chat_minutes_day=minutes,
        allowed_tools=None if args.tools is None else _domains(args.tools),
        explicit_filter=None if args.explicit_filter is None else args.explicit_filter == "on",
    )


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PeopleError(f"not a whole number: {text!r}") from None


def _check_zone(zone: str | None) -> None:
    if not zone:
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeopleError(f"unknown time zone {zone!r} (e.g. Europe/Lisbon)") from None


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        elif isinstance(value, frozenset):
            value = sorted(value)
        out[key] = value
    return out
