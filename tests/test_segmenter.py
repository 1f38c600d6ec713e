from hark.pipeline.segmenter import Segmenter


def feed(seg: Segmenter, pieces: list[str]) -> list[str]:
    out: list[str] = []
    for p in pieces:
        out.extend(seg.push(p))
    return [*out, *seg.flush()]


def test_first_segment_is_cut_at_the_first_clause_once_long_enough() -> None:
    seg = Segmenter(first_clause_chars=20)
    out = seg.push("Today is Sunday, November the twenty-second, and it is sunny")
    assert out == ["Today is Sunday, November the twenty-second,"]
    assert seg.flush() == ["and it is sunny"]


def test_short_clause_is_not_cut_alone() -> None:
    assert Segmenter(24).push("Well, ") == []


def test_sentences_stream_as_tokens_arrive() -> None:
    seg = Segmenter(24)
    tokens = ["It", "'s", " 3", ":07", " PM", ".", " Anything", " else", "?", " Bye"]
    emitted = []
    for i, tok in enumerate(tokens):
        for s in seg.push(tok):
            emitted.append((i, s))
    # the first sentence leaves as soon as the token after its full stop shows it ended
    assert emitted == [(6, "It's 3:07 PM."), (9, "Anything else?")]
    assert seg.flush() == ["Bye"]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    out = feed(Segmenter(200), ["Dr. Smith says pi is 3.14 today. ", "Next one."])
    assert out == ["Dr. Smith says pi is 3.14 today.", "Next one."]


def test_later_long_sentences_are_cut_at_clauses_only_when_very_long() -> None:
    long = "word " * 60
    out = feed(Segmenter(10), ["First sentence here. ", f"{long.strip()}, and then the end."])
    assert out[0] == "First sentence here."
    assert out[1].endswith(",") and out[2] == "and then the end."
