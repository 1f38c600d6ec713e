"""Shared plumbing of the LLM benchmarks: backends under test, the fake servers, a recording wrapper.

Backends are named ``embedded`` (SmolLM2 through :class:`hark.llm.embedded.EmbeddedBackend`),
``openai`` and ``anthropic``; the two remote ones are the local fake servers of
``tests/fake_llm_servers.py`` (real wire formats, real SDKs on Hark's side), optionally
with an injected delay before the first byte. Each backend gets its own household in a
fresh data directory, so facts, lists and timers of one run never leak into another.

:class:`RecordingBackend` wraps the backend the generative brain holds and notes, per
model call and on the pipeline's clock (``time.monotonic``), when the call started,
when the first text chunk and the end came out of the backend, the token counts the
backend reported, and the request's messages: that is how both benchmarks see what
Hark sent to the model without touching Hark's code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from hark.config import Settings
from hark.household import Household
from hark.llm.base import Finished, LlmBackend, LlmEvent, LlmRequest, TextChunk, ToolCallChunk
from tests.fake_llm_servers import FakeAnthropic, FakeOpenAI

API_KEY = "sk-bench-key"
FAKE_MODEL = "fake-model"
FakeServer = FakeOpenAI | FakeAnthropic


@dataclasses.dataclass(frozen=True, slots=True)
class BackendSpec:
    """One backend configuration under test; ``delay_s`` is the fake server's wait before its first byte."""

    kind: str
    delay_s: float = 0.0

    @property
    def label(self) -> str:
        return self.kind if self.kind == "embedded" else f"{self.kind}@{round(self.delay_s * 1000)}ms"

    @property
    def fake(self) -> bool:
        return self.kind != "embedded"


def parse_backends(text: str) -> list[BackendSpec]:
    """``embedded,openai@0,openai@300,anthropic`` -> specs (delays in ms)."""
    specs = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, _, delay = part.partition("@")
        if kind not in ("embedded", "openai", "anthropic"):
            raise ValueError(f"unknown backend {kind!r} (embedded, openai, anthropic)")
        specs.append(BackendSpec(kind, float(delay.removesuffix("ms") or 0) / 1000))
    return specs


@contextlib.contextmanager
def fake_server(spec: BackendSpec) -> Iterator[FakeServer | None]:
    """The fake server of ``spec`` running on 127.0.0.1 (None for the embedded model)."""
    if not spec.fake:
        yield None
        return
    server: FakeServer = FakeOpenAI(api_key=API_KEY) if spec.kind == "openai" else FakeAnthropic(api_key=API_KEY)
    with server:
        yield server


def server_url(server: FakeServer) -> str:
    return server.base_url if isinstance(server, FakeOpenAI) else server.url


def household_settings(base: Settings, spec: BackendSpec, server: FakeServer | None, data_dir: Path) -> Settings:
    """``base`` with its own data directory and the ``llm`` section of ``spec``.

    Remote backends get ``fallback = "classic"``: the fallback never runs in these
    benchmarks (the fakes always answer), and loading a second model would only cost time.
    """
    s = base.replace(data_dir=data_dir)
    if server is None:
        return s.replace(llm={"backend": "embedded"})
    return s.replace(
        llm={
            "backend": spec.kind,
            "model": FAKE_MODEL,
            "base_url": server_url(server),
            "api_key": API_KEY,
            "fallback": "classic",
        }
    )


def fresh_data_dir(root: Path, name: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name.replace('@', '-')}-", dir=root))


def pieces(text: str) -> list[str]:
    """``text`` as a fake server streams it: one delta per word (with its leading space)."""
    words = text.split(" ")
    return [words[0], *(f" {w}" for w in words[1:])]


# -- what Hark sent to the model, and when the answer came ------------------------------------------


@dataclasses.dataclass
class ModelCall:
    """One ``backend.stream`` call, times on ``time.monotonic``."""

    started: float
    messages: list[dict[str, Any]]
    tools: int
    first_text: float | None = None
    ended: float | None = None
    tool_calls: list[str] = dataclasses.field(default_factory=list)
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str | None = None

    def prompt_text(self) -> str:
        return json.dumps(self.messages, ensure_ascii=False)


class RecordingBackend:
    """An :class:`~hark.llm.base.LlmBackend` that forwards to ``inner`` and records each call."""

    def __init__(self, inner: LlmBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.calls: list[ModelCall] = []

    def take(self) -> list[ModelCall]:
        calls, self.calls = self.calls, []
        return calls

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        return self._stream(request)

    async def _stream(self, request: LlmRequest) -> AsyncGenerator[LlmEvent, None]:
        call = ModelCall(time.monotonic(), _messages(request), len(request.tools))
        self.calls.append(call)
        try:
            async with contextlib.aclosing(_agen(self.inner.stream(request))) as events:
                async for event in events:
                    _note(call, event)
                    yield event
        finally:  # the brain closes the stream once it has Finished: this still runs then
            call.ended = time.monotonic()

    async def warm(self, request: LlmRequest) -> None:
        await self.inner.warm(request)

    async def prepare(self, request: LlmRequest) -> None:
        await self.inner.prepare(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _agen(events: AsyncIterator[LlmEvent]) -> AsyncGenerator[LlmEvent, None]:
    """Any async iterator as a closable async generator (closing it closes ``events`` if it can)."""
    try:
        async for event in events:
            yield event
    finally:
        closer = getattr(events, "aclose", None)
        if closer is not None:
            await closer()


def _note(call: ModelCall, event: LlmEvent) -> None:
    if isinstance(event, TextChunk) and event.text and call.first_text is None:
        call.first_text = time.monotonic()
    elif isinstance(event, ToolCallChunk):
        call.tool_calls.append(event.name)
    elif isinstance(event, Finished):
        call.input_tokens, call.output_tokens = event.input_tokens, event.output_tokens
        call.cached_input_tokens, call.stop_reason = event.cached_input_tokens, event.stop_reason


def _messages(request: LlmRequest) -> list[dict[str, Any]]:
    return [
        {
            "role": m.role,
            "text": m.full_text(),
            "tool_uses": [u.name for u in m.tool_uses],
            "tool_results": [r.content for r in m.tool_results],
        }
        for m in request.messages
    ]


def install_recorder(household: Household) -> RecordingBackend:
    """Put a :class:`RecordingBackend` between the household's generative brain and its model."""
    brain = household.generative()
    if brain is None:
        raise RuntimeError("this household has no generative brain (llm.backend = 'off')")
    if isinstance(brain.backend, RecordingBackend):
        return brain.backend
    recorder = RecordingBackend(brain.backend)
    brain.backend = recorder
    return recorder


def clock_offset_s() -> float:
    """``time.perf_counter() - time.monotonic()`` (the fakes stamp requests with perf_counter).

    Both read CLOCK_MONOTONIC on Linux, so this is ~0; it is measured, not assumed.
    """
    samples = []
    for _ in range(5):
        a = time.monotonic()
        p = time.perf_counter()
        b = time.monotonic()
        samples.append(p - (a + b) / 2)
    return sorted(samples)[2]
