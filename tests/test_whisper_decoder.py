"""Whisper's decoder in numpy (:mod:`hark.engines.whisper_decoder`): the same next-token
distribution as CTranslate2's, the kept state equal to a run from scratch, a real transcript
decoded greedily, and a clear error for a file that is not a Whisper model."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from hark.engines.stt_whisper import WhisperStt
from hark.engines.whisper_decoder import WhisperDecoder, read_ct2_variables
from hark.errors import EngineLoadError

DATA = Path(__file__).parent / "data"


def _wav(name: str) -> np.ndarray:
    with wave.open(str(DATA / name)) as w:
        assert w.getframerate() == 16000 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768


@pytest.fixture(scope="module")
def stt(whisper_dir: Path) -> WhisperStt:
    return WhisperStt(whisper_dir)


@pytest.fixture(scope="module")
def decoder(whisper_dir: Path) -> WhisperDecoder:
    return WhisperDecoder.load(whisper_dir)


def _start(stt: WhisperStt) -> list[int]:
    tok = stt._tokenizer
    return [*tok.sot_sequence, tok.no_timestamps]


def test_greedy_decode_writes_what_whisper_writes(stt: WhisperStt, decoder: WhisperDecoder) -> None:
    audio = _wav("asr_flite_rms_timer.wav")
    assert stt.transcribe(audio) == "Set a timer for one hour."
    run = decoder.run(np.asarray(stt.encode(audio))[0])
    tok = stt._tokenizer
    prefix = _start(stt)
    steps_before = run.steps
    for _ in range(20):
        token = int(run.logprobs([prefix])[0].argmax())
        if token == tok.eot:
            break
        prefix.append(token)
    assert tok.decode(prefix[len(_start(stt)) :]).strip() == "Set a timer for one hour."
    # the start tokens ran once, then one step per token
    assert run.steps - steps_before == len(prefix) - len(_start(stt)) + 1


def test_next_token_distribution_matches_ctranslate2(stt: WhisperStt, decoder: WhisperDecoder) -> None:
    import ctranslate2

    audio = _wav("asr_flite_slt_shopping.wav")
    encoded = np.asarray(stt.encode(audio))
    text = stt.transcribe(audio)
    ids = list(stt._tokenizer.encode(" " + text))
    run = decoder.run(encoded[0])
    one = ctranslate2.StorageView.from_array(np.ascontiguousarray(encoded[:1]))
    for n in (0, 2, len(ids)):
        prefix = ids[:n]
        result = stt._model.model.generate(
            one,
            [_start(stt) + prefix],
            beam_size=1,
            max_length=max(n + 4, 2 * n + 2),
            return_logits_vocab=True,
            suppress_blank=False,
            suppress_tokens=[],
        )[0]
        theirs = np.asarray(result.logits[0])[n].astype(np.float64)
        theirs -= theirs.max()
        theirs -= np.log(np.exp(theirs).sum())
        ours = run.logprobs([_start(stt) + prefix])[0]
        assert ours.shape == theirs.shape
        assert np.exp(ours).sum() == pytest.approx(1.0, abs=1e-6)
        top = np.argsort(-theirs)[:5]
        assert int(ours.argmax()) == int(top[0])
        # CTranslate2 runs int8 weights, this decoder float: a few tenths apart at most
        assert np.abs(ours[top] - theirs[top]).max() < 0.6


def test_kept_state_equals_a_run_from_scratch(stt: WhisperStt, decoder: WhisperDecoder) -> None:
    encoded = np.asarray(stt.encode(_wav("asr_flite_rms_timer.wav")))[0]
    start = _start(stt)
    words = list(stt._tokenizer.encode(" Set a timer for one hour"))
    kept = decoder.run(encoded)
    kept.logprobs([start])
    kept.logprobs([start + words[:1], [*start, words[2]]])
    # three beams extended from two different parents, in one batched step
    beams = [start + words[:2], [*start, words[0], words[3]], [*start, words[2], words[4]]]
    steps = kept.steps
    rows = kept.logprobs(beams)
    assert kept.steps == steps + 1
    fresh = decoder.run(encoded)
    for beam, row in zip(beams, rows, strict=True):
        assert np.allclose(row, fresh.logprobs([beam])[0], atol=1e-3)


def test_a_file_that_is_not_a_whisper_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00garbage")
    with pytest.raises(EngineLoadError, match="not a CTranslate2 model file"):
        WhisperDecoder.load(tmp_path)
    with pytest.raises(EngineLoadError, match="cannot read"):
        WhisperDecoder.load(tmp_path / "missing")


def test_reads_variables_and_aliases(whisper_dir: Path) -> None:
    spec, found = read_ct2_variables(whisper_dir / "model.bin", "decoder/")
    assert spec == "WhisperSpec"
    assert found["decoder/embeddings/weight"].dtype == np.float32
    assert found["decoder/projection/weight"] is found["decoder/embeddings/weight"]  # tied output
    assert not any(name.startswith("encoder/") for name in found)


def test_a_shortlist_renormalises_over_its_tokens_and_the_extra_ones(stt: WhisperStt, decoder: WhisperDecoder) -> None:
    encoded = np.asarray(stt.encode(_wav("asr_flite_rms_timer.wav")))[0]
    start = _start(stt)
    heard = list(stt._tokenizer.encode(" Set a timer for one hour."))
    shortlist = decoder.shortlist(np.arange(2000))
    short = decoder.run(encoded, shortlist, extra=[*heard, stt._tokenizer.eot])
    full = decoder.run(encoded)
    kept = np.union1d(np.arange(2000), [*heard, stt._tokenizer.eot])
    for n in range(len(heard) + 1):
        ours, whole = short.logprobs([start + heard[:n]])[0], full.logprobs([start + heard[:n]])[0]
        left_out = np.setdiff1d(np.arange(len(whole)), kept)
        assert np.isneginf(ours[left_out]).all()
        shift = ours[kept] - whole[kept]
        # the same distribution over the kept tokens: one constant, -log(mass kept), at most a few tenths
        assert np.ptp(shift) < 1e-4  # float32 sums in another order
        assert shift[0] == pytest.approx(-np.log(np.exp(whole[kept]).sum()), abs=1e-4)
        assert int(ours.argmax()) == int(whole.argmax())  # Whisper's own next token is kept
    with pytest.raises(ValueError, match="token ids"):
        decoder.shortlist(np.array([len(decoder.embedding)]))


def test_priming_runs_a_transcript_once_and_shares_its_steps(stt: WhisperStt, decoder: WhisperDecoder) -> None:
    encoded = np.asarray(stt.encode(_wav("asr_flite_rms_timer.wav")))[0]
    start = _start(stt)
    heard = list(stt._tokenizer.encode(" Set a timer for one hour."))
    primed = decoder.run(encoded, decoder.shortlist(np.arange(2000)), extra=heard)
    following = primed.prime(start + heard)
    assert primed.steps == 1 and len(following) == len(start) + len(heard) - 1
    stepped = decoder.run(encoded, decoder.shortlist(np.arange(2000)), extra=heard)
    for k in range(len(heard)):
        row = stepped.logprobs([start + heard[:k]])[0]
        assert following[len(start) - 1 + k] == pytest.approx(row[heard[k]], abs=1e-3)
        assert np.allclose(primed.logprobs([start + heard[:k]])[0], row, atol=1e-3)
    # every prefix of the primed sequence is free; one token past any of them is one step
    assert [int(r.argmax()) for r in primed.logprobs([start + heard[:2], start + heard[:5]])] == [
        heard[2],
        heard[5],
    ]
    assert primed.steps == 1
    primed.logprobs([[*start, heard[0], heard[3]]])
    assert primed.steps == 2
    assert primed.prime([*start, 1999, 3000])[-1] == -np.inf  # a token outside the shortlist
