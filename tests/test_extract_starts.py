"""Starts (Hyperscan) reports every place where a scan matches, so searching from its places
finds what Python's search finds."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.catalogue import load_catalogue
from flows.extract import Extractor
from flows.extract.patterns import fold_case
from flows.extract.starts import Starts

REPO = Path(__file__).resolve().parents[1]
EXTRACTOR = Extractor(load_catalogue(REPO / "catalogue"))

# Atoms of regex source like the scans': literals, classes, look-arounds, repeats, a tail
# look-ahead, characters beyond one byte.
ATOMS = ["a", "b", "1", r"\s+", r"[\s-]+", r"\d", r"\d\d?", "(?:a|ab)", r"(?!\w)", r"\.?",
         r"\-", r"(?:\s+\S+){0,2}?\s+", "['’]", "b*+", "a+", r"(?=\s)", "€", r"(?<![\w-])",
         r"[^\w#]", r"(?=\s+a)"]  # fmt: skip
TEXT_CHARS = ["a", "b", "A", " ", "-", "1", "٣", ".", "’", "'", "€", "?", "\xa0", "é", "\t"]
texts = st.lists(st.sampled_from(TEXT_CHARS), max_size=24).map("".join)


def every_match(pattern: re.Pattern[str], text: str) -> list[int]:
    return [p for p in range(len(text) + 1) if pattern.match(text, p)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=5).map("".join), min_size=1,
             max_size=4),
    st.lists(texts, min_size=1, max_size=4),
)  # fmt: skip
def test_every_place_a_pattern_matches_is_reported(sources: list[str], samples: list[str]) -> None:
    patterns = [re.compile(s) for s in sources]
    starts = Starts(patterns)
    for text in samples:
        for pattern, reported in zip(patterns, starts.find(text), strict=True):
            assert set(every_match(pattern, text)) <= set(reported), (pattern, text)
            assert reported == sorted(set(reported))


SCAN_PIECES = ["two", " hundred", " 40", "th", " 1,200", " stores", " new markets", " partnered",
               " with", " in", " partnership", " $", "€", "5", " major", " countries", " and",
               " regions", "-", "’", "\xa0", " first", " é", " launched", "bn", " million",
               "."]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SCAN_PIECES), max_size=16).map("".join))
def test_the_candidate_scan_is_found_wherever_python_finds_it(text: str) -> None:
    folded = fold_case(text)
    (reported,) = EXTRACTOR._starts.find(folded)
    assert set(every_match(EXTRACTOR.scan, folded)) <= set(reported)
