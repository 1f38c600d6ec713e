"""The phrase pass (``hark.engines.stt_phrase`` and its Whisper scoring in ``stt_whisper``):
command sentences that sound like a misheard transcript, and the acoustic choice among them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from hark.config import SttSettings
from hark.engines.stt_phrase import PhraseFinder, PhraseGrammar, sound_key, words
from hark.errors import ConfigError
from hark.nlu import BrainCommand, IntentRecognizer, ToolCall, first_tool_call

AREAS = ("kitchen", "living room", "bedroom", "hallway", "garage")
ENTITIES = (
    ("kitchen ceiling light", "kitchen", "light"),
    ("living room lamp", "living room", "light"),
    ("bedroom light", "bedroom", "light"),
    ("garage door", "garage", "cover"),
)
NOW = dt.datetime(2025, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))


class Brain:
    """The classic brain's reading, as Hark gives it to the recogniser: what would it act on?"""

    def __init__(self) -> None:
        self.recognizer = IntentRecognizer("en", entities=ENTITIES, areas=AREAS)
        self.read: list[str] = []

    def skill(self, text: str) -> str | None:
        result = first_tool_call(self.recognizer.candidates(text), NOW)
        if isinstance(result, ToolCall):
            return result.tool
        if isinstance(result, BrainCommand):
            return f"brain:{result.command}"
        return None

    def is_command(self, text: str) -> bool:
        self.read.append(text)
        return self.skill(text) is not None


@pytest.fixture(scope="module")
def brain() -> Brain:
    return Brain()


@pytest.fixture(scope="module")
def grammar() -> PhraseGrammar:
    return PhraseGrammar.load("en", AREAS, [name for name, _, _ in ENTITIES])


# -- text: candidates ---------------------------------------------------------------------------------


def test_sound_alikes_share_a_key() -> None:
    assert sound_key("boss") == sound_key("pause")
    assert sound_key("said") == sound_key("set")
    assert sound_key("at") == sound_key("add")
    assert sound_key("timer") != sound_key("time")
    assert words("Wait me up at 6:30, OK?") == ["wait", "me", "up", "at", "6:30", "ok"]


def test_grammar_knows_the_templates_words_and_the_homes_names(grammar: PhraseGrammar) -> None:
    assert {"timer", "pause", "shopping", "lamp", "hallway"} <= grammar.vocabulary
    assert ("pause", "the") in grammar.pairs and ("the", "timer") in grammar.pairs
    assert grammar.fit(words("turn on the kitchen lights"))[1] == 0
    assert grammar.fit(words("why is the sky blue today my friend"))[1] > 1


def test_pair_fits_are_remembered_and_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from hark.engines import stt_phrase

    small = PhraseGrammar(frozenset({"turn", "on", "lamp"}), frozenset({("turn", "on"), ("on", "the")}))
    asked = [("turn", "on"), ("on", "lamp"), ("lamp", "zebra"), ("zebra", "quokka"), ("on", "7")]
    first = [small.fits(a, b) for a, b in asked]
    assert first == [1.0, 0.0, 0.0, 0.5, 0.0]  # a template pair; none; none; two free words; a number after "on"
    assert [small.fits(a, b) for a, b in asked] == first  # the same answers from memory
    monkeypatch.setattr(stt_phrase, "_FITS_KEPT", 3)
    for i in range(10):
        small.fits("turn", f"word{i}")
    assert len(small._fits) <= 4
    assert small.fits("turn", "on") == 1.0


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("Boss the timer.", "pause the timer"),
        ("Turn on the pitch and lights.", "turn on the kitchen lights"),
        ("at coffee to my shopping list.", "add coffee to my shopping list"),
        ("said the kitchen lights to 50 percent.", "set the kitchen lights to 50 percent"),
        ("Turn on the living room, Liam.", "turn on the living room lamp"),
        ("What's the matter?", "what's the weather"),
    ],
)
def test_a_misheard_command_is_among_the_candidates(
    grammar: PhraseGrammar, brain: Brain, heard: str, meant: str
) -> None:
    finder = PhraseFinder(grammar, brain.is_command)
    assert not brain.is_command(heard)
    found = finder.commands(heard)
    assert meant in found, found
    assert all(brain.is_command(c) for c in found)


@pytest.mark.parametrize(
    "question",
    [
        "Why is the sky blue?",
        "Tell me a story about dragons.",
        "Who wrote the Lord of the Rings?",
        "What is the capital of Australia?",
        "How do I make a good risotto?",
        "Thank you for watching.",
    ],
)
def test_open_speech_gets_no_command_candidate(grammar: PhraseGrammar, brain: Brain, question: str) -> None:
    finder = PhraseFinder(grammar, brain.is_command)
    assert finder.commands(question) == []


def test_the_brain_reads_only_a_bounded_number_of_candidates(grammar: PhraseGrammar) -> None:
    read: list[str] = []

    def never(text: str) -> bool:
        read.append(text)
        return False

    finder = PhraseFinder(grammar, never, max_checks=5)
    assert finder.commands("Turned on the pigeon lights.") == []
    assert 0 < len(read) <= 5


# -- the choice ---------------------------------------------------------------------------------------


def test_a_command_scored_within_the_margin_replaces_the_transcript(grammar: PhraseGrammar) -> None:
    finder = PhraseFinder(grammar, lambda t: True, margin=2.0)
    choice = finder.choose("Boss the timer.", -6.0, [("Pause the timer.", -7.5), ("Stop the timer.", -12.0)])
    assert choice.replaced and choice.text == "Pause the timer." and finder.replaced == 1


def test_the_best_scored_command_wins_not_the_first(grammar: PhraseGrammar) -> None:
    finder = PhraseFinder(grammar, lambda t: True, margin=2.0)
    choice = finder.choose("Boss the timer.", -6.0, [("Stop the timer.", -7.9), ("Pause the timer.", -5.0)])
    assert choice.text == "Pause the timer." and choice.score == -5.0


def test_a_command_the_audio_does_not_support_is_not_taken(grammar: PhraseGrammar) -> None:
    finder = PhraseFinder(grammar, lambda t: True, margin=2.0)
    choice = finder.choose("Why is the sky blue?", -4.0, [("Turn on the sky light.", -6.5)])
    assert not choice.replaced and choice.text == "Why is the sky blue?"
    assert choice.best == "Turn on the sky light." and finder.replaced == 0
    assert finder.choose("Hm.", -1.0, []).text == "Hm."


def test_margin_must_not_be_negative(grammar: PhraseGrammar) -> None:
    with pytest.raises(ValueError, match="margin"):
        PhraseFinder(grammar, lambda t: True, margin=-0.5)


def test_phrase_settings_default_off_and_are_validated() -> None:
    assert SttSettings().phrases is False  # the grammar pass replaced it (tests/test_stt_grammar.py)
    with pytest.raises(ConfigError, match="phrases_margin"):
        SttSettings(phrases=True, phrases_margin=-1.0).validate()


# -- through Whisper ----------------------------------------------------------------------------------


def _noisy(text: str, voice: str, snr_db: float, seed: int) -> np.ndarray:
    from bench.voices import add_noise, espeak, pink_noise
    from hark.audio import to_float

    speech = np.concatenate([np.zeros(8000, np.int16), espeak(text, voice), np.zeros(4800, np.int16)])
    return to_float(add_noise(speech, snr_db, pink_noise(len(speech), seed=seed)))


def test_whisper_scores_the_words_said_above_a_sound_alike(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt(whisper_dir)
    audio = _noisy("Pause the timer.", "en-us", 30.0, seed=1)
    encoded = stt.encode(audio)
    said, other, far = stt.score(encoded, ["Pause the timer.", "Boss the timer.", "What's the weather?"], len(audio))
    assert said > other > far


def _bench_audio(voice: str, text: str, snr_db: float | None = None, key: str = "") -> np.ndarray:
    """The sentence as bench/asr_voices.py lays it out (0.5 s before, 0.3 s after), with pink
    noise at ``snr_db`` (none: clean) seeded by ``key`` (the bench's item id)."""
    from bench.asr.voices import speak
    from bench.asr_voices import layout
    from hark.audio import to_float

    return to_float(layout(speak(voice, text), key or f"{voice}/{text}", snr_db))


@pytest.mark.parametrize(
    ("said", "snr_db", "key"),
    [
        ("Turn off the lights in the bedroom.", None, ""),  # Whisper alone: "... in the mad room."
        ("What's the weather tomorrow?", 10.0, "espeak-us/command18/10dB"),  # alone: "What's the Wander tomorrow?"
    ],
)
def test_the_phrase_pass_turns_a_misheard_command_into_the_command_said(
    whisper_dir: Path, brain: Brain, said: str, snr_db: float | None, key: str
) -> None:
    from hark.engines.stt_whisper import WhisperStt

    audio = _bench_audio("espeak-us", said, snr_db, key)
    off = WhisperStt(whisper_dir).transcribe(audio)
    assert not brain.is_command(off), off  # Whisper alone misses it

    settings = SttSettings(phrases=True)
    stt = WhisperStt.from_settings(
        whisper_dir, settings, areas=AREAS, devices=[n for n, _, _ in ENTITIES], is_command=brain.is_command
    )
    assert stt.phrases is not None and stt.phrases.margin == settings.phrases_margin
    heard = stt.transcribe(audio)
    assert heard == said
    assert brain.skill(heard) == brain.skill(said) is not None
    assert stt.last_phrase is not None and stt.last_phrase.replaced

    question = stt.transcribe(_bench_audio("espeak-us", "Why is the sky blue?"))
    assert "sky" in question.lower() and not brain.is_command(question)
    assert stt.last_phrase is None or not stt.last_phrase.replaced
    stt.set_command_filter(None)
    assert stt.phrases is None


def test_the_grammar_is_built_once_for_every_session_that_gives_it_again(
    whisper_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every new device session hands the recogniser the household's grammar again: the ~0.4 s
    build happens once (not on the event loop of each connection), and again only when the home's
    names change or the grammar does."""
    from hark.engines import stt_whisper
    from hark.engines.stt_whisper import WhisperStt

    built: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    real_load = PhraseGrammar.load

    def counting_load(language: str, areas: tuple[str, ...], devices: tuple[str, ...]) -> PhraseGrammar:
        built.append((tuple(areas), tuple(devices)))
        return real_load(language, areas, devices)

    monkeypatch.setattr(stt_whisper.PhraseGrammar, "load", staticmethod(counting_load))
    stt = WhisperStt.from_settings(whisper_dir, SttSettings())

    class Home:
        def reads_as_command(self, text: str) -> bool:
            return "timer" in text

    home = Home()
    for _ in range(3):
        stt.set_vocabulary(["Kitchen"], ["Lamp"])
        stt.set_command_filter(home.reads_as_command)  # a new bound method each time, equal to the last
    assert built == [(("Kitchen",), ("Lamp",))]
    stt.set_vocabulary(["Kitchen", "Attic"], ["Lamp"])
    assert len(built) == 2 and built[-1] == (("Kitchen", "Attic"), ("Lamp",))
    stt.set_command_filter(lambda text: False)  # another grammar
    assert len(built) == 3
    stt.set_command_filter(None)
    assert stt.phrases is None
