"""Helpers for the server tests: a real uvicorn on an ephemeral port in the test's event loop,
the real device registry, waiting for states."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

from hark.household.devices import DeviceRegistry, PairedDevice
from hark.server.context import ServerContext
from hark.server.run import Server, bind, make_server, port_of


class Devices:
    """The real device registry (over the household's database), with a one-call ``add``."""

    def __init__(self, registry: DeviceRegistry) -> None:
        self.registry = registry

    async def add(self, name: str) -> tuple[PairedDevice, str]:
        """Pair a device the way a user does (a code, then the device uses it); its token."""
        code = await self.registry.start_pairing(name=name)
        paired = await self.registry.pair(code.code, name)
        return paired, paired.token

    async def start_pairing(self) -> str:
        return (await self.registry.start_pairing()).code

    async def revoke(self, device_id: str) -> bool:
        return await self.registry.revoke(device_id)


async def wait_for(predicate: Callable[[], Any], *, timeout_s: float = 60.0, what: str = "a state") -> Any:
    """Poll until ``predicate()`` is truthy (a state, not a duration); fail after a generous deadline."""
    async with asyncio.timeout(timeout_s):
        while not (value := predicate()):  # noqa: ASYNC110 - polls states of other objects
            await asyncio.sleep(0.01)
    return value


@dataclasses.dataclass
class Running:
    server: Server
    ctx: ServerContext
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/ws"


@contextlib.asynccontextmanager
async def running(app: Any, *, send_buffer: int = 64 * 1024) -> AsyncIterator[Running]:
    """Serve ``app`` on 127.0.0.1 (a free port) in this event loop; drain and stop after."""
    server = make_server(app)
    sock = bind("127.0.0.1", 0, send_buffer=send_buffer)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="test-uvicorn")
    try:
        await wait_for(lambda: server.started or task.done(), what="uvicorn started")
        if task.done():
            task.result()
        yield Running(server, app.state.hark, port_of(server))
    finally:
        server.stop_accepting()
        await app.state.hark.drain()
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def served_household(
    settings: Any, engines: Any, data_dir: Any, *, options: Any = None, send_buffer: int = 64 * 1024
) -> AsyncIterator[tuple[Running, Devices]]:
    """A real household (classic brain only, its own database) and engines behind a real server."""
    from hark.household import Household
    from hark.server import create_app
    from tests.storefakes import store_url

    s = dataclasses.replace(settings, data_dir=data_dir).replace(
        llm={"backend": "off"}, storage={"url": store_url(data_dir / "hark.db")}
    )
    household = await Household.open(s)
    devices = Devices(household.paired_devices)
    try:
        app = create_app(household, engines, devices.registry, s, options=options, static_dir=None)
        async with running(app, send_buffer=send_buffer) as r:
            yield r, devices
    finally:
        await household.close()
