"""Make the flite recordings committed for tests/test_asr_voices.py (run once; outputs are committed).

    .venv/bin/python -m bench.asr.fixtures

flite is deterministic, so a rerun writes the same bytes. The speech is trimmed of its
silence; the test lays it out with silence itself.
"""

from __future__ import annotations

from pathlib import Path

from bench.asr.voices import flite, trim
from hark.audio.chunk import SAMPLE_RATE
from hark.audio.wav import write_wav

DATA = Path(__file__).resolve().parent.parent.parent / "tests" / "data"

FIXTURES = {
    "asr_flite_slt_shopping.wav": ("slt", "Add milk to the shopping list."),
    "asr_flite_rms_timer.wav": ("rms", "Set a timer for one hour."),
}
"""File name: (flite voice, what it says)."""


def main() -> None:
    for name, (voice, text) in FIXTURES.items():
        write_wav(DATA / name, trim(flite(text, voice)), SAMPLE_RATE)
        print(f"wrote {DATA / name}")


if __name__ == "__main__":
    main()
