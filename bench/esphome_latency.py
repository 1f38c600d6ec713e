"""Latency through an ESPHome voice device vs the in-process pipeline, on the same audio.

    .venv/bin/python -m bench.esphome_latency [--reps N] [--out bench/results/esphome_latency.json]

Each spoken request (``tests/data``: date questions and a shopping-list request, then 1.5 s of
room silence) is streamed in real time, 512 samples a message, by a test device that
speaks the real ESPHome native API (``tests/esphome_device.py``) to Hark's controller
(``aioesphomeapi`` client, the device session, the reply streamed back): over the API
(a device with a speaker) and from the hosted URL (a device that fetches it, as Linux
Voice Assistant does). The same audio is also fed, paced the same way, straight into a
device session (``listen`` from speech recognition) whose sink notes its first chunk.

Measured: from the true end of speech in the recording (its last loud sample) to the
first reply audio (at the device: the first ``VoiceAssistantAudio``, or the first PCM
byte of the fetched WAV; in process: the sink's first chunk). Reported per path with
median/p95 and the ESPHome paths' overhead over the in-process one (target: <= 10 ms
median). Also: from the reply's first audio handed to the device's sink to its arrival at
the device (what the protocol adds on the way out). One household (classic brain),
engines loaded once, runs interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from bench.metrics import announce_machine, format_row, summary, table_header, write_json
from hark.audio import read_wav
from hark.audio.chunk import AudioChunk
from hark.audio.sinks import AudioSink
from hark.config import load_settings
from hark.engines import load_engines
from hark.esphome.controller import EsphomeController
from hark.events import Stage
from hark.household import Household
from hark.session import open_device_session
from tests.conftest import DATA
from tests.esphome_device import LVA_FEATURES, SPEAKER_FEATURES, EsphomeTestDevice, controller_of, served_devices

FILES = ("date_request.wav", "date_request_espeak.wav", "asr_flite_slt_shopping.wav")


def speech_end_s(samples: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 500)
    return float(loud[-1] + 1) / 16000 if len(loud) else 0.0


class FirstChunk(AudioSink):
    """Notes when the first reply audio arrives; plays at once."""

    name = "first-chunk"

    def __init__(self) -> None:
        self.first_t: float | None = None

    async def _write(self, chunk: AudioChunk) -> None:
        if self.first_t is None:
            self.first_t = time.monotonic()
        self.position += chunk.seconds


async def paced(samples: np.ndarray, t0: float) -> AsyncIterator[AudioChunk]:
    """The microphone: 512-sample blocks at real time from ``t0``."""
    for i in range(0, len(samples), 512):
        await asyncio.sleep(max(0.0, t0 + i / 16000 - time.monotonic()))
        yield AudioChunk(samples[i : i + 512], 16000, t=time.monotonic(), audio_t=i / 16000)


async def in_process(household: Household, engines: object, samples: np.ndarray) -> float | None:
    sink = FirstChunk()
    session = open_device_session(household, engines, sink, device_id="bench-inproc")  # type: ignore[arg-type]
    t0 = time.monotonic()
    await session.listen(paced(samples, t0), sink, max_turns=1, start=Stage.STT)
    return None if sink.first_t is None else (sink.first_t - t0 - speech_end_s(samples)) * 1000


async def through(
    device: EsphomeTestDevice, controller: EsphomeController, samples: np.ndarray, transport: list[float]
) -> float | None:
    run = await device.run(samples, realtime=True)
    if run.first_audio_t is None:
        return None
    handed = controller.satellite.sink.started_at if controller.satellite is not None else None
    if handed is not None:
        transport.append((run.first_audio_t - handed) * 1000)
    return (run.first_audio_t - run.mic_start_t - speech_end_s(samples)) * 1000


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=4, help="runs of each file on each path")
    ap.add_argument("--out", type=Path, default=Path("bench/results/esphome_latency.json"))
    args = ap.parse_args()
    machine = announce_machine()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={"HARK_DATA_DIR": tmp}, user_config=False).replace(llm={"backend": "off"})
        engines = await load_engines(settings)
        audio = {name: np.concatenate([read_wav(DATA / name)[0], np.zeros(24000, np.int16)]) for name in FILES}
        api = EsphomeTestDevice("bench-speaker", features=SPEAKER_FEATURES)
        url = EsphomeTestDevice("bench-url", features=LVA_FEATURES)
        results: dict[str, list[float]] = {"in_process": [], "esphome_api_audio": [], "esphome_url": []}
        missing: dict[str, int] = dict.fromkeys(results, 0)
        paired: dict[str, list[float]] = {"esphome_api_audio": [], "esphome_url": []}
        transport: dict[str, list[float]] = {"esphome_api_audio": [], "esphome_url": []}
        try:
            async with served_devices(settings, engines, Path(tmp) / "esphome", api, url) as (household, fleet):
                for rep in range(args.reps):
                    for name, samples in audio.items():
                        item: dict[str, float] = {}
                        for path in (
                            ("in_process", "esphome_api_audio", "esphome_url")[(rep + k) % 3] for k in range(3)
                        ):
                            if path == "in_process":
                                ms = await in_process(household, engines, samples)
                            else:
                                device = api if path == "esphome_api_audio" else url
                                ms = await through(device, controller_of(fleet, device), samples, transport[path])
                            if ms is None:
                                missing[path] += 1
                            else:
                                results[path].append(ms)
                                item[path] = ms
                            print(f"{rep} {name:28} {path:18} {ms if ms is None else round(ms, 1)}", flush=True)
                        for k in paired:
                            if k in item and "in_process" in item:
                                paired[k].append(item[k] - item["in_process"])
        finally:
            engines.close()
    stats = {k: summary(v) for k, v in results.items()}
    print("\n" + table_header("end of speech -> first reply audio (ms)"))
    for k, s in stats.items():
        print(format_row(k, s))
    base = stats["in_process"]["median"]
    overhead = {
        k: round(float(stats[k]["median"]) - float(base), 1)  # type: ignore[arg-type]
        for k in ("esphome_api_audio", "esphome_url")
        if base is not None and stats[k]["median"] is not None
    }
    print(f"\nmedian overhead over in-process: {overhead} ms (target <= 10 ms)")
    print(table_header("paired (same file, same rep) overhead ms"))
    for k, v in paired.items():
        print(format_row(k, summary(v)))
    print(table_header("reply handed on -> at the device, ms"))
    for k, v in transport.items():
        print(format_row(k, summary(v)))
    write_json(
        args.out,
        {
            "machine": machine,
            "files": list(FILES),
            "reps": args.reps,
            "ms": stats,
            "overhead_median_ms": overhead,
            "missing": missing,
            "raw_ms": results,
            "paired_overhead_ms": {k: summary(v) for k, v in paired.items()},
            "transport_ms": {k: summary(v) for k, v in transport.items()},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
