"""A throwaway PostgreSQL server for the tests, started by the tests themselves.

``PostgresServer.start()`` runs ``initdb`` into a new temporary folder and starts ``postgres``
on a unix socket in that folder only (``listen_addresses = ''``: no TCP port, so parallel runs
and pytest-xdist workers never clash), tuned for throwaway data (``fsync = off``...).
``stop()`` shuts it down and removes the folder. The server is started with a parent-death
signal, so it also goes away when the test process is killed.

As root (CI runs as root on a fresh clone) initdb refuses to run: the cluster then belongs to
the ``postgres`` user that Debian's package creates (``nobody`` otherwise), and Hark's tests
connect to it as the cluster's superuser ``hark`` over the socket (trust authentication).

Each test gets its own database: ``create_database()`` copies a template (empty, or migrated
to Hark's newest schema once per server) with ``CREATE DATABASE ... TEMPLATE``; ``drop_database()``
removes it, connections and all. The copy costs tens of milliseconds, so the server keeps a few
migrated ones ready (made on a thread of its own while the tests run: ``take_database()``), and
drops without making the test wait (``discard_database()``).

Run directly (``python -m tests.postgres``) it starts a server, creates a few databases, and
prints what each step took.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SPARES = 3
"""Migrated databases kept ready ahead of the tests that will take them."""

SUPERUSER = "hark"
EMPTY = "template0"
"""The template of an empty database (no tables: Hark migrates it when it opens it)."""
MIGRATED = "hark_migrated"
"""The template already at Hark's newest schema (made once per server)."""

_SETTINGS = {
    "listen_addresses": "",  # the unix socket only
    "fsync": "off",  # throwaway data: never wait for the disk
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "shared_buffers": "32MB",
    "max_connections": "200",  # each Database has a pool; some tests open several
    "checkpoint_timeout": "1h",
    "max_wal_size": "1GB",
    "autovacuum": "off",
    "log_min_messages": "warning",
}


class PostgresMissing(RuntimeError):
    """No PostgreSQL server programs on this machine."""


def find_bindir() -> Path:
    """The folder with ``initdb`` and ``postgres``: ``$TESTS_PG_BINDIR`` when set (and only
    it), else the one on ``PATH``, else Debian's ``/usr/lib/postgresql/<version>/bin`` (newest first)."""
    candidates: list[Path] = []
    chosen = os.environ.get("TESTS_PG_BINDIR")
    if chosen:  # that one, or none
        candidates.append(Path(chosen))
    initdb = None if chosen else shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir() and not chosen:
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    if chosen:
        raise PostgresMissing(f"no initdb/postgres in TESTS_PG_BINDIR={chosen}")
    raise PostgresMissing(
        "PostgreSQL is not installed: no initdb/postgres on PATH or in /usr/lib/postgresql/*/bin "
        "(Debian: apt install postgresql; or set TESTS_PG_BINDIR)"
    )


def _memory_folder() -> str | None:
    """``/dev/shm`` when it is a writable folder with room (a RAM disk: copying the template
    takes ~10 ms there, against 30 to 400 ms on a disk busy with other work), else the usual
    temporary folder."""
    shm = Path("/dev/shm")
    try:
        roomy = shutil.disk_usage(shm).free >= 512 << 20  # a container's default 64 MB is too small
    except OSError:
        return None
    return str(shm) if roomy and os.access(shm, os.W_OK | os.X_OK) else None


def _remove_stale(parent: Path, older_than_s: float = 300.0) -> None:
    """Remove the folders of servers whose test run was killed (the server went with it, the
    folder stayed): no live postmaster, untouched for ``older_than_s``."""
    for folder in parent.glob("hark-pg-*"):
        try:
            pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = 0
        if pid:
            try:
                os.kill(pid, 0)
                continue  # running
            except PermissionError:
                continue  # running, as someone else
            except ProcessLookupError:
                pass
        with contextlib.suppress(OSError):
            if time.time() - folder.stat().st_mtime > older_than_s:
                shutil.rmtree(folder, ignore_errors=True)


def _run_as() -> pwd.struct_passwd | None:
    """The user the cluster runs as when we are root (initdb refuses root), else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresMissing("running as root and neither the 'postgres' nor the 'nobody' user exists")


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a loop of its own (works inside a running loop, too)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class PostgresServer:
    """One running throwaway cluster. Use :meth:`start`, then :meth:`stop` (or ``with``)."""

    def __init__(self, root: Path, bindir: Path, process: subprocess.Popen[bytes]) -> None:
        self.root = root
        self.bindir = bindir
        self.process = process
        self._names = itertools.count(1)
        self._migrated = False
        self._admin_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._spares: collections.deque[concurrent.futures.Future[str]] = collections.deque()
        self._pending: set[concurrent.futures.Future[Any]] = set()

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres", *, driver: str = "asyncpg") -> str:
        """SQLAlchemy URL of ``database`` on this server (over the unix socket)."""
        return f"postgresql+{driver}://{SUPERUSER}@/{database}?host={self.socket_dir}"

    # -- life cycle ---------------------------------------------------------------

    @classmethod
    def start(cls, *, timeout_s: float = 60.0) -> PostgresServer:
        bindir = find_bindir()
        user = _run_as()
        parent = _memory_folder()
        _remove_stale(Path(parent or tempfile.gettempdir()))
        root = Path(tempfile.mkdtemp(prefix="hark-pg-", dir=parent))
        data, log_file = root / "data", root / "postgres.log"
        # as root: run as `user` (setpriv execs, so postgres is our child); either way postgres
        # gets a parent-death signal: a killed test run takes its server with it (fast shutdown)
        launcher = ["setpriv", "--pdeathsig=INT"] if shutil.which("setpriv") else []
        env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
        process: subprocess.Popen[bytes] | None = None
        try:
            data.mkdir(mode=0o700)
            log_file.touch()
            if user is not None:
                for path in (root, data, log_file):
                    os.chown(path, user.pw_uid, user.pw_gid)
                launcher = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
                launcher.append("--pdeathsig=INT")
                env["HOME"] = str(root)
            initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"]
            done = subprocess.run(
                [*launcher, *initdb, "--locale=C", "--no-sync", "--no-instructions"],
                env=env,
                cwd=root,
                capture_output=True,
                check=False,
            )
            if done.returncode != 0:
                output = (done.stderr or done.stdout).decode(errors="replace").strip()
                raise RuntimeError(f"initdb failed ({done.returncode}): {output}")
            options = [f"--{name.replace('_', '-')}={value}" for name, value in _SETTINGS.items()]
            command = [str(bindir / "postgres"), "-D", str(data), "-k", str(root), *options]
            with log_file.open("wb") as log:
                process = subprocess.Popen(
                    [*launcher, *command], env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT
                )
            server = cls(root, bindir, process)
            server._wait_ready(timeout_s)
        except BaseException:
            if process is not None:
                _terminate(process)
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        socket = self.socket_dir / ".s.PGSQL.5432"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.process.returncode}): {self._log_tail()}")
            if socket.exists():
                try:
                    _run_sync(self._execute("SELECT 1"))
                    return
                except Exception as exc:  # "the database system is starting up" and the like
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"postgres did not accept connections in {timeout_s:g} s: {exc}") from exc
            elif time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start in {timeout_s:g} s: {self._log_tail()}")
            time.sleep(0.02)

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:].strip()
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Shut the server down (fast) and remove its folder. Safe to call twice."""
        loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            for future in [*self._spares, *self._pending]:
                with contextlib.suppress(Exception):
                    future.result(timeout=30)  # no half-made database, no error left unseen
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
        self._spares.clear()
        _terminate(self.process)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases ----------------------------------------------------------------

    async def _execute(self, *statements: str, database: str = "postgres") -> None:
        import asyncpg

        connection = await asyncpg.connect(host=str(self.socket_dir), user=SUPERUSER, database=database)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # -- the admin thread: databases made ahead, dropped behind --------------------------------

    def _submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-admin", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(self._serially(coroutine), self._loop)

    async def _serially(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._admin_lock is None:
            self._admin_lock = asyncio.Lock()
        async with self._admin_lock:  # one CREATE/DROP DATABASE at a time
            return await coroutine

    def take_database(self) -> str:
        """A fresh database at Hark's newest schema (one made ahead when there is one); returns its name."""
        future = self._spares.popleft() if self._spares else self._submit(self.create_database(migrated=True))
        while len(self._spares) < SPARES:
            self._spares.append(self._submit(self.create_database(migrated=True)))
        return future.result()

    def discard_database(self, name: str) -> None:
        """Drop ``name`` on the admin thread, without waiting (:meth:`stop` waits for it)."""
        future = self._submit(self.drop_database(name))
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    async def _ensure_migrated(self) -> None:
        if self._migrated:
            return
        from hark.store import Database

        await self._execute(f'CREATE DATABASE "{MIGRATED}" TEMPLATE {EMPTY}')
        async with Database(self.url(MIGRATED)):
            pass
        # a template nobody may connect to, so copying it never waits
        await self._execute(f'ALTER DATABASE "{MIGRATED}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
        self._migrated = True

    async def create_database(self, *, migrated: bool = False, name: str = "") -> str:
        """A new database; returns its name. ``migrated``: already at Hark's newest schema."""
        if migrated:
            await self._ensure_migrated()
        name = name or f"t{os.getpid()}_{next(self._names)}"
        template = MIGRATED if migrated else EMPTY
        await self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    async def drop_database(self, name: str) -> None:
        """Remove ``name``, closing whatever connections a test left open to it."""
        await self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_database_sync(self, *, migrated: bool = False, name: str = "") -> str:
        return _run_sync(self.create_database(migrated=migrated, name=name))

    def drop_database_sync(self, name: str) -> None:
        _run_sync(self.drop_database(name))


def _terminate(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Fast shutdown (SIGINT: roll back, disconnect, stop); SIGKILL if that hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    """Start a server, make databases, print the times (``python -m tests.postgres``)."""
    started = time.perf_counter()
    with running() as server:
        print(f"server up in {time.perf_counter() - started:.2f} s at {server.socket_dir}")

        async def timings() -> None:
            for migrated in (False, True):
                t = time.perf_counter()
                await server.create_database(migrated=migrated)
                first = time.perf_counter() - t
                times = []
                for _ in range(20):
                    t = time.perf_counter()
                    name = await server.create_database(migrated=migrated)
                    times.append(time.perf_counter() - t)
                    await server.drop_database(name)
                times.sort()
                kind = "migrated" if migrated else "empty"
                print(f"{kind}: first {first * 1000:.0f} ms, then median {times[10] * 1000:.1f} ms per database")

        asyncio.run(timings())
    stopped = time.perf_counter() - started
    print(f"total with stop {stopped:.2f} s; folder removed: {not server.root.exists()}")


if __name__ == "__main__":
    main()
