"""Light normalisation before the word lists: what a child (or a model) types or an ASR writes
becomes plain lower-case words, and disguised listed words become the listed word.

* ``"F*ck"``, ``"sh1t"``, ``"$h!t"``, ``"fuuuuck"``, ``"f u c k"``, ``"s.h.i.t"`` -> the listed word,
  but only when the result *is* a listed word: an innocent token ("5th", "cooool") is left alone,
  so the phrase rules never see invented words;
* sentence ends (``. ! ? ; :``) become ``" . "`` and commas ``" , "``, so a phrase never matches
  across sentences and a guard ("never ...") stays within its sentence;
* accents, curly quotes and hyphens are flattened (``"grown-up"`` -> ``"grown up"``);
* then the forms a speech recogniser writes are made plain (:mod:`hark.kids.spoken`: ``my self``,
  ``dont``, ``my moms pills``, ``by me a``, ``forty two``, digits read out one by one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .spoken import spoken

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_CHARS = frozenset("0134579@$!*|+")
_TOKEN = re.compile(r"[a-z0-9$@!*'|+]+|[.?;:,]")
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z][\s.\-_*]+){2,}[a-z](?![a-z0-9])")
_RUN2 = re.compile(r"([a-z])\1+")
_RUN3 = re.compile(r"([a-z])\1{2,}")
_LETTER = re.compile(r"[a-z]")


def _flatten(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("-", " ").replace("_", " ")


class Normaliser:
    """Text -> normalised words (see the module docstring).

    :param vocabulary: the single listed words that disguised spellings are mapped back to.
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(vocabulary)
        self._by_length: dict[int, tuple[str, ...]] = {}
        for word in self.vocabulary:
            self._by_length.setdefault(len(word), ())
            self._by_length[len(word)] += (word,)

    def __call__(self, text: str) -> str:
        text = _SPACED.sub(self._join_spaced, _flatten(text))
        out: list[str] = []
        for token in _TOKEN.findall(text):
            if token in ".?;:,":
                out.append("," if token == "," else ".")
                continue
            core = token.strip("'")
            trailing = len(core) - len(core.rstrip("!"))
            core = core.rstrip("!") or core
            word = self.canonical(core)
            if word:
                out.append(word)
            if trailing:
                out.append(".")
        return " ".join(spoken(out))

    def _join_spaced(self, match: re.Match[str]) -> str:
        """``"f u c k"`` -> ``"fuck"`` when that is a listed word; else the letters as they were."""
        joined = re.sub(r"[^a-z]", "", match.group(0))
        word = self._listed(joined)
        return word if word is not None else match.group(0)

    def canonical(self, token: str) -> str:
        """A token as a listed word when one of its readings is one, else its plain letters and digits."""
        listed = self._listed(token)
        if listed is not None:
            return listed
        plain = re.sub(r"[^a-z0-9']", "", token)
        return _RUN3.sub(r"\1\1", plain) if _LETTER.search(plain) else plain

    def _listed(self, token: str) -> str | None:
        vocab = self.vocabulary
        if token in vocab:
            return token
        if not _LETTER.search(token):
            return None
        candidates = [token]
        if _LEET_CHARS.intersection(token):
            candidates.append(token.translate(_LEET))
        for candidate in list(candidates):
            if candidate.endswith("'s"):
                candidates.append(candidate[:-2])
            candidates.append(_RUN2.sub(r"\1", candidate))
            candidates.append(_RUN3.sub(r"\1\1", candidate))
        for candidate in candidates:
            if candidate in vocab:
                return candidate
        if "*" in token or "|" in token:  # f*ck, f**k, sh|t: a masked letter or two
            pattern = re.compile(re.escape(token).replace(r"\*", "[a-z]?").replace(r"\|", "[a-z]"))
            for length in range(len(token) - token.count("*"), len(token) + 1):
                for word in self._by_length.get(length, ()):
                    if pattern.fullmatch(word):
                        return word
        return None
