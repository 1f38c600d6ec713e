"""Lists: add, duplicates, remove, read back, clear, name normalisation, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark.skills.base import ToolArgumentError
from hark.skills.lists import list_title, normalise_item, normalise_list
from tests.storefakes import open_stack


async def test_add_read_remove_clear(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db", started=False) as stack:
        assert (await stack.call("list_read", list="shopping")).speech == "Your shopping list is empty."
        assert (
            await stack.call("list_add", list="shopping list", item="Milk")
        ).speech == "Added milk to your shopping list."
        await stack.call("list_add", list="shopping", item="some eggs")
        await stack.call("list_add", list="my shopping list", item="bread.")
        again = await stack.call("list_add", list="Shopping", item="milk")
        assert again.ok and again.speech == "Milk is already on your shopping list." and again.data["added"] is False
        read = await stack.call("list_read", list="shopping")
        assert read.speech == "You have 3 items on your shopping list: milk, eggs and bread."
        assert read.data["items"] == ["milk", "eggs", "bread"]
        assert (
            await stack.call("list_remove", list="shopping", item="eggs")
        ).speech == "Removed eggs from your shopping list."
        missing = await stack.call("list_remove", list="shopping", item="butter")
        assert not missing.ok and missing.speech == "Butter isn't on your shopping list."
        assert (await stack.call("list_read", list="shopping")).speech == (
            "You have 2 items on your shopping list: milk and bread."
        )
        assert (await stack.call("list_clear", list="shopping")).speech == "I've cleared your shopping list."
        assert (await stack.call("list_clear", list="shopping")).speech == "Your shopping list is already empty."
        assert (await stack.call("list_read", list="shopping")).speech == "Your shopping list is empty."


async def test_lists_are_separate_and_persist(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db", started=False) as stack:
        await stack.call("list_add", list="to-do list", item="call the plumber")
        await stack.call("list_add", list="groceries", item="apples")
        await stack.call("list_add", list="packing", item="passport", device_id="bedroom")
    async with open_stack(tmp_path / "hark.db", started=False) as stack:
        todo = await stack.call("list_read", list="todo", device_id="bedroom")
        assert todo.speech == "You have 1 item on your to-do list: call the plumber."
        assert (await stack.call("list_read", list="shopping")).data["items"] == ["apples"]
        assert (await stack.call("list_read", list="packing list")).data["items"] == ["passport"]


async def test_list_tools_need_their_arguments(tmp_path: Path) -> None:
    async with open_stack(tmp_path / "hark.db", started=False) as stack:
        with pytest.raises(ToolArgumentError):
            await stack.call("list_add", list="shopping")
        with pytest.raises(ToolArgumentError):
            await stack.call("list_read", list="shopping", item="milk")
        assert not (await stack.call("list_add", list="shopping", item="...")).ok


def test_normalisation() -> None:
    assert normalise_list("My Shopping List") == "shopping"
    assert normalise_list("to do") == normalise_list("To-Do list") == "todo"
    assert list_title("todo") == "to-do list"
    assert normalise_item("  Some   Milk! ") == "milk"
