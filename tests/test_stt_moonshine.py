"""Moonshine base: its preparation from the wheel, its transcripts of real speech, and its place in
front of Whisper's closed-vocabulary passes (``stt.engine = "moonshine"``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bench.asr.textnorm import word_errors
from hark.config import SttSettings, load_settings
from hark.engines import moonshine_model, stt_moonshine
from hark.engines.stt_moonshine import MoonshineStt, modern_spelling, read_tokenizer, trim_silence
from hark.errors import ConfigError, EngineLoadError
from tests.test_stt_grammar import _bench_audio
from tests.test_stt_phrase import AREAS, ENTITIES, Brain

# -- the tokenizer file ---------------------------------------------------------------------------------


def test_the_tokenizer_file_is_read_as_length_prefixed_tokens(tmp_path: Path) -> None:
    long = "\u2581" + "x" * 200  # 203 bytes: a two-byte length
    body = [b"<unk>", b"<s>", b"</s>", "\u2581Turn".encode(), long.encode(), b"ed"]
    data = b""
    for token in body:
        n = len(token)
        data += (bytes([n]) if n < 128 else bytes([(n & 127) | 128, n >> 7])) + token
    (tmp_path / "tokenizer.bin").write_bytes(data)
    assert read_tokenizer(tmp_path / "tokenizer.bin") == body

    (tmp_path / "cut.bin").write_bytes(data[:-1])
    with pytest.raises(EngineLoadError, match="runs past the end"):
        read_tokenizer(tmp_path / "cut.bin")


# -- preparation ----------------------------------------------------------------------------------------


def test_the_prepared_model_is_stamped_and_reused(moonshine_dir: Path) -> None:
    stamp = json.loads((moonshine_dir / "prepared.json").read_text())
    assert stamp["recipe"] == moonshine_model.RECIPE
    assert set(stamp["sources"]) == {"encoder", "decoder", "tokenizer"}
    before = {f.name: f.stat().st_mtime_ns for f in moonshine_dir.iterdir()}
    assert moonshine_model.moonshine_base_model(moonshine_dir.parent.parent) == moonshine_dir
    assert {f.name: f.stat().st_mtime_ns for f in moonshine_dir.iterdir()} == before  # not prepared again


def _fake_prepare(calls: list[Path], fail: bool = False):  # type: ignore[no-untyped-def]
    def prepare(sources: dict[str, Path], out: Path) -> None:
        calls.append(out)
        for name in (moonshine_model.ENCODER, moonshine_model.DECODER, moonshine_model.TOKENIZER):
            (out / name).write_bytes(b"x")
        if fail:
            raise EngineLoadError("the disk filled up")

    return prepare


def test_a_changed_recipe_prepares_again_and_a_failed_preparation_keeps_the_old_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(moonshine_model, "prepare", _fake_prepare(calls))
    target = moonshine_model.moonshine_base_model(tmp_path)
    assert len(calls) == 1 and (target / moonshine_model.DECODER).read_bytes() == b"x"
    moonshine_model.moonshine_base_model(tmp_path)
    assert len(calls) == 1

    monkeypatch.setattr(moonshine_model, "RECIPE", moonshine_model.RECIPE + 1)
    monkeypatch.setattr(moonshine_model, "prepare", _fake_prepare(calls, fail=True))
    with pytest.raises(EngineLoadError, match="disk filled up"):
        moonshine_model.moonshine_base_model(tmp_path)
    assert len(calls) == 2
    assert (target / moonshine_model.DECODER).read_bytes() == b"x"  # the old one is still there
    assert sorted(p.name for p in target.parent.iterdir()) == ["moonshine-base-en"]  # no half-built folder

    monkeypatch.setattr(moonshine_model, "prepare", _fake_prepare(calls))
    moonshine_model.moonshine_base_model(tmp_path)
    assert len(calls) == 3
    assert json.loads((target / "prepared.json").read_text())["recipe"] == moonshine_model.RECIPE


def test_a_missing_wheel_says_how_to_install_it_or_use_whisper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moonshine_model, "DIST", "moonshine-cpp-not-installed")
    with pytest.raises(EngineLoadError, match=re.escape('stt.engine = "whisper"')):
        moonshine_model.moonshine_base_model(Path("/nonexistent"))


def test_auto_picks_moonshine_for_english_and_moonshine_hears_english_only() -> None:
    assert SttSettings().engine == "auto" and SttSettings().transcriber == "moonshine"  # the default
    assert SttSettings(engine="auto").transcriber == "moonshine"
    french = SttSettings(engine="auto", language="fr")
    french.validate()
    assert french.transcriber == "whisper"
    SttSettings(engine="whisper", language="fr").validate()
    with pytest.raises(ConfigError, match=re.escape('stt.engine = "whisper"')):
        SttSettings(engine="moonshine", language="fr").validate()
    with pytest.raises(ConfigError, match=r"stt\.engine"):
        SttSettings(engine="vosk").validate()


# -- real speech ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moonshine(moonshine_dir: Path) -> MoonshineStt:
    return MoonshineStt(moonshine_dir)


@pytest.mark.parametrize(
    ("voice", "said", "heard"),
    [
        ("espeak-us", "Set a timer for five minutes.", "set a timer for five minutes"),
        ("espeak-us", "Open the garage door.", "open the garage door"),
        ("espeak-us", "How cold is it outside?", "how cold is it outside"),
    ],
)
def test_moonshine_transcribes_speech(moonshine: MoonshineStt, voice: str, said: str, heard: str) -> None:
    text = moonshine.transcribe(_bench_audio(voice, said))
    assert text.lower().strip(".?! ") == heard


def test_old_spellings_are_modernised_and_only_those() -> None:
    assert (
        modern_spelling("What is the date to-day? To-morrow, to-night.") == "What is the date today? Tomorrow, tonight."
    )
    assert modern_spelling("Good-bye. good-bye") == "Goodbye. goodbye"
    assert modern_spelling("Go to-do list, auto-day, good-day, to-bye") == "Go to-do list, auto-day, good-day, to-bye"


def test_silence_around_the_words_is_trimmed_and_noise_is_kept() -> None:
    rate = 16000
    words = np.sin(np.arange(rate) / 5).astype(np.float32) * 0.3
    quiet = np.zeros(2 * rate, np.float32)
    trimmed = trim_silence(np.concatenate([quiet, words, quiet]))
    assert len(trimmed) == rate + 2 * int(stt_moonshine.MARGIN_S * rate)
    noise = np.random.default_rng(1).normal(0, 0.03, 3 * rate).astype(np.float32)  # louder than the floor
    assert len(trim_silence(noise)) == len(noise)
    assert len(trim_silence(np.zeros(rate, np.float32))) == 0


def test_a_decode_that_runs_out_of_budget_gives_no_transcript_and_whisper_writes_it(
    moonshine: MoonshineStt, whisper_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hark.engines.stt_whisper import WhisperStt

    audio = _bench_audio("espeak-us", "Set a timer for five minutes.")
    monkeypatch.setattr(stt_moonshine, "TOKENS_PER_SECOND", 0.0)  # a budget of 4 tokens: it cannot finish
    assert moonshine.token_ids(audio) is None and moonshine.transcribe(audio) == ""
    brain = Brain()
    stt = WhisperStt.from_settings(whisper_dir, SttSettings(), is_command=brain.is_command, transcriber=moonshine)
    assert "timer" in stt.transcribe(audio).lower()  # Whisper's own transcript


def test_silence_and_nothing_give_no_words(moonshine: MoonshineStt) -> None:
    assert moonshine.transcribe(np.zeros(0, np.float32)) == ""
    assert moonshine.transcribe(np.zeros(1600, np.float32)) == ""  # shorter than the encoder needs: padded


# -- in front of Whisper's grammar pass ----------------------------------------------------------------


class Scripted:
    """A transcriber that says what it is told, and counts its calls."""

    name = "scripted"

    def __init__(self, text: str) -> None:
        self.text, self.calls = text, 0

    def transcribe(self, audio: np.ndarray) -> str:
        self.calls += 1
        return self.text


def test_whisper_repairs_the_transcribers_misheard_command_from_the_same_audio(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    brain = Brain()
    said = "What's the weather tomorrow?"
    audio = _bench_audio("espeak-us", said, 10.0, "espeak-us/command18/10dB")
    misheard = Scripted("What's the Wander tomorrow?")
    stt = WhisperStt.from_settings(
        whisper_dir,
        SttSettings(second_opinion=False),  # the grammar pass alone (the second opinion: below)
        areas=AREAS,
        devices=[n for n, _, _ in ENTITIES],
        is_command=brain.is_command,
        transcriber=misheard,
    )
    assert stt.name == "scripted"
    assert stt.transcribe(audio) == said
    assert misheard.calls == 1
    assert stt.last_grammar is not None and stt.last_grammar.replaced

    # a transcript that is a command already goes out as it is: Whisper does not run at all
    def no_whisper(audio: np.ndarray) -> tuple[object, int]:
        raise AssertionError("Whisper's encoder ran on a command")

    stt._mel = no_whisper  # type: ignore[method-assign]
    stt.transcriber = Scripted("Turn on the kitchen light.")
    assert stt.transcribe(audio) == "Turn on the kitchen light."
    assert stt.last_grammar is None


def test_the_engines_load_moonshine_in_front_of_whisper_when_asked(data_dir: Path, moonshine_dir: Path) -> None:
    from hark.engines.registry import make_stt
    from hark.engines.stt_whisper import WhisperStt

    settings = load_settings(env={"HARK_DATA_DIR": str(data_dir), "HARK_STT__ENGINE": "auto"}, user_config=False)
    stt = make_stt(settings)
    assert isinstance(stt, WhisperStt) and isinstance(stt.transcriber, MoonshineStt)
    assert stt.name == "moonshine"
    assert stt.transcriber.model_dir == moonshine_dir
    whisper = make_stt(
        load_settings(env={"HARK_DATA_DIR": str(data_dir), "HARK_STT__ENGINE": "whisper"}, user_config=False)
    )
    assert isinstance(whisper, WhisperStt) and whisper.transcriber is None and whisper.name == "whisper"


@pytest.mark.parametrize(
    ("said", "misheard"),
    [
        ("Why is the sky blue?", "Why is this guy here?"),
        ("What's the weather tomorrow?", "What's the wonder to borrow?"),
    ],
)
def test_whispers_second_opinion_replaces_a_transcript_the_audio_does_not_support(
    whisper_dir: Path, said: str, misheard: str
) -> None:
    """The transcriber misheard (an open question, and a command): Whisper's own transcript of the
    same audio scores far higher on it and is taken; then the grammar pass repairs what is left of
    a command (Whisper heard "What's the winner tomorrow?")."""
    from hark.engines.stt_whisper import WhisperStt

    brain = Brain()
    audio = _bench_audio("espeak-us", said)
    scripted = Scripted(misheard)
    stt = WhisperStt.from_settings(
        whisper_dir,
        SttSettings(second_opinion=True),
        areas=AREAS,
        devices=[n for n, _, _ in ENTITIES],
        is_command=brain.is_command,
        transcriber=scripted,
    )
    heard = stt.transcribe(audio)
    opinion = stt.last_opinion
    assert opinion is not None and opinion.replaced and opinion.best is not None
    assert opinion.score - opinion.transcript_score > 3.0
    assert word_errors(said, opinion.best)[0] < word_errors(said, misheard)[0], opinion.best
    assert scripted.calls == 1
    if brain.is_command(said):
        assert heard == said
    else:
        assert heard == opinion.best

    # off: the misheard transcript stays (the grammar pass may still repair a command)
    stt._second_opinion = None
    kept = stt.transcribe(audio)
    assert stt.last_opinion is None
    assert kept == misheard or brain.is_command(kept)


def test_a_transcript_the_audio_supports_is_kept_over_whispers_own(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    said = "Why is the sky blue?"
    audio = _bench_audio("espeak-us", said)
    stt = WhisperStt.from_settings(
        whisper_dir, SttSettings(second_opinion=True), is_command=Brain().is_command, transcriber=Scripted(said)
    )
    assert stt.transcribe(audio) == said
    opinion = stt.last_opinion
    assert opinion is not None and not opinion.replaced
    # Whisper finds the transcript likely enough (above stt.second_opinion_below): it writes none of its own
    assert opinion.best is None, opinion
    stt._second_opinion_below = 0.0  # always: it writes its own, and the transcriber's still stands
    assert stt.transcribe(audio) == said
    opinion = stt.last_opinion
    assert opinion is not None and opinion.best is not None and not opinion.replaced


def test_the_second_opinion_is_on_by_default_and_its_margin_is_checked() -> None:
    assert SttSettings().second_opinion and SttSettings().second_opinion_margin == 3.0
    assert SttSettings().second_opinion_below == -0.5
    with pytest.raises(ConfigError, match="second_opinion_margin"):
        SttSettings(second_opinion_margin=-1.0).validate()
    with pytest.raises(ConfigError, match="second_opinion_below"):
        SttSettings(second_opinion_below=0.5).validate()


def test_auto_falls_back_to_whisper_where_moonshine_does_not_install(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The moonshine-cpp wheel exists for x86-64 Linux only: ``auto`` (the default) then hears with
    Whisper alone and says why; ``moonshine``, asked for by name, fails to load."""
    from hark.engines.registry import make_stt
    from hark.engines.stt_whisper import WhisperStt

    monkeypatch.setattr(moonshine_model, "DIST", "moonshine-cpp-not-installed")
    env = {"HARK_DATA_DIR": str(data_dir), "HARK_STT__ENGINE": "auto"}
    with caplog.at_level("WARNING", logger="hark.engines.registry"):
        stt = make_stt(load_settings(env=env, user_config=False))
    assert isinstance(stt, WhisperStt) and stt.transcriber is None and stt.name == "whisper"
    assert "Moonshine unavailable" in caplog.text
    with pytest.raises(EngineLoadError, match=re.escape('stt.engine = "whisper"')):
        make_stt(load_settings(env={**env, "HARK_STT__ENGINE": "moonshine"}, user_config=False))


def test_the_doctor_says_auto_hears_with_whisper_where_moonshine_is_not_installed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hark.doctor import checks

    def stt_check(engine: str) -> str:
        settings = load_settings(env={"HARK_DATA_DIR": str(data_dir), "HARK_STT__ENGINE": engine}, user_config=False)
        return dict(checks(settings))["stt.model"]()

    assert stt_check("auto").startswith("moonshine base: ")
    monkeypatch.setattr(moonshine_model, "DIST", "moonshine-cpp-not-installed")
    assert stt_check("auto").startswith(
        "moonshine not installed (stt.engine = auto: Whisper hears alone); whisper base: "
    )
    with pytest.raises(EngineLoadError, match="moonshine-cpp-not-installed is not installed"):
        stt_check("moonshine")
