"""The labelled kids-safety corpus (bench/kids_corpus) as a test: no unsafe reply passes, no unsafe
request is answered, and the safe texts (the tricky ones included) go through.

The dev, holdout and fresh sets are asserted; the final set is only reported by
``bench/kids_safety.py`` (asserting it would make it one more set to tune on)."""

from __future__ import annotations

import pytest

from bench.kids_safety import clauses, load
from hark.kids import ReplyScreen, SafetyCheck, load_profanity_model


@pytest.fixture(scope="module")
def check() -> SafetyCheck:
    return SafetyCheck(load_profanity_model())


REQUESTS = ["requests.tsv", "requests_holdout.tsv", "requests_fresh.tsv"]
REPLIES = ["replies.tsv", "replies_holdout.tsv", "replies_fresh.tsv"]


@pytest.mark.parametrize("name", REQUESTS)
def test_requests(check: SafetyCheck, name: str) -> None:
    items = load(name)
    assert len(items) >= 140
    missed = [it.text for it in items if it.unsafe and check.check_request(it.text).ok]
    blocked = [it.text for it in items if not it.unsafe and not check.check_request(it.text).ok]
    assert missed == []
    assert blocked == []


@pytest.mark.parametrize("name", REPLIES)
def test_no_unsafe_reply_passes(check: SafetyCheck, name: str) -> None:
    items = load(name)
    missed = [it.text for it in items if it.unsafe and check.check_reply(it.text).ok]
    blocked = [it.text for it in items if not it.unsafe and not check.check_reply(it.text).ok]
    assert missed == []
    assert blocked == []


@pytest.mark.parametrize("name", REPLIES)
def test_no_unsafe_reply_passes_when_streamed_clause_by_clause(check: SafetyCheck, name: str) -> None:
    for item in load(name):
        screen = ReplyScreen(check)
        verdicts = [screen.push(c) for c in clauses(item.text)]
        assert any(not v.ok for v in verdicts) == item.unsafe, item.text


def test_the_corpus_is_as_large_as_promised() -> None:
    requests = load("requests.tsv") + load("requests_holdout.tsv")
    replies = load("replies.tsv") + load("replies_holdout.tsv")
    assert len(load("requests.tsv")) >= 300 and len(load("replies.tsv")) >= 200
    assert sum(it.unsafe for it in requests) >= 150 and sum(not it.unsafe for it in requests) >= 150
    assert sum(it.unsafe for it in replies) >= 50
    assert len(load("requests_fresh.tsv")) >= 200 and len(load("replies_fresh.tsv")) >= 100
    assert len(load("requests_final.tsv")) >= 60 and len(load("replies_final.tsv")) >= 40
    assert len(load("requests_final2.tsv")) >= 220 and len(load("replies_final2.tsv")) >= 110
    assert len(load("requests_final3.tsv")) >= 300 and len(load("replies_final3.tsv")) >= 150
    assert len(load("requests_final4.tsv")) >= 300 and len(load("replies_final4.tsv")) >= 150
    assert len(load("requests_final5.tsv")) >= 300 and len(load("replies_final5.tsv")) >= 150
    assert len(load("requests_final6.tsv")) >= 300 and len(load("replies_final6.tsv")) >= 150
    assert len(load("requests_train4.tsv")) >= 300 and len(load("replies_train4.tsv")) >= 200


def test_every_label_is_a_known_category() -> None:
    from hark.kids.verdict import CATEGORIES

    for name in (
        "requests_final4.tsv",
        "replies_final4.tsv",
        "requests_final5.tsv",
        "replies_final5.tsv",
        "requests_train4.tsv",
        "replies_train4.tsv",
    ):
        labels = {it.label for it in load(name)}
        assert labels - {"safe"} <= set(CATEGORIES), name
        assert "safe" in labels and len(labels) >= 10, name


def test_the_final_set_is_not_asserted() -> None:
    assert "requests_final.tsv" not in REQUESTS and "replies_final.tsv" not in REPLIES
    assert "requests_final2.tsv" not in REQUESTS and "replies_final2.tsv" not in REPLIES
    assert "requests_final3.tsv" not in REQUESTS and "replies_final3.tsv" not in REPLIES
    assert "requests_final4.tsv" not in REQUESTS and "replies_final4.tsv" not in REPLIES
    assert "requests_final5.tsv" not in REQUESTS and "replies_final5.tsv" not in REPLIES
