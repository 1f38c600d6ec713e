"""Collect a turn's events and read its timings off them."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..events import (
    BrainEnd,
    BrainStart,
    BrainText,
    ErrorEvent,
    Event,
    PlaybackStart,
    RunStart,
    SttEnd,
    SttStart,
    TtsAudio,
    VadEnd,
    WakeEnd,
    encode,
)


@dataclasses.dataclass
class TurnTrace:
    events: list[Event] = dataclasses.field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def first(self, cls: type[Event]) -> Event | None:
        return next((e for e in self.events if isinstance(e, cls)), None)

    def timings_ms(self) -> dict[str, float]:
        """Milliseconds from end of speech (or from the run start in text runs) to each stage mark."""
        out: dict[str, float] = {}
        vad_end = self.first(VadEnd)
        run = self.first(RunStart)
        if isinstance(vad_end, VadEnd):
            origin = vad_end.speech_end_t
            out["end_of_turn"] = (vad_end.t - origin) * 1000
        elif run is not None:
            origin = run.t
        else:
            return out
        marks: dict[str, type[Event]] = {
            "transcript": SttEnd,
            "first_reply_text": BrainText,
            "reply_text_done": BrainEnd,
            "first_audio": TtsAudio,
            "playback_start": PlaybackStart,
        }
        for name, cls in marks.items():
            e = self.first(cls)
            if e is not None:
                out[name] = (e.t - origin) * 1000
        stt_start = self.first(SttStart)
        stt_end = self.first(SttEnd)
        if stt_start and stt_end and not isinstance(vad_end, VadEnd):
            out["stt"] = (stt_end.t - stt_start.t) * 1000
        return {k: round(v, 1) for k, v in out.items()}

    def summary(self) -> dict[str, Any]:
        stt = self.first(SttEnd)
        brain = self.first(BrainEnd)
        asked = self.first(BrainStart)
        wake = self.first(WakeEnd)
        vad_end = self.first(VadEnd)
        return {
            "wake_word": wake.wake_word if isinstance(wake, WakeEnd) else None,
            "transcript": stt.text
            if isinstance(stt, SttEnd)
            else asked.text
            if isinstance(asked, BrainStart)
            else None,
            "speculative_transcript": stt.speculative_hit if isinstance(stt, SttEnd) else None,
            "reply": brain.text if isinstance(brain, BrainEnd) else None,
            "brain": brain.brain if isinstance(brain, BrainEnd) else None,
            "intent": brain.intent if isinstance(brain, BrainEnd) else None,
            "end_of_turn": vad_end.reason if isinstance(vad_end, VadEnd) else None,
            "errors": [{"code": e.code, "message": e.message} for e in self.events if isinstance(e, ErrorEvent)],
            "timings_ms": self.timings_ms(),
            "events": [encode(e) for e in self.events],
        }


def format_trace(trace: TurnTrace, *, verbose: bool = False) -> str:
    s = trace.summary()
    lines = []
    if s["wake_word"]:
        lines.append(f"wake word : {s['wake_word']}")
    if s["transcript"] is not None:
        lines.append(f"heard     : {s['transcript']!r}")
    lines.append(f"reply     : {s['reply']!r}  [{s['brain']}{' / ' + s['intent'] if s['intent'] else ''}]")
    for err in s["errors"]:
        lines.append(f"error     : {err['code']}: {err['message']}")
    t = s["timings_ms"]
    origin = "after end of speech" if "end_of_turn" in t else "after start"
    extra = f" ({s['end_of_turn']})" if s["end_of_turn"] else ""
    lines.append(f"timings   : ms {origin}{extra}")
    lines.extend(f"  {k:<17} {v:8.1f}" for k, v in t.items())
    if verbose:
        t0 = trace.events[0].t if trace.events else 0.0
        lines.append("events    :")
        for e in trace.events:
            d = encode(e)
            d.pop("t")
            kind = d.pop("type")
            body = ", ".join(f"{k}={v!r}" for k, v in d.items())
            lines.append(f"  {(e.t - t0) * 1000:9.1f} ms  {kind:<15} {body}")
    return "\n".join(lines)
