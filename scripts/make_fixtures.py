"""Make the committed test recordings and the demo WAV (run once; outputs are committed).

.venv/bin/python scripts/make_fixtures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.voices import add_noise, espeak, hibari, pink_noise, piper, silence  # noqa: E402
from hark.audio.wav import write_wav  # noqa: E402

DATA = ROOT / "tests" / "data"


ONLY = set(sys.argv[1:])
"""File names to make; none named makes all (Piper is not deterministic: each run changes the bytes)."""


def save(name: str, *parts: np.ndarray, where: Path = DATA, snr_db: float | None = None) -> None:
    if ONLY and name not in ONLY:
        return
    where.mkdir(parents=True, exist_ok=True)
    audio = np.concatenate(parts)
    if snr_db is not None:
        audio = add_noise(audio, snr_db, pink_noise(len(audio), seed=7))
    write_wav(where / name, audio, 16000)
    print(name, f"{sum(len(p) for p in parts) / 16000:.2f} s")


def main() -> None:
    save("wake_time_hibari.wav", silence(0.8), hibari("Hey Jarvis, what time is it?"), silence(2.0))
    save("wake_time_piper.wav", silence(0.8), piper("Hey Jarvis, what time is it?"), silence(2.0))
    save("wake_date_piper_fast.wav", silence(0.8), piper("Hey Jarvis, what is the date today?", 1.15), silence(2.0))
    # microWakeWord rarely fires on espeak's robotic voice; espeak is used for a request without wake word
    save("date_request_espeak.wav", silence(0.3), espeak("What is the date today?"), silence(0.6))
    save(
        "no_wake.wav",
        silence(0.5),
        hibari("What time is it in Paris? I think we should leave soon."),
        silence(0.5),
        piper("Can you tell me a joke about cats and dogs?"),
        silence(1.0),
    )
    save("date_request.wav", silence(0.3), piper("What is the date today?"), silence(0.6))
    save("unknown_request.wav", silence(0.3), hibari("Play some jazz in the kitchen."), silence(0.6))
    # barge-in: the long date answer is interrupted ~1.3 s into playback by a new question
    save(
        "barge_in.wav",
        silence(0.8),
        piper("Hey Jarvis, what day is it tomorrow?"),
        silence(1.6),
        hibari("What time is it?"),
        silence(3.0),
        snr_db=10.0,
    )
    save(
        "demo.wav",
        silence(0.8),
        hibari("Hey Jarvis, what time is it?"),
        silence(4.0),
        piper("Hey Jarvis, what is the date today?"),
        silence(1.0),
        where=ROOT / "src" / "hark" / "data",
    )


if __name__ == "__main__":
    main()
