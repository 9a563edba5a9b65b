"""Sentence and clause bounds: two searches around a position find what a scan of all stops does."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.extract import text as text_module
from flows.extract.text import (
    _STOP,
    _WHITESPACE,
    Sentences,
    clause_bounds,
    ends_a_sentence,
)


def sentence_by_listing_stops(text: str, pos: int) -> tuple[int, int]:
    """The sentence bounds as first written: every stop listed, the nearest ones bisected."""
    spans = [
        m.span()
        for m in _STOP.finditer(text)
        if text[m.start()] != "." or ends_a_sentence(text, m.start())
    ]
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    cut = text_module.MAX_SENTENCE
    floor, ceiling = max(0, pos - cut), min(len(text), pos + cut)
    start = end = None
    before = bisect_right(ends, pos) - 1
    if before >= 0 and starts[before] >= floor:
        start = ends[before]
    after = bisect_left(starts, pos)
    if after < len(starts) and ends[after] <= ceiling:
        end = starts[after]
        end += 1 if text[end] in ".!?" else 0
    start = floor if start is None else start
    end = ceiling if end is None else end
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    return start, end


# Texts made of the characters that the stops are made of, and a few others.
PIECES = [
    "a", "b", "7", " ", "  ", "\t", "\n", "\r", ".", ". ", "!", "?", "•", ",", ", ", ";", ":",
    "(", ")", "–", "—", " – ", " — ", "é", "\u00a0", "\u2009", "x.y", "Mr. ", "Q3. ", "U.S. ",
    "Co. ", "A", "\na",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def assert_same_bounds_everywhere(text: str) -> None:
    sentences = Sentences(text)
    for pos in range(len(text)):
        sentence = sentences.bounds(pos)
        assert sentence == sentence_by_listing_stops(text, pos), pos
        assert sentences.clause(pos, sentence) == clause_bounds(text, pos, sentence), pos


@settings(max_examples=1000, deadline=None)
@given(texts)
def test_sentence_and_clause_bounds_match_a_scan_of_every_stop(text: str) -> None:
    assert_same_bounds_everywhere(text)


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts)
def test_long_sentences_are_cut_alike(head: str, middle: str, tail: str) -> None:
    """Sentences longer than MAX_SENTENCE are cut at the same places (MAX_SENTENCE made small)."""
    saved = text_module.MAX_SENTENCE
    text_module.MAX_SENTENCE = 30
    try:
        assert_same_bounds_everywhere(head + "w" * 40 + middle + "w" * 40 + tail)
    finally:
        text_module.MAX_SENTENCE = saved


def test_a_full_stop_right_before_a_position_ends_after_it() -> None:
    assert_same_bounds_everywhere("It is Mr. Smith. He has 40 stores.")


def test_a_spaced_dash_is_a_clause_stop() -> None:
    text = "Sales rose – in 2024 – to 40 stores, the firm said."
    sentences = Sentences(text)
    pos = text.index("40")
    sentence = sentences.bounds(pos)
    assert sentence == (0, len(text))
    assert text[slice(*sentences.clause(pos, sentence))] == "to 40 stores"
