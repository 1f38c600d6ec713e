"""One turn under way in a device session."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from ..brain.person import Person
from ..engines.base import WakeDetection
from ..pipeline.capture import TurnCapture
from ..pipeline.result import TurnResult
from ..pipeline.trace import TurnTrace


@dataclasses.dataclass
class Run:
    """A turn from its start (wake word, barge-in, follow-up, text) to its end: its events,
    the capture of its audio, the wake word that opened it, the task of its reply."""

    trace: TurnTrace
    run_id: str
    capture: TurnCapture | None = None
    wake: WakeDetection | None = None
    started_audio_t: float = 0.0
    task: asyncio.Task[TurnResult] | None = None
    follow_up: bool = False
    """Listening without the wake word after a reply (chat mode or a question)."""


class Journal(Protocol):
    """Where each turn is recorded (transcript, intent and slots, reply)."""

    async def __call__(
        self,
        *,
        who: Person,
        device_id: str,
        transcript: str,
        reply: str,
        brain: str,
        intent: str | None,
        slots: Mapping[str, Any],
    ) -> None: ...
