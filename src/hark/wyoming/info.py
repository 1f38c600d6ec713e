"""``describe`` -> ``info``: what this Hark serves, truthfully (only engines that are loaded)."""

from __future__ import annotations

from pathlib import Path

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
    WakeModel,
    WakeProgram,
)

from .. import __version__
from ..config import Settings
from ..engines.registry import Engines

ATTRIBUTION = Attribution(name="Hark", url="")
HANDLE_NAME = "hark"
"""The conversation agent's name, as Home Assistant shows it."""


def wake_word_ids(settings: Settings) -> tuple[str, ...]:
    """The configured wake words by model id (a ``.json`` model by its file stem)."""
    return tuple(Path(w).stem if w.endswith(".json") else w for w in settings.wake.words)


def describe(settings: Settings, engines: Engines, *, home_control: bool) -> Info:
    """The ``info`` for ``describe``. ``home_control``: a smart home of Hark's own is connected."""
    language = settings.classic.language
    common = {"attribution": ATTRIBUTION, "installed": True, "version": __version__}
    info = Info(
        handle=[
            HandleProgram(
                name=HANDLE_NAME,
                description="Hark's household brain (local intents, then the language model if one is set)",
                models=[HandleModel(name="hark-brain", description=None, languages=[language], **common)],  # type: ignore[arg-type]
                supports_handled_streaming=True,
                supports_home_control=home_control,
                **common,  # type: ignore[arg-type]
            )
        ]
    )
    if engines.stt is not None and engines.vad_factory is not None:
        stt = engines.stt
        info.asr.append(
            AsrProgram(
                name="hark-stt",
                description=f"Hark speech recognition ({stt.name})",
                models=[
                    AsrModel(
                        name=stt.name,
                        description=f"{stt.name} {settings.stt.model}",
                        languages=[settings.stt.language],
                        **common,  # type: ignore[arg-type]
                    )
                ],
                supports_transcript_streaming=True,
                **common,  # type: ignore[arg-type]
            )
        )
    if engines.tts is not None:
        tts = engines.tts
        info.tts.append(
            TtsProgram(
                name="hark-tts",
                description=f"Hark speech synthesis ({tts.name})",
                voices=[
                    TtsVoice(
                        name=tts.voice or tts.name,
                        description=f"{tts.name} {tts.voice}".strip(),
                        languages=list(tts.capabilities.languages) or [language],
                        **common,  # type: ignore[arg-type]
                    )
                ],
                supports_synthesize_streaming=True,
                **common,  # type: ignore[arg-type]
            )
        )
    if engines.wake_factory is not None:
        phrases = engines.wake_factory().phrases
        info.wake.append(
            WakeProgram(
                name="hark-wake",
                description="Hark wake words (microWakeWord)",
                models=[
                    WakeModel(name=name, description=phrase, phrase=phrase, languages=["en"], **common)  # type: ignore[arg-type]
                    for name, phrase in zip(wake_word_ids(settings), phrases, strict=False)
                ],
                **common,  # type: ignore[arg-type]
            )
        )
    return info
