import pytest

from hark.pipeline.wakestrip import strip_wake_phrase


@pytest.mark.parametrize(
    ("heard", "phrases", "request_text"),
    [
        ("Hey Jarvis, what time is it?", ["Hey Jarvis"], "What time is it?"),
        ("Jarvis, what time is it?", ["Hey Jarvis"], "What time is it?"),
        ("A Jarvis, what's the date?", ["Hey Jarvis"], "What's the date?"),
        ("A. Jarvis, what's the date?", ["Hey Jarvis"], "What's the date?"),
        ("H. Arvis, what's the date?", ["Hey Jarvis"], "What's the date?"),
        ("Okay, Naboo, set a timer.", ["Okay Nabu"], "Set a timer."),
        ("Alexa, stop.", ["Alexa", "Hey Jarvis"], "Stop."),
        ("What time is it?", ["Hey Jarvis"], "What time is it?"),
        ("Hey, what is this?", ["Alexa"], "Hey, what is this?"),
        ("Hey Jarvis.", ["Hey Jarvis"], ""),
        ("Play jazz by Jarvis Cocker.", ["Hey Jarvis"], "Play jazz by Jarvis Cocker."),
    ],
)
def test_strip_wake_phrase(heard: str, phrases: list[str], request_text: str) -> None:
    assert strip_wake_phrase(heard, phrases) == request_text
