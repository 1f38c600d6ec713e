"""Whisper's biasing prompt, hotwords and closed-vocabulary command pass: settings, and what
reaches the model (``hark.engines.stt_whisper``, ``stt_vocab``, ``stt_commands``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hark.config import SttSettings, load_settings
from hark.engines.stt_commands import CommandRescorer
from hark.engines.stt_vocab import default_hotwords, default_prompt
from hark.errors import ConfigError

# -- settings -------------------------------------------------------------------------------------


def test_stt_bias_settings_default_off(tmp_path: Path) -> None:
    s = load_settings(env={"HARK_DATA_DIR": str(tmp_path)}, user_config=False).stt
    assert (s.prompt, s.hotwords, s.commands) == ("", "", False)


def test_stt_bias_settings_from_file_and_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[stt]\nprompt = "auto"\nhotwords = "timer, kitchen"\ncommands = true\ncommands_margin = 0.2\n')
    s = load_settings(cfg, env={"HARK_STT__COMMANDS_BEAM": "5"}).stt
    assert (s.prompt, s.hotwords, s.commands, s.commands_margin, s.commands_beam) == (
        "auto",
        "timer, kitchen",
        True,
        0.2,
        5,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HARK_STT__PROMPT": "x" * 801}, "stt.prompt: 801 characters is too long"),
        ({"HARK_STT__HOTWORDS": "y" * 900}, "stt.hotwords: 900 characters"),
        ({"HARK_STT__PROMPT": "bad\x07bell"}, "stt.prompt: control characters"),
        ({"HARK_STT__COMMANDS_BEAM": "1"}, "stt.commands_beam: 1 is out of range"),
        ({"HARK_STT__COMMANDS_MARGIN": "-0.1"}, "stt.commands_margin"),
        ({"HARK_STT__COMMANDS_MARGIN": "3"}, "stt.commands_margin"),
        ({"HARK_STT__COMMANDS": "maybe"}, "stt.commands"),
    ],
)
def test_stt_bias_settings_are_validated(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env={"HARK_DATA_DIR": str(tmp_path), **env}, user_config=False)


def test_stt_prompt_of_800_characters_is_accepted() -> None:
    SttSettings(prompt="z" * 800, hotwords="w" * 800).validate()


# -- the vocabulary -------------------------------------------------------------------------------


def test_auto_prompt_names_the_home() -> None:
    prompt = default_prompt(areas=["Kitchen", "Living Room", "kitchen"], devices=["Hue Lamp"])
    assert "timer" in prompt and "shopping list" in prompt
    assert "The rooms are the Kitchen and the Living Room." in prompt  # duplicates (any case) once
    assert prompt.endswith("The devices are the Hue Lamp.")
    assert "rooms" not in default_prompt()
    assert default_prompt(areas=["attic"]).endswith("The rooms are the attic.")
    words = default_hotwords(areas=["Garage"], devices=["garage door"])
    assert words.endswith(", Garage") and words.count("garage door") == 1


def test_loops_are_recognised() -> None:
    from hark.engines.stt_whisper import _drop_repeated_sentences, _looped

    assert _looped([5, 9, 9, 9], budget=64)  # one token three times
    assert _looped([1, 2, 3, 1, 2, 3, 1, 2, 3], budget=64)
    assert _looped(list(range(64)), budget=64)  # the whole budget used
    assert not _looped([7, 8, 7, 8, 4], budget=64)  # "five five", twice is fine
    assert _drop_repeated_sentences("Set a timer. Set a timer.") == "Set a timer."
    assert _drop_repeated_sentences("Hi. What time is it? Hi.") == "Hi. What time is it? Hi."


# -- the closed-vocabulary choice ---------------------------------------------------------------


def _is_command(text: str) -> bool:
    return text.lower().startswith(("set a timer", "turn on"))


def test_rescorer_takes_a_command_close_to_the_best() -> None:
    r = CommandRescorer(_is_command, margin=0.1)
    hyps = [("Set a time of five minutes.", -0.30), ("Set a timer for five minutes.", -0.35)]
    assert r.choose("Set a time of five minutes.", hyps) == "Set a timer for five minutes."
    assert r.rescued == 1


def test_rescorer_never_takes_a_command_scored_far_below_the_best() -> None:
    r = CommandRescorer(_is_command, margin=0.1)
    hyps = [("Why is the sky blue?", -0.20), ("Turn on the sky blue.", -0.45)]
    assert r.choose("Why is the sky blue?", hyps) == "Why is the sky blue?"
    assert r.choose("Why is the sky blue?", []) == "Why is the sky blue?"
    assert r.rescued == 0


def test_rescorer_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="beam_size"):
        CommandRescorer(_is_command, beam_size=1)
    with pytest.raises(ValueError, match="margin"):
        CommandRescorer(_is_command, margin=-1)
    assert not CommandRescorer(lambda t: True).accepts("   ")


# -- what reaches Whisper ------------------------------------------------------------------------


class _Recorder:
    """Stands in front of the CTranslate2 model and records every ``generate`` call."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.calls: list[dict[str, Any]] = []

    def generate(self, features: Any, prompts: list[list[int]], **kwargs: Any) -> Any:
        self.calls.append({"prompts": prompts, **kwargs})
        return self._model.generate(features, prompts, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def _speech(text: str) -> np.ndarray:
    from bench.voices import espeak
    from hark.audio import to_float

    return to_float(np.concatenate([np.zeros(4000, np.int16), espeak(text, "en-us"), np.zeros(4000, np.int16)]))


def test_prompt_and_hotwords_reach_whisper_as_previous_text(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt(whisper_dir, prompt="Timers and the shopping list.", hotwords="kitchen, pasta")
    recorder = _Recorder(stt._model.model)
    stt._model.model = recorder  # type: ignore[assignment]
    heard = stt.transcribe(_speech("Set a pasta timer for eight minutes."))
    assert "timer" in heard.lower()

    tok = stt._tokenizer
    expected = [
        tok.sot_prev,
        *tok.encode(" kitchen, pasta"),
        *tok.encode(" Timers and the shopping list."),
        *tok.sot_sequence,
    ]
    (call,) = recorder.calls
    assert call["prompts"] == [expected] == [stt.prompt_tokens]
    # the budget for the transcript comes after the prompt (CTranslate2 counts the prompt in max_length)
    assert call["max_length"] == len(expected) + 16 + 4 * 12
    assert call["beam_size"] == 1 and call["num_hypotheses"] == 1


def test_no_prompt_sends_only_the_start_of_transcript(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt(whisper_dir)
    assert stt.prompt_tokens == list(stt._tokenizer.sot_sequence)


def test_auto_prompt_from_settings_follows_the_home(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    settings = SttSettings(prompt="auto", hotwords="auto", beam_size=2, min_window_s=5.0)
    stt = WhisperStt.from_settings(whisper_dir, settings, areas=["Conservatory"], devices=["Aquarium Pump"])
    assert stt.beam_size == 2 and stt.min_window_s == 5.0
    assert stt.prompt == default_prompt(["Conservatory"], ["Aquarium Pump"])
    assert stt.hotwords == default_hotwords(["Conservatory"], ["Aquarium Pump"])
    tok = stt._tokenizer
    assert stt.prompt_tokens[0] == tok.sot_prev
    assert stt.prompt_tokens[1 : 1 + len(tok.encode(" " + stt.hotwords))] == tok.encode(" " + stt.hotwords)
    stt.set_vocabulary(areas=["Attic"])  # the home changed: the prompt follows
    assert "Attic" in stt.prompt and "Conservatory" not in stt.prompt
    assert stt.commands is None  # stt.commands is off by default


def test_a_long_prompt_does_not_cut_the_transcript(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt(whisper_dir, prompt="auto", areas=["kitchen", "living room", "bedroom"])
    assert len(stt.prompt_tokens) > 60 and stt.prompt.startswith("I asked the home assistant")
    heard = stt.transcribe(_speech("Set a timer for twenty minutes and add milk to the shopping list."))
    assert "shopping list" in heard.lower(), heard


def test_command_pass_decodes_the_n_best_only_when_the_transcript_is_not_a_command(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    seen: list[str] = []

    def is_command(text: str) -> bool:
        seen.append(text)
        return "timer" in text.lower()

    stt = WhisperStt.from_settings(whisper_dir, SttSettings(commands=True, commands_beam=3), is_command=is_command)
    assert stt.commands is not None and stt.commands.beam_size == 3
    recorder = _Recorder(stt._model.model)
    stt._model.model = recorder  # type: ignore[assignment]

    assert "timer" in stt.transcribe(_speech("Set a timer for five minutes.")).lower()
    assert [c["num_hypotheses"] for c in recorder.calls] == [1]  # a command at once: no second decode

    recorder.calls.clear()
    heard = stt.transcribe(_speech("Why is the sky blue?"))
    assert "sky" in heard.lower()
    assert [(c["beam_size"], c["num_hypotheses"]) for c in recorder.calls] == [(1, 1), (3, 3)]
    assert recorder.calls[1]["return_scores"] is True
    stt.set_command_filter(None)
    assert stt.commands is None


class _Result:
    def __init__(self, ids: list[list[int]]) -> None:
        self.sequences_ids = ids
        self.scores = [-0.1] * len(ids)


def test_a_prompt_that_makes_whisper_loop_is_dropped_for_that_decode(whisper_dir: Path) -> None:
    from hark.engines.stt_whisper import WhisperStt

    stt = WhisperStt(whisper_dir, prompt="Lights, lights.")
    tok = stt._tokenizer
    lights, ok = tok.encode(" lights,"), tok.encode(" Turn on the lights.")
    calls: list[list[int]] = []

    class Looping(_Recorder):
        def generate(self, features: Any, prompts: list[list[int]], **kwargs: Any) -> Any:
            calls.append(prompts[0])
            looped = prompts[0] == stt.prompt_tokens
            return [_Result([[tok.timestamp_begin, *(lights * 5 if looped else ok)]])]

    stt._model.model = Looping(stt._model.model)  # type: ignore[assignment]
    assert stt.transcribe(np.zeros(16000, np.float32)) == "Turn on the lights."
    assert calls == [stt.prompt_tokens, list(tok.sot_sequence)] and stt.loops == 1


class _RecordingStt:
    def __init__(self) -> None:
        self.filter: Any = None
        self.vocabulary: Any = None

    def set_command_filter(self, is_command: Any) -> None:
        self.filter = is_command

    def set_vocabulary(self, areas: Any, devices: Any) -> None:
        self.vocabulary = (list(areas), list(devices))


@pytest.mark.parametrize(
    ("commands", "phrases", "grammar"),
    [(True, False, False), (False, True, False), (False, False, True), (False, False, False)],
)
async def test_the_household_gives_the_recogniser_its_command_grammar(
    settings: Any, tmp_path: Path, commands: bool, phrases: bool, grammar: bool
) -> None:
    """Every closed-vocabulary pass (the n-best one, the phrase one, the grammar one) gets the classic
    grammar; with all off the recogniser is given none."""
    import dataclasses

    from hark.household import Household

    s = dataclasses.replace(settings, data_dir=tmp_path).replace(
        llm={"backend": "off"}, stt={"commands": commands, "phrases": phrases, "grammar_decode": grammar}
    )
    household = await Household.open(s)
    try:
        assert household.reads_as_command("set a timer for five minutes")
        assert household.reads_as_command("um could you add milk to the shopping list")
        assert not household.reads_as_command("why is the sky blue")
        stt = _RecordingStt()
        household.tune_stt(stt)
        assert (stt.filter is not None) == (commands or phrases or grammar)
        assert stt.vocabulary is None  # no smart home: no names to add
        if commands or phrases or grammar:
            assert stt.filter("stop") and not stt.filter("tell me a story")
    finally:
        await household.close()
