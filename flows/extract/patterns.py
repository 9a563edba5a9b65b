"""Turning lists of phrases from the YAML into regular-expression source, and small text helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"\w")
LETTER_LED_MAX = 4  # see WordSearch


def separator_class(not_separators: str) -> str:
    """A character class of the separators before a word: neither \\w nor `not_separators`.

    Written out as the ASCII characters plus one range for everything above ASCII, because the
    engine tests such a class with a table lookup, where [^\\w...] asks for the Unicode category
    of every character of the text (measured: a third of the cost of a whole scan). The range
    above ASCII also takes letters and digits ("é"): a scan built on it must drop the hits whose
    separator is a word character (is_word_char) to find exactly what [^\\w...] finds.
    """
    ascii_separators = [
        chr(c) for c in range(128) if not _WORD_CHAR.match(chr(c)) and chr(c) not in not_separators
    ]
    return "[" + "".join(f"\\x{ord(c):02x}" for c in ascii_separators) + "\\x80-\\U0010ffff]"


def is_word_char(c: str) -> bool:
    """True for a character \\w matches (what separator_class lets through above ASCII, and
    what it may let through under IGNORECASE: "k" folds to the Kelvin sign)."""
    return c.isalnum() or c == "_"  # what \w matches, checked over every code point


@lru_cache(maxsize=4096)  # called for every matched phrase; the phrases repeat endlessly
def norm(phrase: str) -> str:
    """The lookup key of a matched phrase: lower case, single spaces, straight apostrophes."""
    return _SPACE.sub(" ", phrase).lower().replace("’", "'")


def phrase_source(phrase: str) -> str:
    """One phrase as regex source: any whitespace run between words, either apostrophe."""
    parts = [re.escape(p).replace("'", "['’]").replace("’", "['’]") for p in phrase.split()]
    return r"\s+".join(parts)


def alternation(phrases: Iterable[str]) -> str:
    """A non-capturing alternation, longest phrase first so the longest one wins at a position."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return "(?!)"
    return "(?:" + "|".join(phrase_source(p) for p in unique) + ")"


def first_chars_class(phrases: Iterable[str], ignore_case: bool = True) -> str:
    """A character class of the first characters of `phrases` (both cases when ignore_case)."""
    chars: set[str] = set()
    for p in phrases:
        c = p[0]
        chars.add(c)
        if ignore_case:
            chars.update({c.lower(), c.upper()})
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def words_pattern(phrases: Iterable[str]) -> str:
    """Whole-word alternation: not inside a longer word on either side."""
    return r"(?<![\w#])" + alternation(phrases) + r"(?![\w])"


def fold_case(text: str) -> str:
    """The text in lower case, character for character (offsets unchanged), for scans."""
    folded = text.lower()
    if len(folded) == len(text):  # lower() never shortens: equal length means aligned
        return folded
    # A few characters lower to two ("İ"): keep those as written so that offsets line up.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def folded_phrases(phrases: Iterable[str]) -> list[str]:
    """Phrases in lower case, to match in fold_case(text) in place of re.IGNORECASE."""
    return [p.lower() for p in phrases]


def prefilter_source(
    phrase_sources: dict[str, list[str]], symbols: Iterable[str], digits: str = r"\d[\d,.]*"
) -> str:
    """A scan of fold_case(text) for where a candidate may start, shaped for the regex engine.

    Python's engine jumps straight between positions whose character can begin a match when
    the pattern starts with a character class. Candidates start a word, so the scan starts at
    the character before it, a separator: the engine then tries the alternatives only at
    separators (about one character in six), not at every letter. At a separator it tries
    the branches one by one, but rejects a branch that starts with a literal character with
    one comparison; that is why the scan runs over lower-cased text with case-sensitive,
    lower-case branches (a case-insensitive branch is entered, not rejected, and costs about
    ten times more). The candidate itself begins one character after the start of the match
    (a candidate at offset 0 is the caller's job; so is dropping a hit whose separator is a
    word character beyond ASCII, see separator_class).
    `phrase_sources` maps a lower-case first character to regex sources of the lower-case
    phrases' rests (see rests_by_first_char); `digits` (a number written in digits, with any
    look-ahead the caller needs) and `symbols` (currency markers glued to the amount) are
    alternatives of their own.
    """
    branches = [digits, *(re.escape(s.lower()) for s in symbols)]
    for first, rests in sorted(phrase_sources.items()):
        rest = "(?:" + "|".join(sorted(set(rests), key=lambda r: (-len(r), r))) + ")"
        branches.append(re.escape(first) + rest + r"(?![\w])")
    return separator_class("#+/.,-") + "(?:" + "|".join(branches) + ")"


def by_first_char(branches: Iterable[str]) -> list[str]:
    """Regex branches regrouped by their first character: "a(?:rest|rest)|b(?:rest)|...".

    A branch led by a letter or digit joins the group of that character (in the order given);
    any other branch (led by a class, an escape, a group) stays as it is, after the groups.
    The alternation accepts the same strings at the same places (every branch is still tried
    where its first character is), but the engine rejects a position with one comparison per
    group instead of one per branch. Only for scans that need where a match starts: which
    branch matches first may change.
    """
    groups: dict[str, list[str]] = {}
    others = []
    for branch in branches:
        if branch[:1].isalnum():
            groups.setdefault(branch[0], []).append(branch[1:])
        else:
            others.append(branch)
    grouped = [c + (f"(?:{'|'.join(rests)})" if len(rests) > 1 else rests[0])
               for c, rests in groups.items()]  # fmt: skip
    return grouped + others


def rests_by_first_char(
    phrases: Iterable[str], source: Callable[[str], str] = phrase_source
) -> dict[str, list[str]]:
    """Group lower-cased phrases by their first character; the rest of each as regex source."""
    out: dict[str, list[str]] = {}
    for p in phrases:
        p = p.strip().lower()
        if p:
            out.setdefault(p[0], []).append(source(p[1:]) if len(p) > 1 else "")
    return out


class WordSearch:
    """Whole-word search for a list of phrases in a window, fast on long windows.

    For phrases matched in any case, build it with `folded_phrases` and search
    fold_case(text): case-sensitive literals are much cheaper to the engine than IGNORECASE
    (see prefilter_source). Spans are the same; the phrase comes back in lower case.

    The compiled pattern starts at the separator before a phrase (see prefilter_source for
    why); a phrase at offset 0 of the text, which has no separator, is tried on its own.
    `not_separators`: the non-word characters that may not come before a phrase.
    """

    def __init__(self, phrases: Iterable[str], flags: int = 0, not_separators: str = "#-"):
        phrases = list(phrases)
        # No capturing group: the phrase is the match less its one-character separator.
        body = alternation(phrases) + r"(?![\w])"
        self._scan = re.compile(separator_class(not_separators) + body, flags).search
        self._at_start = re.compile(body, flags)
        self._not_separators = not_separators
        # Phrases that all start with one of a few letters (the names of an entity or two) are
        # found faster from those letters than from every separator: the engine skips to the
        # letters, and the separator before each hit is checked here (see finditer).
        first = {p.strip()[:1] for p in phrases}
        self._by_first_letter = (
            re.compile(body, flags).search
            if not flags and 0 < len(first) <= LETTER_LED_MAX and all(c.isalpha() for c in first)
            else None
        )

    def finditer(self, text: str, lo: int, hi: int) -> Iterator[tuple[int, int, str]]:
        if self._by_first_letter is not None:
            yield from self._finditer_by_first_letter(text, lo, hi)
            return
        if lo == 0:
            m = self._at_start.match(text, 0, hi)
            if m is not None:
                yield 0, m.end(), m.group()
                lo = m.end()
        pos, scan = max(0, lo - 1), self._scan
        while (m := scan(text, pos, hi)) is not None:
            separator, end = m.span()
            if is_word_char(text[separator]):  # not a separator: try from the next character
                pos = separator + 1
                continue
            yield separator + 1, end, text[separator + 1 : end]
            pos = end

    def search(self, text: str, lo: int, hi: int) -> tuple[int, int, str] | None:
        return next(self.finditer(text, lo, hi), None)

    def _finditer_by_first_letter(
        self, text: str, lo: int, hi: int
    ) -> Iterator[tuple[int, int, str]]:
        """What finditer finds, from the phrases' first letters: the same phrase at the same
        start (the alternation is tried there either way), kept when a separator is before it."""
        search, not_separators = self._by_first_letter, self._not_separators
        assert search is not None
        pos = lo
        while (m := search(text, pos, hi)) is not None:
            start, end = m.span()
            before = text[start - 1] if start > 0 else ""
            if before and (is_word_char(before) or before in not_separators):
                pos = start + 1
                continue
            yield start, end, m.group()
            pos = end


class SuffixMatch:
    """Which phrase, if any, ends right before a position (followed only by whitespace).

    Matching the reversed few characters before the position against the reversed phrases is
    one anchored attempt, where a search ending in `$` would try every start in the window.
    """

    def __init__(self, phrases: Iterable[str], flags: int = 0) -> None:
        unique = sorted(set(phrases), key=lambda p: (-len(p), p))
        self.reach = max((len(p) for p in unique), default=0) + 8
        reversed_sources = [
            phrase_source(" ".join(w[::-1] for w in reversed(p.split()))) for p in unique
        ]
        self._pattern = re.compile(r"\s+(?P<w>" + "|".join(reversed_sources) + r")(?![\w-])", flags)

    def find(self, text: str, end: int, floor: int = 0) -> tuple[int, str] | None:
        """(start, phrase as written) of the phrase ending before `end`, not before floor."""
        lo = max(floor, end - self.reach)
        window = text[lo:end][::-1]
        m = self._pattern.match(window)
        if m is None:
            return None
        return end - m.end("w"), m.group("w")[::-1]
