"""The ``hark`` command as a user runs it (real subprocesses, real engines)."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from tests.conftest import DATA, SRC
from tests.textmatch import wer


def hark_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The whole environment of a ``hark`` child: this tree's code, the run's data folder, and a
    home of its own, so the user's ``~/.config/hark/config.toml`` is never read."""
    home = data_dir.parent / f"{data_dir.name}-home"
    (home / ".config").mkdir(parents=True, exist_ok=True)
    return {
        "HARK_DATA_DIR": str(data_dir),
        "PATH": "/usr/bin:/bin",
        "HARK_BRAIN__TIMEZONE": "UTC",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHONPATH": str(SRC),
        **extra,
    }


def hark(*args: str, data_dir: Path, timeout: float = 240, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``hark`` as a user would; ``env`` adds variables (``HARK_LLM__BACKEND="off"``)."""
    return subprocess.run(
        [sys.executable, "-m", "hark", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=hark_env(data_dir, **env),
        check=False,
    )


def test_ask_text_json(data_dir: Path) -> None:
    p = hark("ask", "What time is it?", "--json", data_dir=data_dir)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["transcript"] == "What time is it?"
    assert out["reply"].startswith("It's ") and out["intent"] == "HassGetCurrentTime"
    types = [e["type"] for e in out["events"]]
    assert types[0] == "run-start" and types[-1] == "run-end"
    assert "tts-audio" in types  # text requests are still spoken (to a null sink) so TTS time shows


def test_ask_audio_writes_the_spoken_reply(data_dir: Path, tmp_path: Path) -> None:
    out_wav = tmp_path / "reply.wav"
    p = hark("ask", "--audio", str(DATA / "date_request.wav"), "--output", str(out_wav), "--json", data_dir=data_dir)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert wer("What is the date today?", out["transcript"]) <= 0.25
    assert out["reply"].startswith("Today is ")
    assert {"end_of_turn", "transcript", "first_audio"} <= set(out["timings_ms"])
    with wave.open(str(out_wav)) as w:
        assert w.getnframes() / w.getframerate() > 1.5


def test_listen_on_a_file_prints_each_turn(data_dir: Path, tmp_path: Path) -> None:
    out_wav = tmp_path / "replies.wav"
    p = hark("listen", "--input", str(DATA / "wake_time_piper.wav"), "--output", str(out_wav), data_dir=data_dir)
    assert p.returncode == 0, p.stderr
    assert "wake word : hey_jarvis" in p.stdout
    assert "heard     : 'What time is it?'" in p.stdout
    assert "reply     : \"It's " in p.stdout
    assert "first_audio" in p.stdout
    assert out_wav.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (b"not audio at all, sorry", "not a WAV file")],
)
def test_bad_audio_is_refused_clearly(data_dir: Path, tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    for args in (("ask", "--audio", str(bad)), ("listen", "--input", str(bad))):
        p = hark(*args, data_dir=data_dir)
        assert p.returncode == 2
        assert "error [audio-format]" in p.stderr and message in p.stderr
        assert "Traceback" not in p.stderr


def test_bad_config_is_reported_with_its_key(data_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[tts]\nengine = 'sam'\n")
    p = hark("--config", str(cfg), "config", "check", data_dir=data_dir)
    assert p.returncode == 2 and "error [config-invalid]: tts.engine: 'sam'" in p.stderr


def test_config_check_finds_the_models(data_dir: Path) -> None:
    p = hark("config", "check", data_dir=data_dir)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ok   turn.smart_turn_model" in p.stdout and "smart-turn-v3" in p.stdout
    assert "ok   classic.language: en" in p.stdout and "ok   storage.url: sqlite" in p.stdout
    assert "ok   llm: embedded" in p.stdout and ".gguf" in p.stdout
    assert p.stderr == ""


def test_the_child_never_reads_the_config_of_whoever_runs_the_tests(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user = tmp_path / "user"
    (user / ".config" / "hark").mkdir(parents=True)
    (user / ".config" / "hark" / "config.toml").write_text("[tts]\nengine = 'sam'\n")  # refused if read
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user / ".config"))
    p = hark("config", "check", data_dir=data_dir, HARK_LLM__BACKEND="off")
    assert "config: defaults" in p.stdout and "sam" not in p.stderr, p.stdout + p.stderr
