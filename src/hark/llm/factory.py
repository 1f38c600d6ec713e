"""Build the configured LLM backend (and the embedded fallback) from settings."""

from __future__ import annotations

from ..config import LlmSettings
from ..errors import EngineLoadError
from .base import LlmBackend


def build_backend(settings: LlmSettings, kind: str | None = None) -> LlmBackend | None:
    """``kind`` overrides ``settings.backend``; ``off`` gives None. Imports only what it builds."""
    kind = kind or settings.backend
    if kind == "off":
        return None
    timeout = max(settings.first_token_timeout_s * 4, 10.0)
    if kind == "anthropic":
        from .anthropic_backend import DEFAULT_MODEL, AnthropicBackend

        return AnthropicBackend(
            settings.api_key, settings.model or DEFAULT_MODEL, base_url=settings.base_url or None, timeout_s=timeout
        )
    if kind == "openai":
        from .openai_backend import OpenAIBackend

        if not settings.model:
            raise EngineLoadError("llm.backend = 'openai' needs llm.model (and llm.base_url for a local server)")
        return OpenAIBackend(settings.api_key, settings.model, base_url=settings.base_url or None, timeout_s=timeout)
    try:
        from .embedded import EmbeddedBackend
    except ImportError as exc:
        raise EngineLoadError(
            f"the embedded LLM needs llama-cpp-python ({exc}); install it, or set llm.backend = 'off'"
        ) from exc
    return EmbeddedBackend.from_settings(settings)


def build_fallback(settings: LlmSettings) -> LlmBackend | None:
    """The embedded model as fallback for a remote backend, when ``llm.fallback = 'embedded'``."""
    if settings.fallback != "embedded" or settings.backend in ("embedded", "off"):
        return None
    return build_backend(settings, "embedded")
