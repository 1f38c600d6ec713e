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


@pytest.fixture(scope="session")
def whisper_dir(data_dir: Path) -> Path:
    """Whisper base (CTranslate2), joined into this run's data folder from its wheels."""
    from hark.engines.models import whisper_base_model

    return whisper_base_model(data_dir)


@pytest.fixture(scope="session")
def moonshine_dir(data_dir: Path) -> Path:
    """Moonshine base, prepared into this run's data folder from the moonshine-cpp wheel (~10 s, once per run)."""
    from hark.engines.moonshine_model import moonshine_base_model

    return moonshine_base_model(data_dir)


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


# -- the two databases -----------------------------------------------------------------------
#
# Every test that stores something runs twice, on SQLite and on PostgreSQL: ids end in [sqlite]
# and [postgresql]. A test takes part when it asks for ``store_url`` (its database's URL) or
# ``store_backend``, or when its module opens the store through ``tests.storefakes.open_stack`` or
# ``store_url`` and the test gets ``tmp_path`` (their database lives "at" a path in it). On
# PostgreSQL each test gets a fresh database, copied from one migrated once per run, on a server
# the run starts itself (``tests.postgres``; one per xdist worker). Without PostgreSQL installed
# those runs are skipped with the reason, or fail when ``CI`` is set: CI must test both.
# ``@pytest.mark.sqlite_only("why")`` keeps a test about SQLite itself (its file, its locks) on SQLite.

BACKENDS = ("sqlite", "postgresql")
_STORE_HELPERS = ("open_stack", "store_url")


def _uses_the_store(module: Any) -> bool:
    from tests import storefakes

    return any(getattr(module, name, None) is getattr(storefakes, name) for name in _STORE_HELPERS)


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module) and collector.path.name.startswith("test_"):
        try:
            module = collector.obj
        except Exception:  # the collection itself reports a module that cannot be imported
            return
        if _uses_the_store(module):
            collector.add_marker(pytest.mark.usefixtures("store_backend"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about SQLite itself (its file, its locks): not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.fixturenames
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        return  # store_backend then says "sqlite"
    if "store_backend" in names and ("store_url" in names or "tmp_path" in names):
        metafunc.parametrize("store_backend", BACKENDS, indirect=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A PostgreSQL server of this run's own (this xdist worker's), stopped and removed at the end."""
    import atexit

    from tests.postgres import PostgresMissing, PostgresServer

    try:
        server = PostgresServer.start()
    except PostgresMissing as exc:
        if _in_ci():
            pytest.fail(f"{exc}. CI runs every storage test on PostgreSQL too (scripts/setup installs it)", False)
        pytest.skip(f"not run on PostgreSQL: {exc}")
    atexit.register(server.stop)  # also when the run is interrupted before the fixtures end
    try:
        yield server
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which database this test's store is on: ``sqlite`` (the default) or ``postgresql``."""
    from tests.storefakes import POSTGRES, PostgresDatabases

    backend: str = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield backend
        return
    databases = PostgresDatabases(request.getfixturevalue("postgres_server"))
    token = POSTGRES.set(databases)
    try:
        yield backend
    finally:
        POSTGRES.reset(token)
        databases.drop_all()


@pytest.fixture
def store_url(store_backend: str, tmp_path: Path) -> str:
    """The URL of this test's own database, already at the newest schema on PostgreSQL (a new
    SQLite file is migrated when Hark opens it)."""
    from tests.storefakes import store_url

    return store_url(tmp_path / "hark.db")


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
