"""Serving one audio stream: the stream cut into VAD windows, each window stepped through the
listening state machine (:mod:`.states`), and what is under way finished when the stream ends."""

from __future__ import annotations

import collections
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING

import numpy as np

from ..audio.chunk import SAMPLE_RATE, AudioChunk, Int16Array
from ..audio.sinks import AudioSink
from ..errors import EngineLoadError
from ..events import Stage
from ..pipeline.result import TurnResult
from .run import Run
from .states import BargeDetector, Capturing, State, Stream, Waking, window_seconds

if TYPE_CHECKING:
    from .device import DeviceSession

KEEP_TURNS = 32
"""A stream returns its last turns only: a session may live for months."""


async def serve_stream(
    session: DeviceSession,
    source: AsyncIterator[AudioChunk],
    sink: AudioSink | None,
    *,
    on_turn: Callable[[TurnResult], None] | None = None,
    max_turns: int | None = None,
    wait_for_reply: bool = False,
    start: Stage = Stage.WAKE,
) -> list[TurnResult]:
    """See :meth:`DeviceSession.listen`."""
    if start not in (Stage.WAKE, Stage.STT):
        raise ValueError(f"a stream starts at the wake word or at speech recognition, not {start}")
    if start is Stage.WAKE and session.engines.wake_factory is None:
        raise EngineLoadError("listen needs a wake word engine")
    _, vad_factory = session.engines.need_stt()
    wake = session.engines.wake_factory() if session.engines.wake_factory is not None else None
    capture_vad = vad_factory()
    window_s = window_seconds(capture_vad)
    s = session.settings
    kept: collections.deque[TurnResult] = collections.deque(maxlen=KEEP_TURNS)

    def turned(result: TurnResult) -> None:
        kept.append(result)
        if on_turn is not None:
            on_turn(result)

    stream = Stream(
        session=session,
        wake=wake,
        capture_vad=capture_vad,
        barge=BargeDetector(vad_factory(), s.turn.vad_threshold, max(1, round(s.turn.barge_in_ms / 1000 / window_s))),
        sink=sink,
        window_s=window_s,
        preroll=collections.deque(maxlen=max(1, round(s.wake.preroll_ms / 1000 / window_s))),
        on_turn=turned,
        max_turns=max_turns,
        wait_for_reply=wait_for_reply,
        wake_start=start is Stage.WAKE,
    )
    state: State
    if start is Stage.WAKE:
        assert wake is not None
        state = Waking(session.begin_wake(wake.phrases))
    else:
        state = stream.capture(
            session.new_run(Stage.VAD), None, np.zeros(0, np.int16), 0.0, session.clock(), expect_speech=False
        )
    windows = _windows(source, capture_vad.window_samples)
    try:
        async for audio_t, t, w in windows:
            state = await state.step(stream, w, audio_t, t)
            if stream.finished:
                return list(kept)
        await _end_of_stream(session, stream, state)
        return list(kept)
    finally:
        await windows.aclose()
        if callable(close := getattr(source, "aclose", None)):
            await close()  # the stream is done with: its producer stops now, not when collected
        await session.stop_preparing()
        await session.ringer.silence()
        run = getattr(state, "run", None)
        if isinstance(run, Run):
            if run.task is not None:
                await session.cancel(run)
            elif run.capture is not None:
                await run.capture.aclose()


async def _end_of_stream(session: DeviceSession, stream: Stream, state: State) -> None:
    """The stream ended: finish what is under way."""
    run = getattr(state, "run", None)
    if not isinstance(run, Run):
        return
    if isinstance(state, Capturing) and run.capture is not None:
        if run.capture.speech_started:
            run.capture.end_of_stream()
            stream.done(await session.finish(run, stream.sink, stream.phrases))  # type: ignore[arg-type]
        elif run.follow_up:
            await session.drop(run)
        else:
            stream.done(await session.abandon(run))
    elif run.task is not None:
        stream.done(await run.task)


async def _windows(
    source: AsyncIterator[AudioChunk], window: int
) -> AsyncGenerator[tuple[float, float, Int16Array], None]:
    """The stream cut into VAD windows, whatever the size of its chunks: (audio_t, t, samples)."""
    carry = np.zeros(0, np.int16)
    carry_audio_t = carry_t = 0.0
    async for chunk in source:
        if len(carry) == 0:
            carry_audio_t, carry_t = chunk.audio_t, chunk.t
        carry = np.concatenate([carry, chunk.samples])
        n = len(carry) - len(carry) % window
        for i in range(0, n, window):
            yield carry_audio_t + i / SAMPLE_RATE, carry_t + i / SAMPLE_RATE, carry[i : i + window]
        carry = carry[n:]
        carry_audio_t += n / SAMPLE_RATE
        carry_t += n / SAMPLE_RATE
