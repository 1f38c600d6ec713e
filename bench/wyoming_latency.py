"""Wyoming latency: device audio in -> first reply audio out, through Hark's Wyoming side and
in-process on the same audio (target: Wyoming adds at most 10 ms median).

Three paths, interleaved round by round, each timed from the moment the chunk holding the end of
the user's speech has been handed over to the moment the first reply audio comes back:

* ``in-process``: a device session hears the audio and answers (``listen`` from speech
  recognition, a sink that notes its first audio): the pipeline with no protocol at all;
* ``wyoming run-pipeline``: a satellite's ``run-pipeline`` (asr -> tts) over TCP, the audio as
  ``audio-chunk`` events, the reply audio back as events (the same session machinery);
* ``wyoming transcribe+handle+synthesize``: Home Assistant's way with separate services, one
  connection each: ``transcribe`` (the audio ends at ``audio-stop``, sent by the peer's own VAD:
  here 0.7 s after the speech, as Home Assistant's default), ``transcript`` -> ``handled``,
  ``synthesize`` -> audio.

The request is ``What is the date today?`` (tests/data/date_request.wav) with a second of
silence (the in-process and run-pipeline paths decide the end of the turn from it), sent in
64 ms chunks at the pace a microphone makes them, so each path has heard what came before the
last chunk when it is handed over (as on a real device).

    python -m bench.wyoming_latency [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # wyoming.audio imports audioop
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient
    from wyoming.event import Event
    from wyoming.handle import Handled
    from wyoming.pipeline import PipelineStage, RunPipeline
    from wyoming.tts import Synthesize

from bench.metrics import announce_machine, format_row, summary, table_header, write_json

ROOT = Path(__file__).resolve().parent.parent
WAV = ROOT / "tests" / "data" / "date_request.wav"
OUT = ROOT / "bench" / "results" / "wyoming_latency.json"
CHUNK = 1024
"""Samples per chunk (64 ms), each sent when a microphone would have it."""
AFTER_AUDIO_STOP: list[float] = []
"""The three-service path from its ``audio-stop`` (what Hark takes once the peer's VAD decided)."""
PEER_VAD_TAIL = 11_200
"""Silence a peer's own VAD waits before ``audio-stop`` (0.7 s)."""


async def paced(n: int) -> AsyncIterator[int]:
    """Chunk indexes at microphone pace."""
    t0 = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, t0 + i * CHUNK / 16000 - time.perf_counter()))
        yield i


class FirstAudio:
    """A sink (no pacing) that notes when the first reply audio reached it."""

    def __init__(self) -> None:
        from hark.audio.sinks import NullSink

        class _Sink(NullSink):
            first: float | None = None

            async def _write(self, chunk: Any) -> None:
                if self.first is None:
                    self.first = time.perf_counter()
                await super()._write(chunk)

        self.sink = _Sink()


async def in_process(household: Any, engines: Any, samples: np.ndarray, speech_end: int) -> float:
    from hark.audio.chunk import AudioChunk as HarkChunk
    from hark.events import Stage
    from hark.session import open_device_session

    first = FirstAudio()
    session = open_device_session(household, engines, first.sink, device_id="bench-in-process")
    handed = 0.0

    async def source() -> AsyncIterator[HarkChunk]:
        nonlocal handed
        async for i in paced(-(-len(samples) // CHUNK)):
            s = i * CHUNK
            if s < speech_end <= s + CHUNK:
                handed = time.perf_counter()
            yield HarkChunk(samples[s : s + CHUNK], 16000, t=time.monotonic(), audio_t=s / 16000)

    await session.listen(source(), first.sink, max_turns=1, start=Stage.STT)
    assert first.sink.first is not None, "no reply audio"
    return (first.sink.first - handed) * 1000


def chunk_events(samples: np.ndarray) -> list[Event]:
    raw = samples.astype("<i2").tobytes()
    return [
        AudioChunk(rate=16000, width=2, channels=1, audio=raw[i : i + CHUNK * 2]).event()
        for i in range(0, len(raw), CHUNK * 2)
    ]


async def run_pipeline(host: str, port: int, samples: np.ndarray, speech_end: int) -> float:
    async with AsyncTcpClient(host, port) as c:
        await c.write_event(RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS).event())
        events = chunk_events(samples)
        handed = 0.0
        reading = asyncio.create_task(_first_audio(c))
        try:
            async for i in paced(len(events)):
                if reading.done():
                    break
                await c.write_event(events[i])
                if i * CHUNK < speech_end <= (i + 1) * CHUNK:
                    handed = time.perf_counter()
            return (await reading - handed) * 1000
        finally:
            reading.cancel()
            await asyncio.wait({reading})


async def _first_audio(c: AsyncTcpClient) -> float:
    while (event := await c.read_event()) is not None:
        if event.type == "audio-chunk":
            return time.perf_counter()
        if event.type == "error":
            raise RuntimeError(event.data)
    raise RuntimeError("no reply audio")


async def three_services(host: str, port: int, samples: np.ndarray, speech_end: int) -> float:
    async with AsyncTcpClient(host, port) as c:
        await c.write_event(Transcribe(language="en").event())
        await c.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        events = chunk_events(samples[: speech_end + PEER_VAD_TAIL])
        handed = 0.0
        async for i in paced(len(events)):
            await c.write_event(events[i])
            if i * CHUNK < speech_end <= (i + 1) * CHUNK:
                handed = time.perf_counter()
        await c.write_event(AudioStop().event())
        stopped = time.perf_counter()
        while (event := await c.read_event()) is not None and event.type != "transcript":
            pass
        assert event is not None
        text = Transcript.from_event(event).text
    async with AsyncTcpClient(host, port) as c:
        await c.write_event(Transcript(text=text, language="en", context={"conversation_id": "bench"}).event())
        while (event := await c.read_event()) is not None and event.type not in ("handled", "not-handled"):
            pass
        assert event is not None
        reply = Handled.from_event(event).text or ""
    async with AsyncTcpClient(host, port) as c:
        await c.write_event(Synthesize(text=reply).event())
        while (event := await c.read_event()) is not None:
            if event.type == "audio-chunk":
                now = time.perf_counter()
                AFTER_AUDIO_STOP.append((now - stopped) * 1000)
                return (now - handed) * 1000
    raise RuntimeError("no reply audio")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from hark.audio import read_wav
    from hark.config import load_settings
    from hark.engines import load_engines
    from hark.household import Household
    from hark.server.context import ServerContext, ServerOptions
    from hark.wyoming import WyomingService

    data = Path(tempfile.mkdtemp(prefix="hark-bench-wyoming-"))
    settings = load_settings(env={"HARK_DATA_DIR": str(data), "HARK_LLM__BACKEND": "off"}, user_config=False)
    engines = await load_engines(settings)
    household = await Household.open(settings)
    service = WyomingService(
        ServerContext(household, engines, household.paired_devices, settings, ServerOptions()), ["tcp://127.0.0.1:0"]
    )
    await service.start()
    host, port = service.addresses()[0].removeprefix("tcp://").rsplit(":", 1)
    speech = read_wav(WAV)[0]
    samples = np.concatenate([speech, np.zeros(16000, np.int16)])
    loud = np.nonzero(np.abs(speech.astype(np.int32)) > 1000)[0]
    end = int(loud[-1]) + 1  # the last sample of the words (the recording has its own silence after)
    paths = {
        "in-process": lambda: in_process(household, engines, samples, end),
        "wyoming run-pipeline": lambda: run_pipeline(host, int(port), samples, end),
        "wyoming transcribe+handle+synthesize": lambda: three_services(host, int(port), samples, end),
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    try:
        for path in paths.values():  # warm-up: first decodes, first synthesis
            await path()
        for _ in range(args.rounds):
            for name, path in paths.items():
                times[name].append(await path())
    finally:
        await service.stop()
        await household.close()
        await engines.aclose()
    stats = {name: summary(v) for name, v in times.items()}
    base = stats["in-process"]["median"]
    added = {
        name: round(float(s["median"]) - float(base), 1)  # type: ignore[arg-type]
        for name, s in stats.items()
        if name != "in-process"
    }
    after_stop = summary(AFTER_AUDIO_STOP[-args.rounds :])
    return {"ms": stats, "raw_ms": times, "added_median_ms": added, "three_services_after_audio_stop_ms": after_stop}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.wyoming_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    machine = announce_machine()
    t0 = time.perf_counter()
    body = asyncio.run(run(args))
    print(table_header("end of speech -> first reply audio, ms", 40))
    for name, s in body["ms"].items():
        print(format_row(name, s, 40))
    print(format_row("  (from its audio-stop)", body["three_services_after_audio_stop_ms"], 40))
    for name, added in body["added_median_ms"].items():
        verdict = "ok" if added <= 10 else "over the 10 ms target"
        note = " (includes the peer's own 0.7 s end-of-turn wait)" if "handle" in name else ""
        print(f"{name}: adds {added:+.1f} ms median over in-process ({verdict}){note}")
    report = {
        "benchmark": "wyoming_latency",
        "cpu_model": machine["cpu"]["model"],  # type: ignore[index]
        "machine": machine,
        "request": "What is the date today? (tests/data/date_request.wav + 1 s silence)",
        "rounds": args.rounds,
        "target_added_median_ms": 10,
        "wall_s": round(time.perf_counter() - t0, 1),
        **body,
    }
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
