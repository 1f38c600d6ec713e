"""Helpers for the Wyoming tests: a real household and Hark's Wyoming service on a free TCP
port, clients of the ``wyoming`` package, and reading a peer's events up to one type."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlparse

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from hark.household import Household
from hark.server.context import ServerContext, ServerOptions
from hark.wyoming import WyomingService


@contextlib.asynccontextmanager
async def wyoming_household(
    settings: Any, engines: Any, data_dir: Any, **service_options: Any
) -> AsyncIterator[WyomingService]:
    """A real household (classic brain only, its own database) served over Wyoming on 127.0.0.1."""
    s = dataclasses.replace(settings, data_dir=data_dir).replace(llm={"backend": "off"})
    household = await Household.open(s)
    try:
        ctx = ServerContext(household, engines, household.paired_devices, s, ServerOptions())
        service = WyomingService(ctx, service_options.pop("uris", ["tcp://127.0.0.1:0"]), **service_options)
        await service.start()
        try:
            yield service
        finally:
            await service.stop()
    finally:
        await household.close()


def client(service: WyomingService, index: int = 0) -> AsyncTcpClient:
    uri = urlparse(service.addresses()[index])
    assert uri.hostname is not None and uri.port is not None
    return AsyncTcpClient(uri.hostname, uri.port)


async def read_until(c: AsyncTcpClient, *types: str) -> list[Event]:
    """Every event up to and including the first of ``types`` (fails if the peer closes first)."""
    events: list[Event] = []
    while True:
        event = await c.read_event()
        assert event is not None, f"connection closed; got {[e.type for e in events]}"
        events.append(event)
        if event.type in types:
            return events


def audio(
    samples: np.ndarray, rate: int = 16000, *, width: int = 2, channels: int = 1, chunk: int = 1024
) -> Iterable[Event]:
    """16-bit mono samples as a Wyoming audio stream in the given format (converted here)."""
    from hark.audio import to_float
    from hark.audio.convert import resample

    x = resample(to_float(samples), 16000, rate) if rate != 16000 else to_float(samples)
    x = np.repeat(x[:, None], channels, axis=1).reshape(-1)
    if width == 2:
        raw = np.asarray(np.clip(x, -1, 1) * 32767, "<i2").tobytes()
    elif width == 4:
        raw = np.asarray(np.clip(x, -1, 1) * 2147483647, "<i4").tobytes()
    else:
        raw = (np.asarray(np.clip(x, -1, 1) * 127 + 128, np.uint8)).tobytes()
    yield AudioStart(rate=rate, width=width, channels=channels).event()
    step = chunk * width * channels
    for i in range(0, len(raw), step):
        yield AudioChunk(rate=rate, width=width, channels=channels, audio=raw[i : i + step]).event()
    yield AudioStop().event()


def pcm(events: Iterable[Event]) -> tuple[np.ndarray, int]:
    """The samples of the audio chunks among ``events`` (16-bit mono) and their rate."""
    chunks = [AudioChunk.from_event(e) for e in events if e.type == "audio-chunk"]
    assert chunks and all(c.width == 2 and c.channels == 1 for c in chunks)
    return np.frombuffer(b"".join(c.audio for c in chunks), "<i2"), chunks[0].rate
