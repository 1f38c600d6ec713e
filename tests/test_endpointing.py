from hark.pipeline.endpointing import Endpointer, Signal

W = 0.032


def run(probs: list[float], **kw: float) -> list[tuple[int, Signal]]:
    ep = Endpointer(window_s=W, **kw)  # type: ignore[arg-type]
    return [(i, s) for i, p in enumerate(probs) if (s := ep.update(p)) is not Signal.NONE]


def test_silence_only_never_ends_a_turn() -> None:
    assert run([0.0] * 200) == []


def test_speech_then_pause_asks_smart_turn_then_ends_at_max_silence() -> None:
    probs = [0.0] * 3 + [0.9] * 20 + [0.0] * 60
    signals = run(probs, pause_ms=192, max_silence_ms=1200)
    assert signals[0] == (3, Signal.SPEECH_START)
    # 6 silent windows (192 ms) after the last voiced window (index 22)
    assert signals[1] == (28, Signal.ASK_TURN)
    # told "not finished", it is asked again every 320 ms (10 windows) of further silence
    assert signals[2:5] == [(38, Signal.ASK_TURN), (48, Signal.ASK_TURN), (58, Signal.ASK_TURN)]
    # 1200 ms = 37.5 -> 38 windows of silence
    assert signals[5] == (22 + 38, Signal.END_SILENCE)
    assert len(signals) == 6


def test_hysteresis_keeps_speech_through_a_dip() -> None:
    # 0.4 is under the 0.5 threshold but over 0.35: still speech once started
    probs = [0.9] * 5 + [0.4] * 10 + [0.0] * 7
    signals = run(probs, pause_ms=192)
    assert signals == [(0, Signal.SPEECH_START), (20, Signal.ASK_TURN)]


def test_speech_resuming_asks_again_after_the_next_pause() -> None:
    probs = [0.9] * 5 + [0.0] * 7 + [0.9] * 5 + [0.0] * 7
    signals = [s for _, s in run(probs, pause_ms=192)]
    assert signals == [Signal.SPEECH_START, Signal.ASK_TURN, Signal.ASK_TURN]


def test_max_turn_length() -> None:
    signals = run([0.9] * 100, max_turn_s=1.0)
    assert signals == [(0, Signal.SPEECH_START), (30, Signal.END_LENGTH)]  # the 31st window: 31 x 32 ms ~ 1 s


def test_rearm_waits_for_new_speech() -> None:
    e = Endpointer(window_s=0.032, pause_ms=64, max_silence_ms=320)
    assert e.update(0.9) is Signal.SPEECH_START
    e.rearm()
    assert not e.speech_started and not e.voiced
    # silence after a re-arm never ends the turn: it waits for speech again
    assert all(e.update(0.0) is Signal.NONE for _ in range(40))
    assert e.update(0.9) is Signal.SPEECH_START
