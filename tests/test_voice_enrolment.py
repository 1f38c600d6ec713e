"""Teaching Hark a voice by speaking, then being recognised: real speech (two different
synthetic voices) through the real pipeline (VAD, Whisper, the classic brain, the speaker encoder)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from hark.audio.chunk import SAMPLE_RATE, Int16Array
from hark.audio.convert import resample
from hark.config import Settings
from hark.engines.tts_hibari import HibariTts
from hark.engines.tts_piper import PiperTts
from hark.household import Household
from hark.household.enrolment import SENTENCES
from hark.session import DeviceSession, TurnResult

pytestmark = pytest.mark.slow


def steady_piper() -> PiperTts:
    """Piper without its sampling noise: the same words give the same audio on every run."""
    from piper import SynthesisConfig

    tts = PiperTts()
    tts._config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    return tts


def speech(tts: PiperTts | HibariTts, text: str) -> Int16Array:
    samples = tts.synthesize(text).astype(np.float32) / 32768.0
    pcm = resample(samples, tts.capabilities.sample_rate, SAMPLE_RATE)
    quiet = np.zeros(int(0.4 * SAMPLE_RATE), np.float32)
    return np.clip(np.concatenate([quiet, pcm, quiet, quiet]) * 32768.0, -32768, 32767).astype(np.int16)


@pytest.fixture
async def home(settings: Settings, engines, tmp_path: Path) -> AsyncIterator[tuple[Household, DeviceSession]]:  # type: ignore[no-untyped-def]
    s = dataclasses.replace(settings, data_dir=tmp_path).replace(llm={"backend": "off"})
    household = await Household.open(s)
    registry = household.paired_devices
    paired = await registry.pair((await registry.start_pairing(name="hall")).code)
    session = DeviceSession(
        s,
        engines,
        household.brain(),
        device_id=paired.device_id,
        identify=household.identifier("default", paired.device_id),
        journal=household.log_turn,
    )
    try:
        yield household, session
    finally:
        await household.close()


def said(result: TurnResult) -> str:
    assert result.reply is not None, result.trace
    return result.reply.text


async def test_a_member_teaches_hark_their_voice_by_speaking_and_is_then_recognised(home) -> None:  # type: ignore[no-untyped-def]
    household, session = home
    people = household.people
    tom = await people.add_member("default", "Tom")
    ana = await people.add_member("default", "Ana")
    await people.set_device("default", session.device_id, member="Tom")  # the hall speaker is Tom's
    piper, hibari = steady_piper(), HibariTts()

    # Ana's voice, enrolled from recordings (as the admin page does)
    await household.voices.enrol("default", ana.id, [speech(hibari, s) for s in SENTENCES])

    # Tom teaches his by speaking: "learn my voice", then each sentence Hark asks for
    first = await session.ask_audio(speech(piper, "Please learn my voice."), None)
    assert said(first).startswith("Okay Tom, I'll learn your voice") and said(first).endswith("?"), [e for e in first.trace.events if type(e).__name__ in ("SttEnd", "SttPartial", "VadEnd", "TurnEnd")]
    for i, sentence in enumerate(SENTENCES):
        r = await session.ask_audio(speech(piper, sentence), None)
        if i + 1 < len(SENTENCES):
            assert said(r) == f"Thanks. Next, could you say: {SENTENCES[i + 1]}?"
    assert said(r) == "Thank you, Tom. I'll know your voice from now on."
    profiles = await household.voices.profiles("default")
    assert sorted(profiles) == sorted([tom.id, ana.id]) and profiles[tom.id].utterances == len(SENTENCES)

    # who is speaking now: each voice its own member, on the same device
    tom_asks = await session.ask_audio(speech(piper, "Can you tell me who is speaking right now?"), None)
    assert said(tom_asks) == "You sound like Tom.", [e for e in tom_asks.trace.events if type(e).__name__ in ("SttEnd", "SttPartial")]
    ana_asks = await session.ask_audio(speech(hibari, "Can you tell me who is speaking right now?"), None)
    assert said(ana_asks) == "You sound like Ana."
    assert session.who.member_id == ana.id and session.who.identified_by == "voice"

    # the journal says who spoke each turn
    from hark.household.journal import transcripts

    latest = await transcripts(household.db, "default", limit=2)
    assert [t.member_id for t in latest] == [ana.id, tom.id]


async def test_stop_ends_an_enrolment_with_nothing_kept(home) -> None:  # type: ignore[no-untyped-def]
    household, session = home
    await household.people.add_member("default", "Tom")
    await household.people.set_device("default", session.device_id, member="Tom")
    piper = steady_piper()
    await session.ask_audio(speech(piper, "Please learn my voice."), None)
    await session.ask_audio(speech(piper, SENTENCES[0]), None)
    r = await session.ask_audio(speech(piper, "Stop learning."), None)
    assert said(r) == "Okay, I've stopped learning your voice; nothing was kept."
    assert await household.voices.profiles("default") == {}
    r = await session.ask_text("learn the voice of Zed", None)
    assert said(r).startswith("I don't know anyone called Zed")
