"""Announcements: a timer rings on the device until the user says "stop" (no wake word needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.voices import hibari, silence
from hark.audio import WavFileSink, array_source, read_wav
from hark.brain import BrainChain, BrainRequest, NotYetBrain
from hark.brain.classic import ClassicBrain, Understood
from hark.nlu.types import BrainCommand
from hark.session import DeviceSession, chime
from hark.skills.registry import SkillRegistry


class StopOnly:
    """Understands exactly "stop" (the real recogniser is tested elsewhere)."""

    def understand(self, text: str, request: BrainRequest) -> Understood | None:
        if "stop" in text.lower():
            return Understood("HassNevermind", {}, BrainCommand("stop"))
        return None


def test_chime_is_audible_and_short() -> None:
    c = chime()
    assert 0.5 < len(c) / 16000 < 1.0
    assert np.abs(c).max() > 8000


async def test_ringing_until_stop(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "speaker.wav"
    sink = WavFileSink(out, realtime=True)
    stops: list[str] = []
    holder: list[DeviceSession] = []

    async def stop_ringing(device_id: str) -> bool:
        stops.append(device_id)
        return await holder[0].stop(device_id)

    brain = BrainChain([ClassicBrain(StopOnly(), SkillRegistry(), stop_ringing=stop_ringing), NotYetBrain()])
    a = DeviceSession(settings, engines, brain)
    holder.append(a)
    await a.announce("local", "Your pasta timer is done.", repeat_until_stopped=True, key="timer:1")
    # 4.5 s of the timer ringing (chime + sentence, repeated), then the user says "stop", then quiet
    samples = np.concatenate([silence(4.5), hibari("Stop!"), silence(5.0)])
    results = await a.listen(array_source(samples, realtime=True), sink)
    await sink.close()

    assert len(results) == 1
    (r,) = results
    assert r.wake is None  # heard without the wake word while ringing
    assert r.transcript is not None and "stop" in r.transcript.lower()
    assert stops == ["local"]
    assert r.reply is not None and r.reply.text == "Stopped."
    assert not a.ringer.pending  # nothing rings any more
    played, _ = read_wav(out)
    # it rang (chime + sentence at least once) and then said "Stopped.", and did not ring again for 5 s
    assert len(played) / 16000 > 2.5
    assert len(played) / 16000 < 9.0
