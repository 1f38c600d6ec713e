"""A closed-vocabulary pass for commands: Whisper's n-best read by the command grammar.

Whisper's greedy transcript of a hard voice in noise is often one word off a command
("set a time of five minutes", "turn of the kitchen lights") while its beam search
still holds the command among its next hypotheses. When the greedy transcript is not
a command the grammar accepts, :class:`CommandRescorer` takes the best of the n-best
that it does accept, if the model scores it almost as well as its best guess
(``margin``, in mean log-probability per token). The encoder runs once; only the
decoder runs again, and only for transcripts that are not already commands.

The grammar is a predicate given at construction (Hark passes the classic brain's
intent reading: "would this text make the classic brain act?"), so the templates of
every installed skill, and the home's area and device names, are the vocabulary, in
the spirit of Home Assistant's Speech-to-Phrase, with Whisper kept for open speech.

Open speech must never become a command: a hypothesis is only taken when it is within
``margin`` of the best one, and when nothing in the n-best is a command the greedy
transcript is returned untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class CommandRescorer:
    def __init__(self, is_command: Callable[[str], bool], *, beam_size: int = 4, margin: float = 0.1) -> None:
        if beam_size < 2:
            raise ValueError("beam_size: at least 2 hypotheses are needed to choose among")
        if margin < 0:
            raise ValueError("margin: must not be negative")
        self.is_command = is_command
        self.beam_size = beam_size
        self.margin = margin
        self.rescued = 0
        """How many transcripts were replaced by a command from the n-best."""

    def accepts(self, text: str) -> bool:
        return bool(text.strip()) and self.is_command(text)

    def choose(self, greedy: str, hypotheses: Sequence[tuple[str, float]]) -> str:
        """``greedy`` unless a hypothesis (``(text, mean log-prob per token)``, best first)
        is a command scored within ``margin`` of the best hypothesis."""
        if not hypotheses:
            return greedy
        best = max(score for _, score in hypotheses)
        for text, score in hypotheses:
            if score < best - self.margin:
                continue
            if self.accepts(text):
                if text != greedy:
                    self.rescued += 1
                return text
        return greedy
