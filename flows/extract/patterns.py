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

    Written as the negation of ASCII characters only (the ASCII word characters and
    `not_separators`), because the engine tests such a class with a table lookup, where
    [^\\w...] asks for the Unicode category of every character of the text (measured: a third
    of the cost of a whole scan); and as a negation, a letter (most characters) is rejected at
    the first lookup (the scan 780k -> 741k instructions per document against the same class
    written as its ASCII members plus a range above ASCII). Everything above ASCII is taken,
    letters and digits too ("é"): a scan built on it must drop the hits whose separator is a
    word character (is_word_char) to find exactly what [^\\w...] finds.
    """
    not_ascii_separators = [
        chr(c) for c in range(128) if _WORD_CHAR.match(chr(c)) or chr(c) in not_separators
    ]
    return "[^" + "".join(f"\\x{ord(c):02x}" for c in not_ascii_separators) + "]"


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
    """A non-capturing alternation, longest phrase first so the longest one wins at a position.

    Written as a tree of common beginnings (see factored): the same phrase wins at the same
    place, and the engine compares each character once rather than once per phrase.
    """
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return "(?!)"
    return "(?:" + factored([phrase_source(p) for p in unique]) + ")"


_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})\??")
# Characters of every kind of whitespace, to tell which atoms may match one.
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2009\u2028\u202f\u3000"


def atoms(source: str) -> list[str]:
    """Regex source cut into atoms: an escape, a class, a group or a character, each with its
    quantifier ("countr" "i" "e" "s" "\\s+" "a" ...)."""
    out, i = [], 0
    while i < len(source):
        end = _atom_end(source, i)
        quantifier = _QUANTIFIER.match(source, end)
        end = quantifier.end() if quantifier else end
        out.append(source[i:end])
        i = end
    return out


def _atom_end(source: str, i: int) -> int:
    c = source[i]
    if c == "\\":
        return i + 2
    if c == "[":
        return _class_end(source, i)
    if c != "(":
        return i + 1
    depth = 0
    while True:
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(source, i)
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1
        if depth == 0:
            return i


def _class_end(source: str, i: int) -> int:
    i += 1
    if source[i] == "^":
        i += 1
    if source[i] == "]":
        i += 1
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _one_character(atom: str) -> bool:
    """An atom that matches exactly one character, one way: a literal, an escape, a class."""
    if atom[0] == "\\":
        return len(atom) == 2 and atom[1] not in "AbBZ0123456789"
    if atom[0] == "[":
        return atom[-1] == "]"
    return len(atom) == 1 and atom not in "().^$|*+?{}"


def _may_share_a_character(a: str, b: str) -> bool:
    """Whether two sibling atoms may match the same character (case ignored, to be safe)."""
    literal = [x for x in (a, b) if len(x) == 1 or (x[0] == "\\" and not x[1].isalnum())]
    if len(literal) == 2:
        x, y = (re.sub(r"\\(.)", r"\1", t) for t in literal)
        return re.fullmatch(re.escape(x), y, re.IGNORECASE) is not None
    if len(literal) == 1:
        char = re.sub(r"\\(.)", r"\1", literal[0])
        other = b if literal[0] == a else a
        return re.fullmatch(other, char, re.IGNORECASE) is not None
    return True  # two classes or escapes like \s+: not worth proving apart


def factored(sources: list[str], keep_order: bool = True) -> str:
    """The alternation of `sources` (tried in this order), written as a tree of their common
    leading atoms: "countries|country|markets" -> "countr(?:ies|y)|markets".

    Python's engine tries the branches of an alternation one after another, so a scan with a
    hundred phrases compared a separator against each; in the tree it compares each character
    once per distinct beginning. The same branch matches first at every place: branches are
    only merged along atoms that match one character one way (or a run of whitespace that a
    non-whitespace atom follows), and the tree is not used when it would try two branches
    that may match the same text in another order than given (siblings that may match the
    same character, case ignored to be safe; a branch ending where others go on, between
    them): then the plain alternation is returned. With keep_order=False, for scans that only
    need whether a match starts at a place, the tree is always used: it matches at the same
    places, but not always the same branch first.
    """
    root = _Node()
    for index, source in enumerate(sources):
        parts, node, k = atoms(source), root, 0
        node.ids.append(index)
        while k < len(parts) and _shared(parts, k):
            node = node.children.setdefault(parts[k], _Node())
            node.ids.append(index)
            k += 1
        leaf = node.children.setdefault(("end", "".join(parts[k:])), _Node())
        leaf.ids.append(index)
    if keep_order and not root.in_given_order():
        return "|".join(sources)
    return root.source(top=True)


class _Node:
    """A node of factored's tree: the branches (by index) through it, its children by atom."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.children: dict[object, _Node] = {}

    def in_given_order(self) -> bool:
        """Whether trying the children in turn tries branches that may match the same text in
        the order given."""
        items = list(self.children.items())
        for i, (a, first) in enumerate(items):
            for b, second in items[i + 1 :]:
                if _may_match_alike(a, b) and max(first.ids) > min(second.ids):
                    return False
        return all(child.in_given_order() for child in self.children.values())

    def source(self, top: bool = False) -> str:
        branches = [
            key[1] if isinstance(key, tuple) else f"{key}{child.source()}"
            for key, child in self.children.items()
        ]
        if len(branches) == 1 or top:
            return "|".join(branches)
        return "(?:" + "|".join(branches) + ")"


def _may_match_alike(a: object, b: object) -> bool:
    """Whether two children (an atom, or ("end", rest of a branch)) may match the same text."""
    if isinstance(a, str) and isinstance(b, str):
        return _may_share_a_character(a, b)
    return True  # a branch's end (and what follows it) may match anything


def _shared(parts: list[str], k: int) -> bool:
    """Whether atom k may be merged with the same atom of other branches."""
    atom = parts[k]
    if atom == r"\s+":  # greedy: one way to match only when a non-whitespace atom follows
        following = parts[k + 1] if k + 1 < len(parts) else None
        return (
            following is not None
            and _one_character(following)
            and not any(re.fullmatch(following, c) for c in _SPACES)
        )
    return _one_character(atom)


def words_pattern(phrases: Iterable[str]) -> str:
    """Whole-word alternation: not inside a longer word on either side."""
    return r"(?<![\w#])" + alternation(phrases) + r"(?![\w])"


_ASCII_BYTES = bytes(range(128))


def fold_case(text: str) -> str:
    """The text in lower case, character for character (offsets unchanged), for scans."""
    if not text.isascii():
        folded_fast = _fold_ascii_letters(text)
        if folded_fast is not None:
            return folded_fast
    folded = text.lower()
    if len(folded) == len(text):  # lower() never shortens: equal length means aligned
        return folded
    # A few characters lower to two ("İ"): keep those as written so that offsets line up.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _fold_ascii_letters(text: str) -> str | None:
    """text.lower() when no character beyond ASCII changes in lower case (curly quotes,
    bullets, dashes: most news), else None.

    str.lower looks up every character of a text with any character beyond ASCII in the
    Unicode tables (5% of extraction); bytes.lower of its UTF-8 lowers ASCII letters only, and
    leaves every byte of a character beyond ASCII (all >= 0x80) as it is. Whether those
    characters would have changed is asked of them alone (deleted ASCII bytes leave a few).
    """
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    beyond_ascii = encoded.translate(None, _ASCII_BYTES).decode("utf-8")
    if beyond_ascii.lower() != beyond_ascii:
        return None
    return encoded.lower().decode("utf-8")


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
        rest = "(?:" + factored(sorted(set(rests), key=lambda r: (-len(r), r))) + ")"
        branches.append(re.escape(first) + rest + r"(?![\w])")
    return separator_class("#+/.,-") + "(?:" + factored(branches) + ")"


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

    def __init__(self, phrases: Iterable[str], not_separators: str = "#-"):
        phrases = list(phrases)
        self.phrases = tuple(phrases)
        # No capturing group: the phrase is the match less its one-character separator.
        # No IGNORECASE either (fold the text instead): under it an ASCII letter could pass
        # for a separator ("k" folds to the Kelvin sign), where finditer trusts ASCII ones.
        body = alternation(phrases) + r"(?![\w])"
        self._scan = re.compile(separator_class(not_separators) + body).search
        self._at_start = re.compile(body)
        self.not_separators = not_separators
        # Phrases that all start with one of a few letters (the names of an entity or two) are
        # found faster from those letters than from every separator: the engine skips to the
        # letters, and the separator before each hit is checked here (see finditer).
        first = {p.strip()[:1] for p in phrases}
        self._by_first_letter = (
            re.compile(body).search
            if 0 < len(first) <= LETTER_LED_MAX and all(c.isalpha() for c in first)
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
            # Only a character beyond ASCII may be a word character here (see separator_class).
            if text[separator] > "\x7f" and is_word_char(text[separator]):
                pos = separator + 1  # not a separator: try from the next character
                continue
            yield separator + 1, end, text[separator + 1 : end]
            pos = end

    def starts_at(self, text: str, pos: int, hi: int) -> bool:
        """Whether one of the phrases starts at pos, a whole word ending by hi (the character
        before pos is the caller's to check)."""
        return self._at_start.match(text, pos, hi) is not None

    def search(self, text: str, lo: int, hi: int) -> tuple[int, int, str] | None:
        """The first of finditer's hits, without a generator (a planned cue is looked for in
        every dated clause, and most have none)."""
        if self._by_first_letter is not None or lo == 0:
            return next(self.finditer(text, lo, hi), None)
        pos, scan = lo - 1, self._scan
        while (m := scan(text, pos, hi)) is not None:
            separator, end = m.span()
            if text[separator] <= "\x7f" or not is_word_char(text[separator]):
                return separator + 1, end, text[separator + 1 : end]
            pos = separator + 1  # not a separator: try from the next character
        return None

    def _finditer_by_first_letter(
        self, text: str, lo: int, hi: int
    ) -> Iterator[tuple[int, int, str]]:
        """What finditer finds, from the phrases' first letters: the same phrase at the same
        start (the alternation is tried there either way), kept when a separator is before it."""
        search, not_separators = self._by_first_letter, self.not_separators
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


class WordPresence:
    """Which of several WordSearch lists have a phrase in a window, from one scan of it.

    Each list's own `search` tests every character of the window against its separator class;
    a sentence with facts is asked about three lists. Here one scan stops at the separators
    where a phrase of any list starts, and each list not found yet is asked there whether its
    own phrase starts after that separator (a separator it refuses is passed over): whether a
    list has a hit in the window does not depend on where the other lists' hits are, so the
    answers are those of each list's `search`.
    """

    def __init__(self, searches: Iterable[WordSearch]) -> None:
        self._searches = tuple(searches)
        phrases = sorted({p for s in self._searches for p in s.phrases})
        # Only whether some phrase starts at a place matters here: the tree needs no order.
        body = (
            "(?:" + factored([phrase_source(p) for p in phrases], keep_order=False) + ")"
            if phrases
            else "(?!)"
        )
        common = set.intersection(*(set(s.not_separators) for s in self._searches))
        self._scan = re.compile(
            separator_class("".join(sorted(common))) + "(?=" + body + r"(?![\w]))"
        ).search

    def present(self, text: str, lo: int, hi: int) -> dict[WordSearch, bool]:
        """For each list, whether one of its phrases is in text[lo:hi] (as its `search` says)."""
        found = dict.fromkeys(self._searches, False)
        missing = list(self._searches)
        if lo == 0:
            for s in self._searches:
                found[s] = s.starts_at(text, 0, hi)
            missing = [s for s in missing if not found[s]]
        pos = max(0, lo - 1)
        while missing and (m := self._scan(text, pos, hi)) is not None:
            separator = m.start()
            pos = separator + 1
            c = text[separator]
            if c > "\x7f" and is_word_char(c):
                continue  # only a character beyond ASCII may be a word character here
            for s in missing:
                if c not in s.not_separators and s.starts_at(text, pos, hi):
                    found[s] = True
            missing = [s for s in missing if not found[s]]
        return found


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
        self._pattern = re.compile(r"\s+(?P<w>" + factored(reversed_sources) + r")(?![\w-])", flags)

    def find(self, text: str, end: int, floor: int = 0) -> tuple[int, str] | None:
        """(start, phrase as written) of the phrase ending before `end`, not before floor."""
        lo = max(floor, end - self.reach)
        window = text[lo:end][::-1]
        m = self._pattern.match(window)
        if m is None:
            return None
        return end - m.end("w"), m.group("w")[::-1]
