import re
from pathlib import Path

import pytest

from hark.config import load_settings
from hark.errors import ConfigError


def test_defaults_are_valid(tmp_path: Path) -> None:
    s = load_settings(env={"HARK_DATA_DIR": str(tmp_path)}, user_config=False)
    assert s.data_dir == tmp_path
    assert s.wake.words == ("hey_jarvis",)
    assert s.stt.engine == "auto" and s.stt.transcriber == "moonshine" and s.tts.engine == "hibari"
    assert s.source == "defaults"


def test_file_then_environment_override(tmp_path: Path) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text(
        '[tts]\nengine = "piper"\nspeed = 1.2\n[wake]\nwords = ["alexa", "okay_nabu"]\n[turn]\npause_ms = 256\n'
    )
    s = load_settings(cfg, env={"HARK_TTS__SPEED": "0.9", "HARK_TURN__BARGE_IN": "false"})
    assert s.tts.engine == "piper"
    assert s.tts.speed == 0.9  # environment wins over the file
    assert s.wake.words == ("alexa", "okay_nabu")
    assert s.turn.pause_ms == 256 and s.turn.barge_in is False
    assert s.source == str(cfg)


def test_hark_config_env_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[stt]\nlanguage = "fr"\n')
    assert load_settings(env={"HARK_CONFIG": str(cfg)}).stt.language == "fr"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tts]\nengin = 'piper'\n", "tts: unknown key"),
        ("[ttss]\n", "unknown section"),
        ("[tts]\nspeed = 'fast'\n", "tts.speed: expected a number, got 'fast'"),
        ("[tts]\nspeed = 9.0\n", "tts.speed: 9.0 is out of range"),
        ("[tts]\nengine = 'festival'\n", "tts.engine: 'festival' is not one of"),
        ("[wake]\nwords = ['hey_siri']\n", "wake.words: 'hey_siri'"),
        ("[turn]\npause_ms = 500\nmax_silence_ms = 300\n", "turn.max_silence_ms"),
        ("[brain]\ntimezone = 'Mars/Olympus'\n", "unknown time zone"),
        ("tts = 3\n", "tts: must be a table"),
        ("[tts\n", "not valid TOML"),
    ],
)
def test_bad_config_is_refused_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(cfg, env={})


def test_bad_environment_value_names_the_variable_key() -> None:
    with pytest.raises(
        ConfigError, match=r"turn\.pause_ms: expected an integer, got 'soon' \(from HARK_TURN__PAUSE_MS\)"
    ):
        load_settings(env={"HARK_TURN__PAUSE_MS": "soon"})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_replace_validates() -> None:
    s = load_settings(env={}, user_config=False)
    assert s.replace(tts={"engine": "espeak"}).tts.engine == "espeak"
    with pytest.raises(ConfigError):
        s.replace(tts={"speed": 0.0})
