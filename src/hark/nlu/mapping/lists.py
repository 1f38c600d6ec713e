"""List intents -> ``list_*`` calls. List names are normalised ("shopping list" -> ``shopping``,
"to do" -> ``todo``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..types import IntentMatch, ToolCall
from .slots import Result, _strip_article, _text

_LIST_ALIASES = {
    "shopping": "shopping", "grocery": "shopping", "groceries": "shopping", "grocery shopping": "shopping",
    "shop": "shopping", "to do": "todo", "todo": "todo", "to-do": "todo", "to dos": "todo", "todos": "todo",
    "to-dos": "todo", "task": "todo", "tasks": "todo", "things to do": "todo",
}  # fmt: skip


def normalize_list_name(name: str) -> str | None:
    """ "shopping list" -> "shopping", "To-Do" -> "todo", "packing" -> "packing"."""
    text = _strip_article(name.lower().strip())
    text = re.sub(r"\s+lists?$", "", text).strip()
    if not text or len(text.split()) > 3 or text in ("the", "my", "our", "a", "an", "this", "that"):
        return None
    return _LIST_ALIASES.get(text, text)


def _list_item(
    tool: str, fixed_list: str | None = None
) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        name = fixed_list or normalize_list_name(_text(slots, "name") or "")
        item = _text(slots, "item")
        if not name or not item:
            return None
        return ToolCall(tool, {"list": name, "item": _strip_article(item)})

    return handler


def _list_whole(tool: str) -> Callable[[dict[str, Any], IntentMatch, dt.datetime], Result]:
    def handler(slots: dict[str, Any], match: IntentMatch, now: dt.datetime) -> Result:
        name = normalize_list_name(_text(slots, "name") or "")
        return None if not name else ToolCall(tool, {"list": name})

    return handler
