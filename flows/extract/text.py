"""Sentence and clause boundaries, found lazily around a position (never a pass over the text)."""

from __future__ import annotations

import re

# A sentence longer than this is cut: it keeps the look-around of one position bounded even in
# a multi-megabyte document with no full stops.
MAX_SENTENCE = 800

_SENTENCE_STOPS = ("\n", ". ", "! ", "? ", ".\t", "•")
_CLAUSE_STOPS = re.compile(r"[,;:](?=\s)|\s[–—]\s|[()]")
_WHITESPACE = " \t\r\n•"


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the sentence holding pos, without the surrounding whitespace."""
    floor, ceiling = max(0, pos - MAX_SENTENCE), min(len(text), pos + MAX_SENTENCE)
    start = floor
    for stop in _SENTENCE_STOPS:
        i = text.rfind(stop, floor, pos)
        if i >= 0:
            start = max(start, i + len(stop))
    end = ceiling
    for stop in _SENTENCE_STOPS:
        i = text.find(stop, pos, ceiling)
        if i >= 0:
            end = min(end, i + (1 if stop[0] in ".!?" else 0))
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
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
