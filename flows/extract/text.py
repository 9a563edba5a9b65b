"""Sentence and clause boundaries around a position: one pass lists the stops, bisect finds them."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# A sentence longer than this is cut: it keeps the look-around of one position bounded even in
# a multi-megabyte document with no full stops.
MAX_SENTENCE = 800

_SENTENCE_STOPS = ("\n", ". ", "! ", "? ", ".\t", "•")
_STOP = re.compile("|".join(re.escape(s) for s in _SENTENCE_STOPS))
# A comma, semicolon or colon before whitespace, a spaced dash, a parenthesis. Written to start
# with one character class so that the engine skips straight to those characters.
_CLAUSE_STOPS = re.compile(r"[,;:()\s](?:(?<=[,;:])(?=\s)|(?<=\s)[–—]\s|(?<=[()]))")
_WHITESPACE = " \t\r\n•"


class Sentences:
    """Sentence bounds in one text, from one pass that lists its sentence stops.

    A fact-dense article asks for a sentence a dozen times; looking each up in the sorted stops
    is cheaper than searching 800 characters either side for each kind of stop every time.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        spans = [m.span() for m in _STOP.finditer(text)]
        self._starts = [s for s, _ in spans]
        self._ends = [e for _, e in spans]  # sorted too: stops never overlap

    def bounds(self, pos: int) -> tuple[int, int]:
        """[start, end) of the sentence holding pos, without the surrounding whitespace."""
        text = self._text
        floor, ceiling = max(0, pos - MAX_SENTENCE), min(len(text), pos + MAX_SENTENCE)
        start = end = None
        before = bisect_right(self._ends, pos) - 1  # the last stop ending at or before pos
        if before >= 0 and self._starts[before] >= floor:
            start = self._ends[before]
        after = bisect_left(self._starts, pos)  # the first stop starting at or after pos
        if after < len(self._starts) and self._ends[after] <= ceiling:
            end = self._starts[after]
            end += 1 if text[end] in ".!?" else 0  # the full stop belongs to the sentence
        start = floor if start is None else start
        end = ceiling if end is None else end
        while start < end and text[start] in _WHITESPACE:
            start += 1
        while end > start and text[end - 1] in _WHITESPACE:
            end -= 1
        return start, end


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the sentence holding pos (see Sentences to ask about many positions)."""
    return Sentences(text).bounds(pos)


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
