"""Alternations written as trees of common beginnings match what the plain alternations match."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.extract.patterns import (
    WordPresence,
    WordSearch,
    alternation,
    factored,
    fold_case,
    is_word_char,
    phrase_source,
    separator_class,
)

# Letters in both cases (and ones that fold to others), spaces, apostrophes, hyphens.
PHRASE_CHARS = ["a", "b", "A", "B", " ", "  ", "'", "’", "-", "é", "k", "K", "\u212a", "s", "ſ"]
TEXT_CHARS = [*PHRASE_CHARS, "\t", "x"]
# Atoms of regex source like the scans' branches: literals, whitespace runs, classes, groups,
# lazy and greedy quantifiers, look-arounds.
ATOMS = ["a", "b", "A", r"\s+", r"[\s-]+", r"\d", r"\d\d?", "(?:a|ab)", r"(?!\w)", r"\.?",
         r"\-", "1", r"(?:\s+\S+){0,2}?\s+", "['’]", "b*", "a+", r"(?=\s)"]  # fmt: skip
SOURCE_TEXT_CHARS = ["a", "b", "A", " ", "-", "1", "2", ".", "’", "'", "x"]
TAILS = ["", r"(?![\w])", r"(?![\w-])\s*b", r"\s"]


def same_matches(plain: str, tree: str, texts: list[str]) -> None:
    for tail in TAILS:
        for flags in (0, re.IGNORECASE):
            a = re.compile(f"(?P<g>{plain}){tail}", flags)
            b = re.compile(f"(?P<g>{tree}){tail}", flags)
            for text in texts:
                for pos in range(len(text) + 1):
                    found, expected = b.match(text, pos), a.match(text, pos)
                    assert (found and found.span("g")) == (expected and expected.span("g")), (
                        plain, tree, tail, flags, text, pos,
                    )  # fmt: skip


phrases = st.lists(st.sampled_from(PHRASE_CHARS), min_size=1, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(phrases.filter(str.strip), min_size=1, max_size=8),
    st.lists(st.lists(st.sampled_from(TEXT_CHARS), max_size=14).map("".join), max_size=4),
)
def test_a_phrase_alternation_matches_the_same_phrase_at_every_place(
    words: list[str], texts: list[str]
) -> None:
    unique = sorted(set(words), key=lambda p: (-len(p), p))
    plain = "(?:" + "|".join(phrase_source(p) for p in unique) + ")"
    same_matches(plain, alternation(words), texts)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=5).map("".join), max_size=7),
    st.lists(st.lists(st.sampled_from(SOURCE_TEXT_CHARS), max_size=12).map("".join), max_size=4),
)
def test_factored_branches_match_the_same_text_at_every_place(
    sources: list[str], texts: list[str]
) -> None:
    if sources:
        same_matches("|".join(sources), factored(sources), texts)


def test_common_beginnings_are_written_once() -> None:
    assert alternation(["countries", "country", "markets"]) == "(?:countr(?:ies|y)|markets)"
    # A branch ending where a later one goes on: the order given is kept, so no tree.
    assert factored(["xab", "x(?:a)", "xac"]) == "xab|x(?:a)|xac"


def test_the_separator_class_is_the_non_word_class_once_word_characters_are_dropped() -> None:
    """separator_class(x) with the is_word_char check finds exactly what [^\\w x] finds."""
    for not_separators in ["#+/.,-", "-", "#-", "#"]:
        fast = re.compile(separator_class(not_separators))
        exact = re.compile(rf"[^\w{re.escape(not_separators)}]")
        for code in [*range(0x3100), 0x212A, 0x1D7CE, 0x10FFFF, 0xFFFF, 0x2028, 0x3000]:
            c = chr(code)
            found = fast.match(c) is not None and not is_word_char(c)
            assert found == (exact.match(c) is not None), (not_separators, hex(code))


def lower_character_for_character(text: str) -> str:
    """fold_case as first written: str.lower, or per character when some lower to two."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


FOLD_CHARS = [chr(c) for c in range(0x250)] + [
    "İ", "Σ", "ς", "ẞ", "ǅ", "\u212a", "’", "“", "•", "–", "\ud800", "Ω", "ß", "ﬁ", "𝐀", "😀",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FOLD_CHARS), max_size=30).map("".join))
def test_fold_case_is_lower_character_for_character(text: str) -> None:
    assert fold_case(text) == lower_character_for_character(text)


# Lower-case phrases as the word lists have them, and text around them with separators the
# lists refuse ("#", "-"), letters beyond ASCII (word characters or not) and whole-word edges.
# A phrase opening with no letter makes a list search from separators, not from first letters.
WORD_PHRASES = ["ab", "a b", "ba", "b", "aé", "a-b", "’a"]
WORD_TEXT = ["a", "b", " ", "-", "#", "é", "’", ",", "x"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(WORD_PHRASES), min_size=1, max_size=3), min_size=1, max_size=3
    ),
    st.lists(st.sampled_from(["#-", "", "#"]), min_size=3, max_size=3),
    st.lists(st.sampled_from(WORD_TEXT), max_size=24).map("".join),
    st.integers(0, 24),
    st.integers(0, 24),
)
@example([["ab"], ["b"]], ["#-", "", "#"], "x-ab", 0, 4)  # "-": a separator for one list only
@example([["ab"], ["ba"]], ["", "", ""], "éab ’ba", 0, 7)  # a letter beyond ASCII is none
@example([["ab"], ["a b"]], ["#", "#", "#"], "ab x", 0, 4)  # a phrase at the text's start
def test_word_presence_answers_what_each_list_s_search_answers(
    lists: list[list[str]], not_separators: list[str], text: str, lo: int, hi: int
) -> None:
    searches = [WordSearch(p, n) for p, n in zip(lists, not_separators, strict=False)]
    lo, hi = min(lo, len(text)), min(max(lo, hi), len(text))
    found = WordPresence(searches).present(text, lo, hi)
    for s in searches:
        assert found[s] == (s.search(text, lo, hi) is not None), (s.phrases, text, lo, hi)
