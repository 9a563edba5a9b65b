"""The number reader: numbers as written → values (examples and properties)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.catalogue import load_catalogue
from flows.extract.numbers import NumberReader, interval_for
from flows.extract.rules import INTERVAL_KINDS, load_rules

REPO = Path(__file__).resolve().parents[1]
READER = NumberReader(load_rules(load_catalogue(REPO / "catalogue")).numbers)

UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words_below_thousand(n: int) -> str:
    """An independent spelling of 1..999 ("two hundred and fifty-one")."""
    hundreds, rest = divmod(n, 100)
    parts = [f"{UNITS[hundreds]} hundred"] if hundreds else []
    if rest:
        tens, units = divmod(rest, 10)
        said = UNITS[rest] if rest < 20 else TENS[tens] + (f"-{UNITS[units]}" if units else "")
        parts.append(said)
    return " and ".join(parts)


def in_words(n: int) -> str:
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    parts = [f"{words_below_thousand(thousands)} thousand"] if thousands else []
    if rest:
        parts.append(words_below_thousand(rest))
    return " ".join(parts)


@pytest.mark.parametrize(
    ("phrase", "value", "currency", "ordinal"),
    [
        ("38", 38, None, False),
        ("70,000", 70_000, None, False),
        ("seven", 7, None, False),
        ("twelve", 12, None, False),
        ("twenty-two", 22, None, False),
        ("Twenty-Two", 22, None, False),
        ("40th", 40, None, True),
        ("21st", 21, None, True),
        ("first", 1, None, True),
        ("$150 million", 150e6, "USD", False),
        ("$5 billion", 5e9, "USD", False),
        ("$1.2bn", 1.2e9, "USD", False),
        ("US$45 million", 45e6, "USD", False),
        ("USD 45 million", 45e6, "USD", False),
        ("1.2 million", 1.2e6, None, False),
        ("two hundred and fifty thousand", 250_000, None, False),
    ],
)
def test_reads_numbers_as_written(
    phrase: str, value: float, currency: str | None, ordinal: bool
) -> None:
    amount = READER.parse(phrase)
    assert amount is not None
    assert math.isclose(amount.value, value)
    assert (amount.currency, amount.ordinal) == (currency, ordinal)


@pytest.mark.parametrize("phrase", ["#5", "Series-A", "3-1234", "+60", "v2", "5G", "two-seat"])
def test_what_is_not_a_number(phrase: str) -> None:
    assert READER.parse(phrase) is None


def test_a_percentage_is_marked() -> None:
    assert READER.parse("20%").percent
    assert READER.parse("20 percent").percent


@given(st.integers(min_value=0, max_value=10**12))
def test_digits_with_separators_round_trip(n: int) -> None:
    assert READER.parse(f"{n:,}").value == n
    assert READER.parse(str(n)).value == n


@given(st.integers(min_value=0, max_value=999_999))
def test_numbers_in_words_round_trip(n: int) -> None:
    amount = READER.parse(in_words(n))
    assert amount is not None, in_words(n)
    assert amount.value == n


@given(st.integers(min_value=1, max_value=10_000))
def test_ordinals_round_trip(n: int) -> None:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    amount = READER.parse(f"{n}{suffix}")
    assert amount is not None and amount.ordinal and amount.value == n


@given(
    st.integers(min_value=1, max_value=999_999),
    st.sampled_from([("million", 1e6), ("billion", 1e9), ("bn", 1e9), ("m", 1e6)]),
)
def test_money_with_scale(n: int, scale: tuple[str, float]) -> None:
    word, factor = scale
    gap = "" if len(word) <= 2 else " "
    amount = READER.parse(f"${n:,}{gap}{word}")
    assert amount is not None and amount.currency == "USD"
    assert math.isclose(amount.value, n * factor)


@given(
    st.floats(min_value=0, max_value=1e13, allow_nan=False),
    st.sampled_from([*INTERVAL_KINDS, "exact"]),
    st.floats(min_value=0, max_value=0.5),
)
def test_intervals_are_ordered_and_hold_the_value(value: float, kind: str, tol: float) -> None:
    iv = interval_for(value, kind, tol)
    assert iv.lo <= iv.hi
    assert iv.lo <= value <= iv.hi
    if kind in ("above", "at_least"):
        assert math.isinf(iv.hi) and iv.lo == value and iv.lo_open == (kind == "above")
    if kind in ("up_to", "below"):
        assert iv.lo == 0 and iv.hi == value and iv.hi_open == (kind == "below")
