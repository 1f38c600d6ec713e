"""Build the engines that the settings name, loading them concurrently.

Each shared engine (speech recognition, synthesis, Smart Turn) gets its own bounded
:class:`~hark.engines.executor.EngineExecutor`, attached as its ``executor``
attribute: it is loaded on it and every call site runs its inference there through
:func:`~hark.engines.executor.infer`. :meth:`Engines.close` stops them. The wake word
and VAD engines are per-stream state, built by factories and run inline (a few
hundred microseconds per audio window); each factory loads its model once and gives
every stream only its own state over it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

from ..config import Settings
from ..errors import EngineLoadError
from .base import SttEngine, TtsEngine, TurnDetector, VadEngine, WakeWordEngine
from .executor import EngineExecutor, ExecutorStats, workers_for


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
    executors: dict[str, EngineExecutor] = dataclasses.field(default_factory=dict)
    """The bounded executor of each shared engine, by role (``stt``, ``tts``, ``turn``)."""

    def stats(self) -> dict[str, ExecutorStats]:
        return {role: ex.stats() for role, ex in self.executors.items()}

    def close(self, *, wait: bool = True) -> None:
        """Stop the engines' executors: queued calls are dropped, running ones finish (``wait``:
        this returns once they have). Calls made after this raise ``HarkError`` ``engine-closed``."""
        for executor in self.executors.values():
            executor.shutdown(wait=wait)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop while a running call finishes."""
        await asyncio.to_thread(self.close)

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
    transcriber = None
    if s.transcriber == "moonshine":  # Moonshine writes the transcript; Whisper runs the closed-vocabulary passes
        from .moonshine_model import moonshine_base_model
        from .stt_moonshine import MoonshineStt

        try:
            transcriber = MoonshineStt(moonshine_base_model(settings.data_dir))  # one thread: see its module
        except EngineLoadError as exc:
            if s.engine != "auto":
                raise
            # auto: where the moonshine-cpp wheel does not install (not x86-64 Linux), Whisper hears alone
            logging.getLogger(__name__).warning(
                "stt.engine = auto: Moonshine unavailable (%s); Whisper writes the transcript", exc
            )
    # stt.commands needs the classic brain's grammar, and stt.prompt/hotwords = "auto" the home's names:
    # the household gives them (Household.tune_stt) once it is open
    return WhisperStt.from_settings(model_dir, s, transcriber=transcriber)


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


def make_vad_factory() -> Callable[[], VadEngine]:
    """Load the VAD model once; each call of the factory gives a stream its own state over it."""
    from .vad_silero import SileroVadModel

    return SileroVadModel().stream


def make_vad() -> VadEngine:
    """One VAD with a model of its own (a tool or test that needs a single stream)."""
    return make_vad_factory()()


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
    executors: dict[str, EngineExecutor] = {}
    if tts:
        jobs["tts"] = timed("tts", lambda: make_tts(settings))
        # Piper's onnxruntime session uses every core per call; hibari and espeak one
        executors["tts"] = EngineExecutor("tts", 1 if settings.tts.engine == "piper" else workers_for(1))
    if audio_in:
        jobs["stt"] = timed("stt", lambda: make_stt(settings))
        jobs["turn"] = timed("turn", lambda: make_turn(settings))
        jobs["vad"] = timed("vad", make_vad_factory)
        executors["stt"] = EngineExecutor("stt", workers_for(settings.stt.threads))
        executors["turn"] = EngineExecutor("turn", workers_for(1))
    if wake:
        jobs["wake"] = timed("wake", lambda: make_wake_factory(settings))
    # each engine loads on its own executor (the factories on a plain thread), all at once
    try:
        results = await asyncio.gather(
            *(executors[role].run(fn) if role in executors else asyncio.to_thread(fn) for role, fn in jobs.items())
        )
    except BaseException:
        for executor in executors.values():
            executor.shutdown(wait=False)
        raise
    built = dict(zip(jobs, results, strict=True))
    for role, executor in list(executors.items()):
        if built.get(role) is None:  # Smart Turn off
            executor.shutdown(wait=False)
            del executors[role]
        else:
            built[role].executor = executor  # type: ignore[attr-defined]
    return Engines(
        stt=built.get("stt"),  # type: ignore[arg-type]
        tts=built.get("tts"),  # type: ignore[arg-type]
        vad_factory=built.get("vad"),  # type: ignore[arg-type]
        wake_factory=built.get("wake"),  # type: ignore[arg-type]
        turn=built.get("turn"),  # type: ignore[arg-type]
        load_seconds=times,
        executors=executors,
    )
