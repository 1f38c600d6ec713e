"""Settings that cannot work are refused at load, in one line naming the setting and what to do;
TOML values must have their TOML type (only the environment's strings are converted); and tests
never read the config of whoever runs them."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

from hark.config import default_config_path, load_settings
from hark.errors import ConfigError
from tests.conftest import make_settings

# -- TOML values must have the right type; the environment's strings are converted ------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[turn]\nsmart_turn = 'yes'\n", "turn.smart_turn: expected true or false, got 'yes'; write smart_turn = true"),
        ("[turn]\nbarge_in = 'off'\n", "turn.barge_in: expected true or false, got 'off'; write barge_in = false"),
        ("[turn]\nsmart_turn = 1\n", "turn.smart_turn: expected true or false, got 1"),
        (
            "[wake]\nwords = 'hey_jarvis'\n",
            "wake.words: expected a list of strings, got 'hey_jarvis'; write words = [\"hey_jarvis\"]",
        ),
        ("[wake]\nwords = 'alexa,okay_nabu'\n", 'write words = ["alexa", "okay_nabu"]'),
        ("[turn]\npause_ms = '200'\n", "turn.pause_ms: expected an integer, got '200'; write pause_ms = 200"),
        ("[tts]\nspeed = '0.9'\n", "tts.speed: expected a number, got '0.9'; write speed = 0.9"),
        ("[weather]\nlatitude = '48.85'\nlongitude = 2.35\n", "weather.latitude: expected a number, got '48.85'"),
        ("data_dir = 5\n", "data_dir: expected a path (a string), got 5"),
    ],
)
def test_toml_values_must_have_their_toml_type(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(cfg, env={}, check=False)


def test_the_same_strings_from_the_environment_are_converted() -> None:
    s = load_settings(
        env={
            "HARK_TURN__SMART_TURN": "yes",
            "HARK_TURN__BARGE_IN": "off",
            "HARK_WAKE__WORDS": "alexa, okay_nabu",
            "HARK_TURN__PAUSE_MS": "200",
            "HARK_TTS__SPEED": "0.9",
            "HARK_WEATHER__LATITUDE": "48.85",
            "HARK_WEATHER__LONGITUDE": "2.35",
        },
        user_config=False,
    )
    assert s.turn.smart_turn is True and s.turn.barge_in is False
    assert s.wake.words == ("alexa", "okay_nabu")
    assert (s.turn.pause_ms, s.tts.speed, s.weather.latitude) == (200, 0.9, 48.85)


def test_an_integer_is_a_number_in_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text("[tts]\nspeed = 1\n[weather]\nlatitude = 48\nlongitude = 2\n")
    s = load_settings(cfg, env={})
    assert s.tts.speed == 1.0 and isinstance(s.tts.speed, float)
    assert s.weather.latitude == 48.0


def test_a_bad_environment_value_names_its_variable() -> None:
    with pytest.raises(
        ConfigError,
        match=re.escape("turn.smart_turn: expected true or false, got 'maybe' (from HARK_TURN__SMART_TURN)"),
    ):
        load_settings(env={"HARK_TURN__SMART_TURN": "maybe"}, user_config=False)


def test_replace_keeps_the_other_values_of_a_section() -> None:
    s = load_settings(env={"HARK_WAKE__WORDS": "alexa"}, user_config=False)
    assert s.replace(wake={"speech_timeout_s": 3.0}).wake.words == ("alexa",)


# -- what the settings name must exist ------------------------------------------------------------------


def _load(tmp_path: Path, toml: str, *, check: bool = True):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "hark.toml"
    cfg.write_text(toml)
    return load_settings(cfg, env={"HARK_DATA_DIR": str(tmp_path / "data")}, check=check)


def test_an_unknown_classic_language_is_refused_with_some_that_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^classic\.language: no sentences for 'xx'; .*e\.g\. en, fr, de") as info:
        _load(tmp_path, "[classic]\nlanguage = 'xx'\n")
    assert info.value.code == "config-invalid" and "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=r"no sentences for 'EN'.* e\.g\. en$"):
        _load(tmp_path, "[classic]\nlanguage = 'EN'\n")
    assert _load(tmp_path, "[classic]\nlanguage = 'fr'\n").classic.language == "fr"
    assert _load(tmp_path, "[classic]\nlanguage = 'xx'\n", check=False).classic.language == "xx"  # config check


def test_the_recognizer_refuses_an_unknown_language_as_a_config_error() -> None:
    from hark.nlu import IntentRecognizer

    with pytest.raises(ConfigError, match=r"^classic\.language: no sentences for language 'xx'") as info:
        IntentRecognizer("xx")
    assert isinstance(info.value, ValueError)  # still what the loader always raised


def test_a_missing_sentences_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^classic\.sentences_dir: .*nope is not a folder"):
        _load(tmp_path, f"[classic]\nsentences_dir = '{tmp_path / 'nope'}'\n")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl://", "storage.url: 'notaurl://' names no database SQLAlchemy knows ('notaurl')"),
        ("just words", "storage.url: 'just words' is not a database URL"),
        ("postgresql+psycopg2://hark:s3cret@db/hark", "uses the driver 'psycopg2', which is not async"),
    ],
)
def test_a_storage_url_that_cannot_work_is_refused(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        _load(tmp_path, f"[storage]\nurl = '{url}'\n")
    assert "s3cret" not in str(info.value) and "\n" not in str(info.value)


@pytest.mark.skipif(importlib.util.find_spec("aiomysql") is not None, reason="aiomysql is installed here")
def test_a_storage_url_whose_driver_is_missing_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"storage\.url: the driver 'aiomysql' .* is not installed \(pip install aiomysql\)"
    ) as info:
        _load(tmp_path, "[storage]\nurl = 'mysql+aiomysql://hark:s3cret@db/hark'\n")
    assert "s3cret" not in str(info.value)


def test_a_sqlite_storage_url_is_fine(tmp_path: Path) -> None:
    s = _load(tmp_path, f"[storage]\nurl = 'sqlite+aiosqlite:///{tmp_path / 'x.db'}'\n")
    assert s.storage.url.endswith("x.db")


async def test_opening_a_bad_url_is_the_same_one_line_config_error(tmp_path: Path) -> None:
    from hark.store import Database

    with pytest.raises(ConfigError, match=re.escape("storage.url: 'notaurl://' names no database")):
        await Database("notaurl://").open()


def _whisper_folder(path: Path, *, header: bytes = b"\x06\x00\x00\x00\x0c\x00WhisperSpec\x00") -> Path:
    path.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (path / name).write_text("{}")
    (path / "model.bin").write_bytes(header + b"\x00" * 64)
    return path


def test_stt_model_must_be_a_ctranslate2_whisper_folder(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing": "does not exist",
        tmp_path / "file.bin": "is a file, not a folder",
        tmp_path / "empty": "holds no model.bin, config.json, tokenizer.json, vocabulary.json",
        _whisper_folder(
            tmp_path / "other", header=b"\x06\x00\x00\x00\x0c\x00TransformerSpec"
        ): "is not a CTranslate2 Whisper model",
    }
    (tmp_path / "file.bin").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    for path, message in cases.items():
        with pytest.raises(ConfigError, match=rf"^stt\.model: .*{re.escape(message)}; set it to \"base\""):
            _load(tmp_path, f"[stt]\nmodel = '{path}'\n")
    good = _whisper_folder(tmp_path / "whisper")
    assert _load(tmp_path, f"[stt]\nmodel = '{good}'\n").stt.model == str(good)


def test_llm_model_path_must_be_a_readable_gguf_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / "folder.gguf").mkdir()
    (tmp_path / "model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 32)
    for name, message in [
        ("missing.gguf", "does not exist"),
        ("notes.txt", "is not a GGUF file"),
        ("folder.gguf", "is a folder, not a GGUF file"),
    ]:
        with pytest.raises(ConfigError, match=rf"^llm\.model_path: .*{name} {message}; point it at a \.gguf"):
            _load(tmp_path, f"[llm]\nmodel_path = '{tmp_path / name}'\n")
    assert _load(tmp_path, f"[llm]\nmodel_path = '{tmp_path / 'model.gguf'}'\n").llm.model_path.endswith("model.gguf")
    # only checked where the embedded model runs (as the backend or as a remote one's fallback)
    missing = tmp_path / "missing.gguf"
    assert _load(tmp_path, f"[llm]\nbackend = 'off'\nmodel_path = '{missing}'\n").llm.backend == "off"
    remote = "[llm]\nbackend = 'openai'\nmodel = 'm'\n"
    assert _load(tmp_path, f"{remote}fallback = 'classic'\nmodel_path = '{missing}'\n").llm.fallback == "classic"
    with pytest.raises(ConfigError, match=r"^llm\.model_path: "):
        _load(tmp_path, f"{remote}fallback = 'embedded'\nmodel_path = '{missing}'\n")


# -- tests never read the config of whoever runs them ----------------------------------------------------


def test_the_settings_fixture_never_reads_a_user_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    user_config = default_config_path()
    if home not in user_config.parents:
        pytest.skip(f"the user config folder here ({user_config.parent}) does not follow HOME")
    user_config.parent.mkdir(parents=True)
    user_config.write_text("[tts]\nengine = 'espeak'\n[classic]\nlanguage = 'fr'\n")
    assert load_settings(env={}).tts.engine == "espeak"  # a plain load does read it (the control)
    fixture = make_settings(data_dir)
    assert (fixture.source, fixture.tts.engine, fixture.classic.language) == ("defaults", "hibari", "en")
    assert settings.source == "defaults"


def test_each_run_has_its_own_data_dir_and_no_hark_variables(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.getbasetemp()
    assert base in data_dir.parents and data_dir != Path("/tmp/hark-test-data")
    assert base in Path(os.environ["XDG_CONFIG_HOME"]).parents
    assert not [k for k in os.environ if k.startswith("HARK_")]
