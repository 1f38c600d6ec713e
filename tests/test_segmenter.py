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


def test_first_segment_is_cut_before_a_clause_word_once_long_enough() -> None:
    seg = Segmenter(24)
    words = ["The", "sky", "looks", "blue", "to", "us", "because", "sunlight", "is", "scattered", "by", "the", "air."]
    emitted = []
    for i, word in enumerate(words):
        for s in seg.push(word if i == 0 else f" {word}"):
            emitted.append((word, s))
    # cut as soon as the word after "us" is known to be "because" (not "become", say)
    assert emitted == [("sunlight", "The sky looks blue to us")]
    assert seg.flush() == ["because sunlight is scattered by the air."]


def test_clause_words_do_not_cut_short_segments_or_later_sentences() -> None:
    assert Segmenter(24).push("Bread and butter ") == []
    assert Segmenter(16).push("Lots of people use Android phones ") == []  # "and" only as a word
    seg = Segmenter(10)
    out = feed(seg, ["Yes, of course. ", "Paris is lovely in spring and autumn, and very busy in summer."])
    assert out == ["Yes, of course.", "Paris is lovely in spring and autumn, and very busy in summer."]


def test_a_first_sentence_without_any_break_is_cut_at_a_word_past_the_hard_cap() -> None:
    seg = Segmenter(10)
    out = seg.push("Octopuses have three hearts, blue blood and nine brains in total today")
    assert out == ["Octopuses have three hearts,"]
    seg = Segmenter(10)
    text = "Octopuses possess remarkably distributed nervous systems throughout their arms "
    out = seg.push(text)
    assert len(out) == 1 and 20 <= len(out[0]) <= 35 and text.startswith(out[0] + " ")


def test_the_hard_cut_prefers_the_start_of_a_phrase() -> None:
    seg = Segmenter(24)
    out: list[str] = []
    for word in ["Octopuses", "are", "fascinating", "creatures", "with", "a", "unique", "way", "of", "seeing", "the", "world"]:
        out += seg.push(f"{word} ")
    assert out[0] == "Octopuses are fascinating creatures"


def test_no_ends_a_sentence_but_not_a_number() -> None:
    assert feed(Segmenter(10), ["The answer is no. ", "It is not."]) == ["The answer is no.", "It is not."]
    assert feed(Segmenter(10), ["Try No. 5 today. ", "Thanks."]) == ["Try No. 5 today.", "Thanks."]
