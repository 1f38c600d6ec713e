from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).resolve().parent.parent / "src"


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test (nor a child process it starts) reads the user's own Hark config or settings:
    the config folder points into this run's temporary folder and ``HARK_*`` variables
    (``HARK_CONFIG``, ``HARK_LLM__BACKEND``...) are unset for the run. Yields the stand-in home."""
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for key in list(os.environ):
        if key.startswith("HARK_"):
            patch.delenv(key)
    yield home
    patch.undo()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's own data folder: its database starts empty. Whisper base is joined into it
    from the two wheels at first use (about 0.5 s and 145 MB, once per run)."""
    return tmp_path_factory.mktemp("hark-data")


def make_settings(data_dir: Path) -> Any:
    """What the ``settings`` fixture holds: defaults and this run's data folder, never a user config."""
    from hark.config import load_settings

    return load_settings(
        env={"HARK_DATA_DIR": str(data_dir), "HARK_BRAIN__TIMEZONE": "Europe/Paris"}, user_config=False
    )


@pytest.fixture(scope="session")
def settings(data_dir: Path):  # type: ignore[no-untyped-def]
    return make_settings(data_dir)


@pytest.fixture(scope="session")
async def engines(settings):  # type: ignore[no-untyped-def]
    """The real embedded engines, loaded once. A missing engine fails the tests that need it."""
    from hark.engines import load_engines

    return await load_engines(settings)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every async test also checks that it left no task running behind it."""
    for item in items:
        if isinstance(item, pytest.Function) and asyncio.iscoroutinefunction(item.function):
            item.fixturenames.append("no_leaked_tasks")


@pytest.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    before = set(asyncio.all_tasks())
    yield
    await asyncio.sleep(0)
    leaked = [t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()]
    assert not leaked, f"tasks leaked: {leaked}"
