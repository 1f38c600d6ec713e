from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Whisper base is assembled once per machine; reuse it across runs when possible.
    shared = Path(os.environ.get("HARK_TEST_DATA_DIR", "/tmp/hark-test-data"))
    try:
        shared.mkdir(parents=True, exist_ok=True)
        return shared
    except OSError:
        return tmp_path_factory.mktemp("hark-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path):  # type: ignore[no-untyped-def]
    from hark.config import load_settings

    return load_settings(env={"HARK_DATA_DIR": str(data_dir), "HARK_BRAIN__TIMEZONE": "Europe/Paris"})


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
