import dataclasses
import json
import typing

import pytest

from hark import events as ev


def _sample(cls: type[ev.Event]) -> ev.Event:
    kwargs: dict[str, object] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if tp is float:
            kwargs[f.name] = 1.25
        elif tp is int:
            kwargs[f.name] = 7
        elif tp is bool:
            kwargs[f.name] = True
        elif tp is str:
            kwargs[f.name] = "text"
        elif tp is ev.Stage or tp == (ev.Stage | None):
            kwargs[f.name] = ev.Stage.STT
        elif tp == tuple[str, ...]:
            kwargs[f.name] = ("hey_jarvis", "alexa")
        elif tp == (float | None):
            kwargs[f.name] = 0.75
        elif tp == (str | None):
            kwargs[f.name] = "GetTime"
        else:
            raise AssertionError(f"no sample for {cls.__name__}.{f.name}: {tp}")
    return cls(**kwargs)


@pytest.mark.parametrize("name", sorted(ev.event_types()))
def test_every_event_round_trips_through_json(name: str) -> None:
    cls = ev.event_types()[name]
    event = _sample(cls)
    encoded = ev.encode(event)
    assert encoded["type"] == name
    wire = json.loads(json.dumps(encoded))
    assert ev.decode(wire) == event


def test_stage_events_come_in_start_end_pairs() -> None:
    names = set(ev.event_types())
    for stage in ("run", "wake", "vad", "stt", "brain", "tts", "playback"):
        assert f"{stage}-start" in names and f"{stage}-end" in names


def test_events_are_frozen() -> None:
    e = ev.SttEnd(t=1.0, text="hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.text = "other"  # type: ignore[misc]


def test_decode_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        ev.decode({"type": "nope", "t": 1.0})


def test_decode_restores_enums_and_tuples() -> None:
    e = ev.decode({"type": "error", "t": 2, "code": "c", "message": "m", "stage": "tts"})
    assert isinstance(e, ev.ErrorEvent) and e.stage is ev.Stage.TTS and isinstance(e.t, float)
    w = ev.decode({"type": "wake-start", "t": 0.0, "wake_words": ["Hey Jarvis"]})
    assert isinstance(w, ev.WakeStart) and w.wake_words == ("Hey Jarvis",)


def test_registering_a_type_twice_fails() -> None:
    with pytest.raises(ValueError, match="twice"):

        @ev.register("stt-end")
        @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
        class Dup(ev.Event):
            pass
