"""Lists: shopping, to-do, or any other name; shared by every device in the home.

List names and items are normalised before they are stored ("my Shopping List"
-> ``shopping``, "Some Milk." -> ``milk``) so duplicates are recognised; a
unique constraint backs that up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..store import Database, ListItem, spoken
from .base import SkillContext, SkillResult, Tool

_ALIASES = {
    "to do": "todo",
    "to-do": "todo",
    "todo": "todo",
    "to dos": "todo",
    "todos": "todo",
    "task": "todo",
    "tasks": "todo",
    "grocery": "shopping",
    "groceries": "shopping",
    "shop": "shopping",
}
_SPOKEN_NAMES = {"todo": "to-do"}
_LIST = {"type": "string", "minLength": 1, "maxLength": 64, "description": "List name, e.g. shopping or todo."}
_ITEM = {"type": "string", "minLength": 1, "maxLength": 200}


def _schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required), "additionalProperties": False}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip(" .!?,;:")


def normalise_list(name: str) -> str:
    """``"my Shopping List"`` -> ``shopping``; ``"to-do list"`` -> ``todo``."""
    text = re.sub(r"^(?:my|the|our) ", "", _clean(name))
    text = re.sub(r"\s*\blist$", "", text).strip()
    return _ALIASES.get(text, text)


def normalise_item(item: str) -> str:
    """``"Some Milk."`` -> ``milk``."""
    return re.sub(r"^(?:some|a|an|the|more) ", "", _clean(item)).strip()


def list_title(name: str) -> str:
    """How a stored list name is said: ``shopping list``, ``to-do list``."""
    return f"{_SPOKEN_NAMES.get(name, name)} list"


class ListsSkill:
    """``list_add``, ``list_remove``, ``list_read``, ``list_clear``."""

    name = "lists"

    def __init__(self, db: Database) -> None:
        self.db = db
        both = _schema({"list": _LIST, "item": _ITEM}, ["list", "item"])
        one = _schema({"list": _LIST}, ["list"])
        self._tools = (
            Tool("list_add", "Add an item to a list (shopping, todo, ...).", both),
            Tool("list_remove", "Remove an item from a list.", both),
            Tool("list_read", "Read a list back.", one),
            Tool("list_clear", "Remove every item from a list.", one),
        )

    @property
    def tools(self) -> tuple[Tool, ...]:
        return self._tools

    async def call(self, tool: str, arguments: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        name = normalise_list(str(arguments["list"]))
        if not name:
            return SkillResult("Which list?", {"error": "no-list"}, ok=False)
        title = list_title(name)
        if tool in ("list_add", "list_remove"):
            item = normalise_item(str(arguments["item"]))
            if not item:
                return SkillResult(f"What should I {tool[5:]}?", {"error": "no-item"}, ok=False)
            if tool == "list_add":
                return await self._add(name, title, item, ctx)
            return await self._remove(ctx.household_id, name, title, item)
        if tool == "list_read":
            return await self._read(ctx.household_id, name, title)
        return await self._clear(ctx.household_id, name, title)

    async def _add(self, name: str, title: str, item: str, ctx: SkillContext) -> SkillResult:
        async with self.db.transaction() as session:
            if await self._find(session, ctx.household_id, name, item) is not None:
                return SkillResult(f"{item.capitalize()} is already on your {title}.", {"added": False, "item": item})
            now = ctx.now().astimezone(dt.UTC)
            session.add(ListItem(household_id=ctx.household_id, list_name=name, item=item, done=False, created_at=now))
        return SkillResult(f"Added {item} to your {title}.", {"added": True, "item": item, "list": name})

    async def _remove(self, household: str, name: str, title: str, item: str) -> SkillResult:
        async with self.db.transaction() as session:
            row = await self._find(session, household, name, item)
            if row is None:
                return SkillResult(f"{item.capitalize()} isn't on your {title}.", {"removed": False}, ok=False)
            await session.delete(row)
        return SkillResult(f"Removed {item} from your {title}.", {"removed": True, "item": item, "list": name})

    async def _read(self, household: str, name: str, title: str) -> SkillResult:
        async with self.db.transaction() as session:
            items = await self._items(session, household, name)
        data = {"list": name, "items": items}
        if not items:
            return SkillResult(f"Your {title} is empty.", data)
        return SkillResult(
            f"You have {spoken.plural(len(items), 'item')} on your {title}: {spoken.join(items)}.",
            data,
        )

    async def _clear(self, household: str, name: str, title: str) -> SkillResult:
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(ListItem).where(ListItem.household_id == household, ListItem.list_name == name)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        if not count:
            return SkillResult(f"Your {title} is already empty.", {"cleared": 0})
        return SkillResult(f"I've cleared your {title}.", {"cleared": count})

    @staticmethod
    async def _find(session: AsyncSession, household: str, name: str, item: str) -> ListItem | None:
        query = select(ListItem).where(
            ListItem.household_id == household, ListItem.list_name == name, ListItem.item == item
        )
        return (await session.scalars(query)).first()

    @staticmethod
    async def _items(session: AsyncSession, household: str, name: str) -> list[str]:
        query = (
            select(ListItem.item)
            .where(ListItem.household_id == household, ListItem.list_name == name)
            .order_by(ListItem.created_at, ListItem.id)
        )
        return list((await session.scalars(query)).all())
