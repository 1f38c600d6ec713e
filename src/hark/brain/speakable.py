"""Make model text fit to be spoken, on a stream, holding back as little as possible.

Language models write for screens: ``**bold**``, ``# headings``, bullet lists,
``1.`` numbered items, links, ``20°C``, ``50%``, emojis. A voice must not read
those aloud, so every text delta of the generative brain goes through
:class:`Speakable` before the pipeline sees it.

Streaming is the hard part: a marker can be split between two deltas (``*`` then
``*Paris**``), a unit can arrive after its number (``20`` then ``°C``). The rule:

* text up to the last whitespace is complete words and is converted at once;
* the trailing partial word is passed through immediately when it is plain
  letters (most tokens), and held (with the space before it) only when it
  contains anything else (``*``, digits, ``°``, ``%``, ``/``, an emoji...) or
  could start a URL (``htt``, ``ww``);
* a number at the end is held with the spaces around it until the next word
  arrives, since that word may be its unit (``5`` ``km/h``).

So at most one word is held, and only when it might change. A newline becomes a
sentence break (``". "`` unless the line already ended with punctuation), so
list items and headings become sentences the TTS segmenter can cut at once.
"""

from __future__ import annotations

import re

_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")
_URL_STARTS = ("http", "https", "www")

_BULLET = re.compile(r"^(?:[-*•+–>]|#{1,6})\s+|^#{1,6}$|^[-*•+–]$")
_NUMBERED = re.compile(r"^(\d{1,2})[.)](?:\s+|$)")

_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")
_LINK_TAIL = re.compile(r"\]\((?:https?://|www\.|/)[^)\s]*\)")
_URL = re.compile(
    r"\b(?:https?://(?:www\.)?|www\.)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?:[/?#:][^\s]*?)?(?=[.,;:!?)\]]*(?:\s|$))"
)
_EMPHASIS = re.compile(r"\*+|__|~~|`+|(?<!\w)_(?=\w)|(?<=\w)_(?!\w)")

_UNITS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(\d)\s?°\s?C\b", r"\1 degrees Celsius"),
        (r"°\s?C\b", "degrees Celsius"),
        (r"(\d)\s?°\s?F\b", r"\1 degrees Fahrenheit"),
        (r"°\s?F\b", "degrees Fahrenheit"),
        (r"(\d)\s?°", r"\1 degrees"),
        (r"°", " degrees"),
        (r"(\d)\s?(?:km/h|kph|kmh)\b", r"\1 kilometers per hour"),
        (r"\b(?:km/h|kph)\b", "kilometers per hour"),
        (r"(\d)\s?mph\b", r"\1 miles per hour"),
        (r"\bmph\b", "miles per hour"),
        (r"(\d)\s?m/s\b", r"\1 meters per second"),
        (r"(\d)\s?km\b", r"\1 kilometers"),
        (r"(\d)\s?kg\b", r"\1 kilograms"),
        (r"(\d)\s?cm\b", r"\1 centimeters"),
        (r"(\d)\s?mm\b", r"\1 millimeters"),
        (r"(\d)\s?ml\b", r"\1 milliliters"),
        (r"(\d)\s?lbs?\b", r"\1 pounds"),
        (r"(\d)\s?%", r"\1 percent"),
        (r"%", " percent"),
        (r"\s*&\s*", " and "),
        (r"#(?=\d)", "number "),
        (r"#", ""),
        (r"~(?=\d)", "about "),
        (r"\s*(?:→|->|=>)\s*", " to "),
    )
)

_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u2b00-\u2bff"  # stars, arrows
    "\ufe0f\u200d\u20e3"  # variation selector, zero-width joiner, keycap
    "\U000e0020-\U000e007f"  # tag sequences
    "]+"
)
_SPACES = re.compile(r"[ \t\f\v]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,!?;:])")


def _ordinal(n: int) -> str:
    return _ORDINALS[n - 1] if 1 <= n <= len(_ORDINALS) else f"Number {n}"


def _inline(text: str) -> str:
    """Everything that does not depend on the position in the line."""
    text = _LINK.sub(r"\1", text)
    text = _LINK_TAIL.sub("", text)
    text = text.replace("[", "").replace("]", "")
    text = _URL.sub(lambda m: m.group(1).replace(".", " dot "), text)
    text = _EMPHASIS.sub("", text)
    for pattern, replacement in _UNITS:
        text = pattern.sub(replacement, text)
    text = _EMOJI.sub("", text)
    text = _SPACES.sub(" ", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


class Speakable:
    """A stream normaliser: :meth:`push` each delta, :meth:`flush` at the end; both return text to speak."""

    def __init__(self) -> None:
        self._buf = ""
        self._line_start = True
        self._break_owed = False
        self._last = ""
        """The last character given out ("" before any)."""
        self._last_word_char = ""
        """The last non-space character given out."""

    @property
    def said_anything(self) -> bool:
        return bool(self._last_word_char)

    @property
    def ends_sentence(self) -> bool:
        """Whether what was given out so far ends a sentence (or nothing was given out)."""
        return self._last_word_char in ("", ".", "!", "?", "…") or self._break_owed

    def push(self, text: str) -> str:
        self._buf += text.replace("\r", "")
        cut = self._safe_cut(self._buf)
        ready, self._buf = self._buf[:cut], self._buf[cut:]
        return self._convert(ready)

    def flush(self) -> str:
        ready, self._buf = self._buf, ""
        return self._convert(ready)

    def end_sentence(self) -> str:
        """Flush and close the open sentence (``". "``) when words are out: before a tool
        round's pause, an apology, or another voice's words. Empty when nothing was said."""
        out = self.flush()
        if not self.said_anything:
            return out
        closing = "" if self._last_word_char in ".!?…" else "."
        out = out.rstrip(" ") + closing + " "
        if out == " " and self._last == " ":
            out = ""
        self._last, self._last_word_char = " ", closing or self._last_word_char
        self._line_start, self._break_owed = True, False
        return out

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _safe_cut(buf: str) -> int:
        """How much of ``buf`` can be converted now (see the module docstring)."""
        head_end = max(buf.rfind(" "), buf.rfind("\n"), buf.rfind("\t")) + 1
        tail = buf[head_end:]
        words = buf[:head_end].split()
        previous = words[-1] if words else ""
        after_number = previous[-1:].isdigit()
        plain = all(c.isalpha() or c in "'’" for c in tail)
        could_be_url = any(start.startswith(tail.lower()) for start in _URL_STARTS)
        if tail and plain and not could_be_url and not after_number:
            return len(buf)
        if after_number:  # hold " 5 " until its unit (or the next word) is complete
            return len(buf[: len(buf[:head_end].rstrip()) - len(previous)].rstrip())
        if not tail:
            return head_end
        # Hold the space before the held word too, so a word that vanishes (an emoji)
        # leaves no space before the punctuation after it.
        return len(buf[:head_end].rstrip())

    def _convert(self, ready: str) -> str:
        if not ready:
            return ""
        pieces: list[str] = []
        for index, line in enumerate(ready.split("\n")):
            if index > 0:
                self._line_start = True
                if self._last_word_char or "".join(pieces).strip():
                    self._break_owed = True
            if self._line_start:
                line = line.lstrip()
                if not line:
                    continue
                line = self._line_marker(line)
                self._line_start = False
            text = _inline(line)
            if not text.strip():
                if text:  # spaces, or markup that vanished: keep a word separator
                    pieces.append(" ")
                continue
            if self._break_owed:
                pieces = ["".join(pieces).rstrip()]
                before = (pieces[0] or self._last_word_char)[-1:]
                text = ("" if before in ".!?…:;," else ".") + " " + text.lstrip()
                self._break_owed = False
            pieces.append(text)
        result = _SPACES.sub(" ", "".join(pieces))
        if result.startswith(" ") and self._last in ("", " "):
            result = result[1:]
        if result:
            self._last = result[-1]
            self._last_word_char = result.rstrip()[-1:] or self._last_word_char
        return result

    @staticmethod
    def _line_marker(line: str) -> str:
        """Drop a bullet, heading or quote marker; say a numbered item's number as an ordinal."""
        numbered = _NUMBERED.match(line)
        if numbered:
            return f"{_ordinal(int(numbered.group(1)))}, {line[numbered.end() :]}"
        return _BULLET.sub("", line, count=1)


def speakable(text: str) -> str:
    """Normalise a whole text at once."""
    s = Speakable()
    return (s.push(text) + s.flush()).strip()
