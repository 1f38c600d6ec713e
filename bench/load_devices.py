"""Simulated devices for the server load benchmark: one hands-free WebSocket session each.

A :class:`SimDevice` connects with :func:`hark.client.connect` (its device token), sends
one ``start`` at the ``wake`` stage (the server listens for the wake word for as long as
the session lasts) and then streams audio like a microphone: 32 ms frames of 16 kHz s16
PCM, each sent when it has been "recorded" (frame ``k`` at ``t0 + (k+1) * 32 ms``), without
a gap for as long as the device is connected. Between requests the microphone hears the
room: pink noise at the level of the requests' own background noise (or quieter, for the
idle measurement). A request ("Hey Jarvis, <request>", :class:`bench.corpus.Item`, 10 dB
SNR pink noise) is spliced into that stream; the person then waits for the answer (the
server's ``turn`` message), pauses, and asks the next one.

Every turn is timed on one clock (``time.monotonic``, the kernel's CLOCK_MONOTONIC, which
the server's event times use too, as both run on this machine): the true end of speech
is ``t0 + (frame where the item started) * 32 ms + item.speech_end_s``; the first reply
audio is the arrival of the first binary frame after the request; the server's stage
events (``vad-end``, ``stt-end``, ``brain-text``, ``tts-audio``) are placed on the same axis.

:class:`hark.client.Session` offers ``listen(samples)`` (one array, 80 ms frames, collected
until ``done``); a continuous stream whose next request depends on the last answer needs
more, so this module drives the session's own ``send_raw`` and ``next`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.corpus import Item
from bench.voices import pink_noise
from hark.audio.chunk import SAMPLE_RATE
from hark.client import Session, connect

FRAME_SAMPLES = 512
"""32 ms at 16 kHz (Silero's window)."""
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
HEARD_TIMEOUT_S = 20.0
"""A request with no wake/VAD event this long after its end of speech was not heard."""
TURN_TIMEOUT_S = 120.0
"""A heard request with no ``turn`` this long after its end of speech counts as lost."""
STAGE_EVENTS = ("wake-end", "vad-start", "vad-end", "stt-end", "brain-text", "brain-end", "tts-audio", "run-end")


@dataclasses.dataclass(frozen=True)
class PlannedTurn:
    """One request of a device's plan: the item, its kind (``classic`` or ``llm``) and the pause before it."""

    item: Item
    kind: str
    pause_s: float


@dataclasses.dataclass
class TurnRecord:
    """What one request got. Times are monotonic seconds; :meth:`describe` gives ms after the end of speech."""

    device: int
    item_id: str
    voice: str
    kind: str
    request: str
    start_t: float = 0.0
    truth_end_t: float = 0.0
    stream_t0: float = 0.0
    first_audio_t: float | None = None
    events: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    turn: dict[str, Any] | None = None
    errors: list[str] = dataclasses.field(default_factory=list)
    outcome: str = "pending"
    """``ok`` (a turn came back), ``not-heard`` (no wake/VAD event), ``lost`` (heard, no turn in time)."""

    def first(self, kind: str, **match: Any) -> dict[str, Any] | None:
        return next(
            (e for e in self.events if e.get("type") == kind and all(e.get(k) == v for k, v in match.items())),
            None,
        )

    @property
    def heard(self) -> bool:
        return any(e.get("type") in ("wake-end", "vad-start", "vad-end") for e in self.events)

    def stage_ms(self) -> dict[str, float]:
        """Stage marks in ms after the true end of speech (server events and the client's first audio)."""

        def ms(t: float | None) -> float | None:
            return round((t - self.truth_end_t) * 1000, 1) if t is not None else None

        stt_end = self.first("stt-end")
        # the end of turn of this request: the last vad-end before its transcript (a follow-up heard
        # without the wake word may first end a turn on "Hey Jarvis," alone)
        ends = [e for e in self.events if e.get("type") == "vad-end" and (stt_end is None or e["t"] <= stt_end["t"])]
        vad_end = ends[-1] if ends else self.first("vad-end")
        text, audio = self.first("brain-text"), self.first("tts-audio", index=0)
        marks = {
            "end_of_turn": ms(vad_end["t"]) if vad_end else None,
            "vad_speech_end": ms(vad_end["speech_end_t"]) if vad_end else None,
            "transcript": ms(stt_end["t"]) if stt_end else None,
            "first_reply_text": ms(text["t"]) if text else None,
            "tts_first_audio": ms(audio["t"]) if audio else None,
            "first_audio": ms(self.first_audio_t),
        }
        if audio is not None and "rx" in audio:
            marks["tts_event_rx"] = ms(audio["rx"])  # the tts-audio event's arrival here: splits the send path
        wake = self.first("wake-end")
        if wake is not None:
            # how far behind real time the server's wake detection ran (the stream's own clock)
            marks["wake_lag"] = round((wake["t"] - (self.stream_t0 + wake["audio_t"])) * 1000, 1)
        return {k: v for k, v in marks.items() if v is not None}

    def describe(self) -> dict[str, Any]:
        brain_end = self.first("brain-end")
        turn = self.turn or {}
        return {
            "device": self.device,
            "item": self.item_id,
            "voice": self.voice,
            "kind": self.kind,
            "request": self.request,
            "outcome": self.outcome,
            "wake_heard": self.first("wake-end") is not None,
            "transcript": turn.get("transcript"),
            "reply": (turn.get("reply") or "")[:160] or None,
            "brain": brain_end.get("brain") if brain_end else turn.get("brain"),
            "turn_ok": turn.get("ok"),
            "errors": self.errors + [str(e) for e in turn.get("errors", [])],
            "latency_ms": self.stage_ms(),
        }


def background_level(item: Item) -> float:
    """RMS of the noise before the item's speech (its lead-in is noise only)."""
    lead = item.samples[: max(FRAME_SAMPLES, int(item.speech_start_s * SAMPLE_RATE) - 800)].astype(np.float32)
    return float(np.sqrt(np.mean(lead**2))) if len(lead) else 0.0


class SimDevice:
    """One simulated device: a connection, a continuous real-time microphone stream, a plan of requests."""

    def __init__(
        self, index: int, url: str, token: str, plan: Sequence[PlannedTurn], *, noise_rms: float, seed: int
    ) -> None:
        self.index = index
        self.url = url
        self.token = token
        self.plan = list(plan)
        self.records: list[TurnRecord] = []
        self.noise = (pink_noise(SAMPLE_RATE * 20, seed=seed) * noise_rms).astype(np.float32)
        self._noise_pos = 0
        self._queue: list[np.ndarray] = []
        self._current: TurnRecord | None = None
        self._turn_done = asyncio.Event()
        self._done = asyncio.Event()
        self.session: Session | None = None
        self.t0 = 0.0
        self.frames_sent = 0
        self.max_send_lateness_s = 0.0
        self.errors: list[str] = []
        self.connected = asyncio.Event()

    # -- audio ------------------------------------------------------------------------------------
    def _noise_frame(self) -> np.ndarray:
        if self._noise_pos + FRAME_SAMPLES > len(self.noise):
            self._noise_pos = 0
        frame = self.noise[self._noise_pos : self._noise_pos + FRAME_SAMPLES]
        self._noise_pos += FRAME_SAMPLES
        return np.clip(frame, -32768, 32767).astype(np.int16)

    def _next_frame(self) -> np.ndarray:
        if self._queue:
            return self._queue.pop(0)
        return self._noise_frame()

    def _enqueue(self, samples: np.ndarray) -> float:
        """Splice ``samples`` into the stream after what is queued; the stream time its first sample plays at."""
        start = self.t0 + (self.frames_sent + len(self._queue)) * FRAME_S
        pad = (-len(samples)) % FRAME_SAMPLES
        padded = np.concatenate([samples, self._noise_frame()[:pad]]) if pad else samples
        self._queue.extend(padded[i : i + FRAME_SAMPLES] for i in range(0, len(padded), FRAME_SAMPLES))
        return start

    async def _pump(self, stop: asyncio.Event) -> None:
        assert self.session is not None
        while not stop.is_set():
            due = self.t0 + (self.frames_sent + 1) * FRAME_S
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.max_send_lateness_s = max(self.max_send_lateness_s, -delay)
            frame = self._next_frame()
            self.frames_sent += 1  # before the await: _enqueue places new audio after this frame
            await self.session.send_raw(frame.astype("<i2").tobytes())

    # -- server messages --------------------------------------------------------------------------
    async def _read(self) -> None:
        assert self.session is not None
        while True:
            item = await self.session.next()
            if item is None:
                self._done.set()
                return
            rec = self._current
            if isinstance(item, bytes):
                if rec is not None and rec.first_audio_t is None:
                    rec.first_audio_t = time.monotonic()
                continue
            kind = item.type
            if kind == "event":
                event = getattr(item, "event", {})
                if rec is not None and event.get("type") in STAGE_EVENTS:
                    rec.events.append({**event, "rx": time.monotonic()})  # when this client got it
                if rec is not None and event.get("type") == "error":
                    rec.errors.append(f"{event.get('code')}: {event.get('message')}")
            elif kind == "turn":
                if rec is not None:
                    rec.turn = {
                        "transcript": getattr(item, "transcript", None),
                        "reply": getattr(item, "reply", None),
                        "ok": getattr(item, "ok", None),
                        "brain": getattr(item, "brain", None),
                        "errors": list(getattr(item, "errors", []) or []),
                    }
                    self._turn_done.set()
            elif kind == "error":
                text = f"{getattr(item, 'code', '?')}: {getattr(item, 'message', '')}"
                (rec.errors if rec is not None else self.errors).append(text)
            elif kind == "done":
                self._done.set()

    # -- the person -------------------------------------------------------------------------------
    async def _talk(self, start_delay_s: float, until: float) -> None:
        await asyncio.sleep(start_delay_s)
        for planned in self.plan:
            if time.monotonic() + planned.item.duration_s > until:
                break
            item = planned.item
            rec = TurnRecord(self.index, item.id, item.voice, planned.kind, item.request.text, stream_t0=self.t0)
            self._turn_done.clear()
            self._current = rec
            rec.start_t = self._enqueue(item.samples)
            rec.truth_end_t = rec.start_t + item.speech_end_s
            self.records.append(rec)
            heard_by = rec.truth_end_t + HEARD_TIMEOUT_S
            lost_by = rec.truth_end_t + TURN_TIMEOUT_S
            while not self._turn_done.is_set():
                now = time.monotonic()
                if now > lost_by or (now > heard_by and not rec.heard) or self._done.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._turn_done.wait(), 0.25)
            rec.outcome = "ok" if rec.turn is not None else ("lost" if rec.heard else "not-heard")
            # the item's own tail (2.5 s of room noise) is still being sent; then the pause
            await asyncio.sleep(max(0.0, rec.start_t + item.duration_s - time.monotonic()) + planned.pause_s)

    async def run(self, *, start_delay_s: float, duration_s: float, drain_s: float = TURN_TIMEOUT_S) -> None:
        """Connect, listen hands-free, follow the plan for ``duration_s`` (requests started
        after that are not made), wait for the last answer, end the stream and close."""
        stop = asyncio.Event()
        reader, pump = await self._listen(f"bench-device-{self.index}", stop)
        try:
            until = self.t0 + duration_s
            talk = asyncio.create_task(self._talk(start_delay_s, until), name=f"bench-talk-{self.index}")
            try:
                await asyncio.wait({talk, pump}, timeout=duration_s + drain_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                talk.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await talk
            if pump.done() and pump.exception() is not None:
                self.errors.append(f"stream broke: {pump.exception()!r}")
            stop.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
            with contextlib.suppress(Exception):
                await self.session.send_raw(json.dumps({"type": "audio-end"}))
                await asyncio.wait_for(self._done.wait(), 15.0)
        finally:
            stop.set()
            await _cancel(pump, reader)
            for rec in self.records:
                if rec.outcome == "pending":
                    rec.outcome = "ok" if rec.turn is not None else ("lost" if rec.heard else "not-heard")
            await self.session.close()

    async def idle(self, stop: asyncio.Event) -> None:
        """Connected and listening for the wake word on room noise only, until ``stop``."""
        reader, pump = await self._listen(f"bench-idle-{self.index}", stop)
        try:
            await stop.wait()
        finally:
            stop.set()
            await _cancel(pump, reader)
            await self.session.close()

    async def _listen(self, client: str, stop: asyncio.Event) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
        """Connect, start a hands-free run and stream the microphone (room noise, then whatever
        :meth:`_enqueue` adds) until ``stop``: the reader and the audio pump."""
        self.session = await connect(self.url, self.token, client=client)
        reader = asyncio.create_task(self._read(), name=f"bench-read-{self.index}")
        try:
            start = {"type": "start", "start_stage": "wake", "end_stage": "tts", "audio": {"format": "pcm_s16le"}}
            await self.session.send_raw(json.dumps(start))
        except BaseException:
            await _cancel(reader)
            await self.session.close()
            raise
        self.t0 = time.monotonic()
        pump = asyncio.create_task(self._pump(stop), name=f"bench-pump-{self.index}")
        self.connected.set()
        return reader, pump


async def _cancel(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def make_plan(
    classic: Sequence[Item],
    llm: Sequence[Item],
    *,
    turns: int,
    llm_share: float,
    rng: random.Random,
    pause_s: tuple[float, float] = (2.0, 6.0),
) -> list[PlannedTurn]:
    """``turns`` requests, each an LLM question with probability ``llm_share``, else a classic command."""
    plan = []
    for _ in range(turns):
        kind = "llm" if llm and (not classic or rng.random() < llm_share) else "classic"
        item = rng.choice(llm if kind == "llm" else classic)
        plan.append(PlannedTurn(item, kind, rng.uniform(*pause_s)))
    return plan
