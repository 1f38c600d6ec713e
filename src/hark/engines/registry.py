"""Build the engines that the settings name, loading them concurrently."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

from ..config import Settings
from ..errors import EngineLoadError
from .base import SttEngine, TtsEngine, TurnDetector, VadEngine, WakeWordEngine


@dataclasses.dataclass
class Engines:
    """What a run needs; a text-only run loads no audio engine at all."""

    stt: SttEngine | None = None
    tts: TtsEngine | None = None
    vad_factory: Callable[[], VadEngine] | None = None
    """VADs are stateful: one per audio stream."""
    wake_factory: Callable[[], WakeWordEngine] | None = None
    turn: TurnDetector | None = None
    load_seconds: dict[str, float] = dataclasses.field(default_factory=dict)

    def need_stt(self) -> tuple[SttEngine, Callable[[], VadEngine]]:
        if self.stt is None or self.vad_factory is None:
            raise EngineLoadError("this run was started without speech recognition engines")
        return self.stt, self.vad_factory


def make_stt(settings: Settings) -> SttEngine:
    from pathlib import Path

    from .models import whisper_base_model
    from .stt_whisper import WhisperStt

    s = settings.stt
    model_dir = whisper_base_model(settings.data_dir) if s.model == "base" else Path(s.model).expanduser()
    # stt.commands needs the classic brain's grammar, and stt.prompt/hotwords = "auto" the home's names:
    # the household gives them (Household.tune_stt) once it is open
    return WhisperStt.from_settings(model_dir, s)


def make_tts(settings: Settings) -> TtsEngine:
    s = settings.tts
    if s.engine == "piper":
        from .tts_piper import PiperTts

        return PiperTts(s.voice, speed=s.speed)
    if s.engine == "espeak":
        from .tts_espeak import EspeakTts

        return EspeakTts(s.voice, speed=s.speed)
    from .tts_hibari import HibariTts

    return HibariTts(s.voice, speed=s.speed)


def make_vad() -> VadEngine:
    from .vad_silero import SileroVadEngine

    return SileroVadEngine()


def make_turn(settings: Settings) -> TurnDetector | None:
    if not settings.turn.smart_turn:
        return None
    from .models import smart_turn_model
    from .turn_smart import SmartTurnDetector

    return SmartTurnDetector(smart_turn_model(settings.turn.smart_turn_model))


def make_wake_factory(settings: Settings) -> Callable[[], WakeWordEngine]:
    from .wake_micro import MicroWakeWordEngine

    words = settings.wake.words
    MicroWakeWordEngine(words)  # fail now, at load, if a model is missing
    return lambda: MicroWakeWordEngine(words)


async def load_engines(settings: Settings, *, wake: bool = True, audio_in: bool = True, tts: bool = True) -> Engines:
    """Load every engine in worker threads at once and record each load time."""
    # Import the engine modules here first: two threads importing the same module at once can
    # deadlock in the import system (seen: faster_whisper.feature_extractor). Only loading runs in threads.
    import faster_whisper.feature_extractor  # noqa: F401

    from . import stt_whisper, turn_smart, vad_silero, wake_micro  # noqa: F401

    times: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            t0 = time.perf_counter()
            try:
                return fn()
            finally:
                times[name] = time.perf_counter() - t0

        return run

    jobs: dict[str, Callable[[], object]] = {}
    if tts:
        jobs["tts"] = timed("tts", lambda: make_tts(settings))
    if audio_in:
        jobs["stt"] = timed("stt", lambda: make_stt(settings))
        jobs["turn"] = timed("turn", lambda: make_turn(settings))
        jobs["vad"] = timed("vad", make_vad)
    if wake:
        jobs["wake"] = timed("wake", lambda: make_wake_factory(settings))
    results = await asyncio.gather(*(asyncio.to_thread(fn) for fn in jobs.values()))
    built = dict(zip(jobs, results, strict=True))
    return Engines(
        stt=built.get("stt"),  # type: ignore[arg-type]
        tts=built.get("tts"),  # type: ignore[arg-type]
        vad_factory=make_vad if audio_in else None,
        wake_factory=built.get("wake"),  # type: ignore[arg-type]
        turn=built.get("turn"),  # type: ignore[arg-type]
        load_seconds=times,
    )
