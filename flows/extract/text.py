"""Sentence and clause boundaries around a position, each found by two searches from it."""

from __future__ import annotations

import re

# A sentence longer than this is cut: it keeps the look-around of one position bounded even in
# a multi-megabyte document with no full stops.
MAX_SENTENCE = 800

# A line break ends a sentence unless a lower-case letter follows it: a hard-wrapped line
# ("more\nthan a billion people") goes on.
# A full stop before a lower-case word or a digit is left out here already (ends_a_sentence
# would refuse it): most of those the regex engine rejects without a call into Python.
_STOP = re.compile(r"\n(?![a-z])|\.[ \t](?![a-z\d])|! |\? |•")
# A comma, semicolon or colon before whitespace, a spaced dash, a parenthesis. Written to start
# with one character class so that the engine skips straight to those characters.
_CLAUSE_STOPS = re.compile(r"[,;:()\s](?:(?<=[,;:])(?=\s)|(?<=\s)[–—]\s|(?<=[()]))")
_WHITESPACE = " \t\r\n•"
# A full stop after one of these (or after a single capital: "U.S.", "J. Smith") ends no
# sentence, nor does one before a lower-case word or a digit ("U.S. each", "Sept. 22").
ABBREVIATIONS = frozenset(
    [
        *("Inc", "Co", "Corp", "Ltd", "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "No", "vs"),
        *("Mt", "Ave", "Gov", "Sen", "Rep", "Prof", "Gen"),
        *("Ill", "Wash", "Fla", "Calif", "Minn", "Mass", "Ariz"),  # US states in datelines
        *("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"),
    ]
)
_WORD_BEFORE = re.compile(r"(\w+)\Z")
_OPENER = re.compile(
    r"(?:The|This|These|Those|That|There|It|Its|They|Their|We|Our|He|She|His|Her|In|But|"
    r"However|Meanwhile|Today|Last|Next|Since|After|As|At|By|For|With|When|While)\b"
)


def ends_a_sentence(text: str, dot: int) -> bool:
    """Whether the full stop at `dot`, followed by whitespace, ends its sentence."""
    after = dot + 1
    while after < len(text) and text[after] in " \t":
        after += 1
    if after < len(text) and (text[after].islower() or text[after].isdigit()):
        return False
    word = _WORD_BEFORE.search(text, max(0, dot - 6), dot)
    if word is None:
        return True
    w = word.group(1)
    if not ((len(w) == 1 and w.isupper()) or w in ABBREVIATIONS):
        return True
    # "... in Canada, Mexico and the U.S. The company now has ...": a word that opens
    # sentences, not names, follows the abbreviation
    return _OPENER.match(text, after) is not None


# The same stops read backwards, searched in the reversed text: the nearest stop before a
# position is then one search. Stops never overlap (a two-character stop ends in whitespace,
# which starts none), so reading backwards finds exactly the stops a forward scan finds.
# Written to start with one character class (the engine then skips to those characters): the
# match is the stop's last character, the whitespace after a full stop is checked behind it.
_STOP_BEFORE = re.compile(
    r"[\n•.!?](?:(?<=•)|(?<![a-z]\n)(?<=\n)|(?<![a-z\d][ \t]\.)(?<=[ \t]\.)|(?<= [!?]))"
)
# Clause stops for texts without en or em dashes, where the other stops are single characters
# (which never overlap, so they are the same read from either end): after a position, and
# before it in the reversed text (a comma's whitespace is then behind it).
_CLAUSE_STOP_AFTER = re.compile(r"[(),;:](?:(?<=[()])|(?=\s))")
_CLAUSE_STOP_BEFORE = re.compile(r"[(),;:](?:(?<=[()])|(?<=\s.))")
_DASHES = ("–", "—")


class Sentences:
    """Sentence and clause bounds of positions in one text.

    Each is found by two searches from the position, forwards in the text for the stop after
    it and forwards in the reversed text for the stop before it: a fact-dense article asks
    about a dozen positions in as many sentences, and listing every stop of the text first
    cost more than all its lookups (measured: 5% of extraction against 2%).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._reversed = text[::-1]
        # Spaced dashes are three-character clause stops that can overlap: clause_bounds then.
        self._dashes = any(d in text for d in _DASHES)

    def bounds(self, pos: int) -> tuple[int, int]:
        """[start, end) of the sentence holding pos, without the surrounding whitespace."""
        text, size = self._text, len(self._text)
        floor, ceiling = max(0, pos - MAX_SENTENCE), min(size, pos + MAX_SENTENCE)
        # The last stop ending at or before pos, if it starts at or after floor: in the
        # reversed text, the first stop from size - pos that ends by size - floor.
        behind, edge = self._reversed, size - pos
        before = _STOP_BEFORE.search(behind, edge, size - floor)
        if before is not None and before.start() == edge and behind[edge] not in "\n•":
            # A full stop right before pos whose space is at pos: that stop ends after pos.
            before = _STOP_BEFORE.search(behind, edge + 1, size - floor)
        while (
            before is not None
            and behind[before.start()] == "."
            and not ends_a_sentence(text, size - 1 - before.start())
        ):
            before = _STOP_BEFORE.search(behind, before.start() + 1, size - floor)
        if before is None:
            start = floor
        else:  # the stop ends where it starts in the reversed text (a space before a full stop)
            last = before.start()
            start = size - last + (0 if behind[last] in "\n•" else 1)
        # The first stop starting at or after pos, if it ends by ceiling.
        after = _STOP.search(text, pos, ceiling)
        while (
            after is not None
            and text[after.start()] == "."
            and not ends_a_sentence(text, after.start())
        ):
            after = _STOP.search(text, after.start() + 1, ceiling)
        if after is None:
            end = ceiling
        else:
            end = after.start()
            end += 1 if text[end] in ".!?" else 0  # the full stop belongs to the sentence
        while start < end and text[start] in _WHITESPACE:
            start += 1
        while end > start and text[end - 1] in _WHITESPACE:
            end -= 1
        return start, end

    def clause(self, pos: int, sentence: tuple[int, int]) -> tuple[int, int]:
        """What clause_bounds(text, pos, sentence) gives, from two searches around pos."""
        lo, hi = sentence
        if self._dashes or not lo <= pos < hi:
            return clause_bounds(self._text, pos, sentence)
        text, size = self._text, len(self._text)
        # The last stop ending at or before pos (a comma's whitespace is then before pos too,
        # inside the sentence, as clause_bounds's scan of the sentence requires).
        before = _CLAUSE_STOP_BEFORE.search(self._reversed, size - pos, size - lo)
        start = lo if before is None else size - before.start()
        after = _CLAUSE_STOP_AFTER.search(text, pos, hi)
        end = hi if after is None else after.start()
        while start < end and text[start] in _WHITESPACE:
            start += 1
        return start, end


def clause_bounds(text: str, pos: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """[start, end) of the clause holding pos: the sentence cut at commas, colons, dashes."""
    start, end = sentence
    for m in _CLAUSE_STOPS.finditer(text, sentence[0], sentence[1]):
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    while start < end and text[start] in _WHITESPACE:
        start += 1
    return start, end
