"""Decoding constrained to the command grammar (``hark.engines.stt_grammar`` and its Whisper wiring)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from hark.config import SttSettings
from hark.engines.stt_grammar import GrammarDecoder, GrammarTokens, covering_words, covers
from hark.engines.stt_phrase import EDGE, SLOT, PhraseGrammar
from hark.errors import ConfigError
from tests.test_stt_phrase import AREAS, ENTITIES, Brain

# -- a tiny grammar over a tiny token vocabulary -----------------------------------------------------

TEXTS = [" turn", " Turn", " on", " off", " the", " kitchen", " light", "s", " pitch", " add", " co", "ffee"]
TEXTS += [" to", " list", " 5", ".", "?", " why", " sky", "<|endoftext|>"]
EOT = len(TEXTS) - 1
ID = {t: i for i, t in enumerate(TEXTS)}


def encode(text: str) -> list[int]:
    """Greedy longest match over :data:`TEXTS` (enough for the test's words)."""
    out: list[int] = []
    while text:
        match = max((t for t in TEXTS[:EOT] if text.startswith(t)), key=len, default=None)
        if match is None:
            return []
        out.append(ID[match])
        text = text[len(match) :]
    return out


def sentence_pairs(*sentences: str) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for s in sentences:
        ws = [EDGE, *s.split(), EDGE]
        pairs.update(itertools.pairwise(ws))
    return pairs


GRAMMAR = PhraseGrammar(
    frozenset({"turn", "on", "off", "the", "kitchen", "light", "lights", "add", "to", "list"}),
    frozenset(sentence_pairs("turn on the kitchen light", "turn off the lights", f"add {SLOT} to the list")),
)


@pytest.fixture
def decoder() -> GrammarDecoder:
    return GrammarDecoder(GrammarTokens(GRAMMAR, TEXTS, EOT, encode), beam=3)


def allowed_after(decoder: GrammarDecoder, said: str) -> set[str]:
    from hark.engines.stt_grammar import _Hyp

    hyp: object = _Hyp((), (), 0, None, False, 0.0)
    for token in encode(said):
        assert isinstance(hyp, _Hyp)
        mask, nodes = decoder.allowed(hyp)
        assert mask[token], (said, TEXTS[token])
        hyp = decoder.extend(hyp, token, 0.0, nodes)
    assert isinstance(hyp, _Hyp)
    mask, _ = decoder.allowed(hyp)
    return {TEXTS[i] for i in np.flatnonzero(mask)}


def test_only_the_grammars_words_may_come_next(decoder: GrammarDecoder) -> None:
    assert allowed_after(decoder, "") == {" turn", " Turn", " add"}
    assert allowed_after(decoder, " Turn") == {" on", " off"}
    assert allowed_after(decoder, " turn on the") == {" kitchen", " light", " list"}  # word pairs, not sentences
    assert allowed_after(decoder, " turn on the kitchen") == {" light"}  # " light", or " light" + "s"
    assert allowed_after(decoder, " turn off the lights") == {".", "?", "<|endoftext|>"}
    assert allowed_after(decoder, " turn on the kitchen light") == {".", "?", "<|endoftext|>"}  # not "lights"
    assert allowed_after(decoder, " turn off the light") == {"s"}  # only "lights" follows "the"


def test_a_slot_takes_any_word_and_the_grammar_goes_on_after_it(decoder: GrammarDecoder) -> None:
    after_add = allowed_after(decoder, " add")
    assert {" co", " pitch", " sky", " 5"} <= after_add and " to" in after_add
    assert " to" in allowed_after(decoder, " add co")  # "co" may be a word, or go on ...
    assert "ffee" in allowed_after(decoder, " add co")  # ... as "coffee"
    after_to = allowed_after(decoder, " add coffee to")
    assert {t for t in after_to if t.startswith(" ")} == {" the"}  # "to" ends the slot, or the slot's word goes on
    assert not after_to & {".", "?", "<|endoftext|>"}


def fake_step(preferred: list[str]) -> tuple[list[list[int]], object]:
    """A decoder that wants to say ``preferred`` (token texts), ending there: each step's best token
    is the next of them (log-prob -0.1), every other token -6."""
    calls: list[list[int]] = []
    want = [ID[t] for t in preferred] + [EOT]

    def step(prefixes: list[list[int]]) -> list[np.ndarray]:
        rows = []
        for p in prefixes:
            calls.append(p)
            row = np.full(len(TEXTS), -6.0)
            if len(p) < len(want):
                row[want[len(p)]] = -0.1
            rows.append(row)
        return rows

    return calls, step


def test_a_misheard_word_is_decoded_as_the_grammars_word(decoder: GrammarDecoder) -> None:
    calls, step = fake_step([" Turn", " on", " the", " pitch", " light"])
    decoded = decoder.decode(step)  # type: ignore[arg-type]
    assert decoded is not None
    assert decoded.text == "Turn on the kitchen light"
    assert decoded.words == ("turn", "on", "the", "kitchen", "light")
    assert decoded.steps == len({len(c) for c in calls})  # one batched call per step


def test_a_free_word_costs_the_penalty(decoder: GrammarDecoder) -> None:
    _, step = fake_step([" add", " co", "ffee", " to", " the", " list"])
    decoded = decoder.decode(step)  # type: ignore[arg-type]
    assert decoded is not None and decoded.text == "add coffee to the list"
    assert decoded.logp == pytest.approx(-0.1 * 7 - decoder.free_penalty)


def test_a_floor_drops_hypotheses_that_fall_below_it(decoder: GrammarDecoder) -> None:
    calls, step = fake_step([" Turn", " on", " the", " pitch", " light"])
    assert decoder.decode(step, floor=-3.0) is None  # type: ignore[arg-type]  # "kitchen" alone costs 6
    assert len(calls) <= 2 * decoder.beam * 4  # it stopped once every beam fell below the floor
    _, step = fake_step([" Turn", " on", " the", " kitchen", " light"])
    decoded = decoder.decode(step, floor=-3.0)  # type: ignore[arg-type]
    assert decoded is not None and decoded.raw == pytest.approx(-0.6)


def test_a_command_must_say_at_least_half_as_many_words_as_the_transcript() -> None:
    assert not covers("No!", "No, our ways are long.")
    assert not covers("Stop.", "Start your fast chat time for me 2 minutes")
    assert covers("Stop.", "Let's go.")
    assert covers("Turn off the light.", "Turn off the light, sin for mere room.")


def test_a_search_asked_for_enough_words_does_not_stop_at_a_short_sentence() -> None:
    """Every token costs, so the shortest sentence the grammar lets end ("turn on") outscores the
    command the audio says in full; asked for as many words as the caller's acceptance needs, the
    search goes on to it."""
    grammar = PhraseGrammar(
        frozenset({"turn", "on", "the", "kitchen", "light"}),
        frozenset(sentence_pairs("turn on the kitchen light", "turn on")),
    )
    decoder = GrammarDecoder(GrammarTokens(grammar, TEXTS, EOT, encode), beam=3)
    want = [ID[t] for t in (" Turn", " on", " the", " kitchen", " light")] + [EOT]

    def step(prefixes: list[list[int]]) -> list[np.ndarray]:
        rows = []
        for p in prefixes:
            row = np.full(len(TEXTS), -6.0)
            row[EOT] = -1.5  # ending anywhere is only a little unlikely
            if len(p) < len(want) and p == want[: len(p)]:
                row[want[len(p)]] = -0.5
            rows.append(row)
        return rows

    short = decoder.decode(step)
    assert short is not None and short.words == ("turn", "on")
    transcript = "Turn on the kitten light."
    assert not covers("Turn on.", transcript)  # the caller would reject it ...
    full = decoder.decode(step, min_words=covering_words(transcript))
    assert full is not None and full.words == ("turn", "on", "the", "kitchen", "light")  # ... and gets this
    assert covering_words(transcript) == 3 and covering_words("") == 1


def test_the_search_hands_back_the_other_sentences_it_finished_best_first(decoder: GrammarDecoder) -> None:
    _, step = fake_step([" Turn", " on", " the", " kitchen", " light"])
    decoded = decoder.decode(step)  # type: ignore[arg-type]
    assert decoded is not None and decoded.text == "Turn on the kitchen light"
    assert decoded.runners_up and decoded.text not in decoded.runners_up
    assert len(set(decoded.runners_up)) == len(decoded.runners_up)
    assert "Turn on the kitchen light." in decoded.runners_up  # the same words, ended otherwise: less likely


def test_nothing_is_decoded_when_no_sentence_can_end() -> None:
    grammar = PhraseGrammar(frozenset({"turn", "on"}), frozenset({(EDGE, "turn"), ("turn", "on")}))
    decoder = GrammarDecoder(GrammarTokens(grammar, TEXTS, EOT, encode), max_tokens=6)
    _, step = fake_step([" turn", " on"])
    assert decoder.decode(step) is None  # type: ignore[arg-type]


def test_the_grammar_pass_is_the_default_closed_vocabulary_pass_and_is_validated() -> None:
    assert (SttSettings().grammar_decode, SttSettings().phrases, SttSettings().commands) == (True, False, False)
    with pytest.raises(ConfigError, match="grammar_margin"):
        SttSettings(grammar_decode=True, grammar_margin=-1.0).validate()


# -- through Whisper ----------------------------------------------------------------------------------


def _bench_audio(voice: str, text: str, snr_db: float | None = None, key: str = "") -> np.ndarray:
    """The sentence as bench/asr_voices.py lays it out, with pink noise at ``snr_db`` seeded by ``key``."""
    from bench.asr.voices import speak
    from bench.asr_voices import layout
    from hark.audio import to_float

    return to_float(layout(speak(voice, text), key or f"{voice}/{text}", snr_db))


def test_the_grammar_pass_turns_a_misheard_command_into_the_command_said(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    brain = Brain()
    said = "What's the weather tomorrow?"
    audio = _bench_audio("espeak-us", said, 10.0, "espeak-us/command18/10dB")
    off = WhisperStt(whisper_dir).transcribe(audio)
    assert not brain.is_command(off), off  # Whisper alone: "What's the Wander tomorrow?"

    settings = SttSettings(phrases=False, grammar_decode=True)
    stt = WhisperStt.from_settings(
        whisper_dir, settings, areas=AREAS, devices=[n for n, _, _ in ENTITIES], is_command=brain.is_command
    )
    assert stt.phrases is None and stt.grammar is not None
    heard = stt.transcribe(audio)
    assert heard == said
    assert stt.last_grammar is not None and stt.last_grammar.replaced
    assert brain.skill(heard) == brain.skill(said) is not None

    question = stt.transcribe(_bench_audio("espeak-us", "Why is the sky blue?"))
    assert "sky" in question.lower() and not brain.is_command(question)
    assert stt.last_grammar is None or not stt.last_grammar.replaced
    stt.set_command_filter(None)
    assert stt.grammar is None


def test_the_grammar_pass_is_on_by_default_and_the_phrase_pass_off(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt.from_settings(whisper_dir, SttSettings(), is_command=lambda text: False)
    assert stt.grammar is not None and stt.phrases is None
    stt = WhisperStt.from_settings(
        whisper_dir, SttSettings(grammar_decode=False, phrases=True), is_command=lambda t: False
    )
    assert stt.grammar is None and stt.phrases is not None


def test_the_grammar_pass_reads_the_runners_up_when_the_best_sentence_is_no_command(
    whisper_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grammar pairs words, so the search's best sentence may be one no template reads; the pass
    takes the first of the others that the classic brain acts on (and that the audio supports)."""
    from hark.audio.chunk import SAMPLE_RATE
    from hark.engines.stt_whisper import WhisperStt

    brain = Brain()
    said = "Is it going to be sunny today?"
    audio = _bench_audio("espeak-nyc", said, 10.0, "espeak-nyc/command39/10dB")
    stt = WhisperStt.from_settings(
        whisper_dir,
        SttSettings(phrases=False, grammar_decode=True),
        areas=AREAS,
        devices=[n for n, _, _ in ENTITIES],
        is_command=brain.is_command,
    )
    found = ["Is it going to be sunny to be", "Is it going to be sunny today"]
    monkeypatch.setattr(stt, "_grammar_search", lambda *args, **kwargs: list(found))
    features, window = stt._mel(audio)
    encoded = stt._model.model.encode(features, to_cpu=False)
    heard = "Is it going to be sunny to pay?"
    assert not brain.is_command(heard) and not brain.is_command(found[0] + "?")
    brain.read.clear()
    assert stt._grammar_pass(encoded, heard, len(audio[: window * SAMPLE_RATE])) == said
    assert brain.read == [found[0] + "?", said]  # read best first, until one is a command
    assert stt.last_grammar is not None and stt.last_grammar.replaced

    stt.grammar_runners_up = 0  # the best sentence alone: nothing to take
    assert stt._grammar_pass(encoded, heard, len(audio[: window * SAMPLE_RATE])) == heard
