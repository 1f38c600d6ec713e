"""``hark`` fails cleanly: one line naming the setting and what to do, never a traceback, and
every failure of a turn in its JSON ``errors`` with a non-zero exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SRC
from tests.fake_llm_servers import closed_port
from tests.test_cli import hark, hark_env

BAD_SETTINGS = {
    "classic.language": "[classic]\nlanguage = 'xx'\n",
    "storage.url": "[storage]\nurl = 'notaurl://'\n",
    "stt.model": "[stt]\nmodel = '/nonexistent/whisper-folder'\n",
    "llm.model_path": "[llm]\nmodel_path = '/nonexistent/model.gguf'\n",
}


@pytest.mark.parametrize("setting", list(BAD_SETTINGS))
def test_a_setting_that_cannot_work_is_one_line_for_config_check_and_ask(
    setting: str, tmp_path: Path, data_dir: Path
) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text(BAD_SETTINGS[setting])
    check = hark("--config", str(cfg), "config", "check", data_dir=tmp_path)
    assert check.returncode == 2, check.stdout + check.stderr
    assert check.stderr.splitlines() == [check.stderr.strip()]  # one line
    assert check.stderr.startswith(f"hark: error [config-invalid]: {setting}: ")
    assert "ok   data_dir" in check.stdout  # the other checks still ran and passed
    ask = hark("--config", str(cfg), "ask", "what time is it", "--no-tts", data_dir=tmp_path)
    assert ask.returncode == 2 and ask.stdout == ""
    assert ask.stderr.splitlines() == [check.stderr.strip()]  # the same line, refused at start
    for p in (check, ask):
        assert "Traceback" not in p.stderr


def test_config_check_reports_every_problem_not_only_the_first(tmp_path: Path) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text("".join(BAD_SETTINGS.values()).replace("[llm]", "[llm]\nbackend = 'embedded'"))
    p = hark("--config", str(cfg), "config", "check", data_dir=tmp_path)
    assert p.returncode == 2
    assert [line.split(":")[2].strip() for line in p.stderr.splitlines()] == list(BAD_SETTINGS)


def test_what_each_line_says_to_do(tmp_path: Path) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text("".join(BAD_SETTINGS.values()))
    lines = hark("--config", str(cfg), "config", "check", data_dir=tmp_path).stderr.splitlines()
    assert "set it to one of the" in lines[0] and "e.g. en, fr" in lines[0]
    assert "names no database SQLAlchemy knows" in lines[1] and "postgresql+asyncpg://" in lines[1]
    assert 'does not exist; set it to "base" or to a CTranslate2 Whisper folder' in lines[2]
    assert "does not exist; point it at a .gguf model file" in lines[3]


def test_a_toml_string_where_a_list_is_meant_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "hark.toml"
    cfg.write_text("[wake]\nwords = 'hey_jarvis'\n")
    p = hark("--config", str(cfg), "ask", "what time is it", "--no-tts", data_dir=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == (
        "hark: error [config-invalid]: wake.words: expected a list of strings, got 'hey_jarvis'; "
        'write words = ["hey_jarvis"]'
    )


BUGGY_HARK = """
import logging, sys
import hark.cli

async def _ask(args, settings):
    logging.getLogger("hark.pipeline").error("a component failed", exc_info=ValueError("inner detail"))
    raise RuntimeError("boom")

hark.cli._ask = _ask
sys.exit(hark.cli.main(sys.argv[1:]))
"""


def _buggy(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BUGGY_HARK, "ask", "hi", *args],
        capture_output=True,
        text=True,
        env=hark_env(tmp_path, HARK_LLM__BACKEND="off", PYTHONPATH=str(SRC), **env),
        timeout=120,
        check=False,
    )


def test_a_bug_is_one_line_with_a_hint_and_the_traceback_only_when_asked(tmp_path: Path) -> None:
    p = _buggy(tmp_path)
    assert p.returncode == 1
    assert p.stderr.splitlines() == [
        "hark: error: a component failed: ValueError: inner detail",
        "hark: error [internal]: RuntimeError: boom (run again with -v or HARK_DEBUG=1 to see the traceback)",
    ]
    for debug in (_buggy(tmp_path, HARK_DEBUG="1"), _buggy(tmp_path, "-v")):
        assert debug.returncode == 1
        assert "Traceback (most recent call last)" in debug.stderr and "in _ask\nRuntimeError: boom" in debug.stderr
        assert "hark: error: a component failed\nValueError: inner detail\n" in debug.stderr


def test_a_failing_llm_is_in_the_turn_errors_and_the_exit_code(tmp_path: Path) -> None:
    p = hark(
        "ask",
        "tell me a story about a dragon",
        "--json",
        "--no-tts",
        data_dir=tmp_path,
        HARK_LLM__BACKEND="openai",
        HARK_LLM__MODEL="test-model",
        HARK_LLM__BASE_URL=f"http://127.0.0.1:{closed_port()}/v1",
        HARK_LLM__FALLBACK="classic",
    )
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["reply"]  # an apology was still spoken
    assert [e["code"] for e in out["errors"]] == ["llm-unreachable"]
    assert out["errors"][0]["message"].startswith("openai failed")
    assert out["events"][-1]["type"] == "run-end" and out["events"][-1]["ok"] is False
    assert "openai failed" not in p.stderr  # in the JSON, not also on stderr


def test_a_100_kb_request_fails_in_the_json_not_only_on_stderr(tmp_path: Path) -> None:
    p = hark("ask", "a" * 100_000, "--json", "--no-tts", data_dir=tmp_path)
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert [e["code"] for e in out["errors"]] == ["llm-context-overflow"]
    assert "does not fit in llm.context_tokens" in out["errors"][0]["message"]
    assert "Traceback" not in p.stderr and "failed" not in p.stderr
