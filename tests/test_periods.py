"""The period finder: time expressions → date intervals against the publication date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.catalogue import load_catalogue
from flows.extract.patterns import separator_class
from flows.extract.periods import UPCOMING_DAYS, PeriodFinder
from flows.extract.rules import load_rules

REPO = Path(__file__).resolve().parents[1]
FINDER = PeriodFinder(load_rules(load_catalogue(REPO / "catalogue")).periods)
D = date.fromisoformat

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
pubs = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))
years = st.integers(min_value=1990, max_value=2099)


@pytest.mark.parametrize(
    ("phrase", "published", "start", "end", "kind"),
    [
        ("in 2023", "2024-01-19", "2023-01-01", "2023-12-31", "explicit"),
        ("first half of 2025", "2025-06-24", "2025-01-01", "2025-06-30", "explicit"),
        ("In the first half of 2025", "2025-06-24", "2025-01-01", "2025-06-30", "explicit"),
        ("H1 2025", "2025-06-24", "2025-01-01", "2025-06-30", "explicit"),
        ("Q3 2024", "2025-01-01", "2024-07-01", "2024-09-30", "explicit"),
        ("in the third quarter of 2024", "2025-01-01", "2024-07-01", "2024-09-30", "explicit"),
        ("October 2023", "2024-01-19", "2023-10-01", "2023-10-31", "explicit"),
        ("early 2026", "2026-01-05", "2026-01-01", "2026-04-30", "explicit"),
        ("mid-2026", "2026-01-05", "2026-05-01", "2026-08-31", "explicit"),
        ("in late 2026", "2026-01-05", "2026-09-01", "2026-12-31", "explicit"),
        ("end of 2024", "2024-01-19", "2024-12-01", "2024-12-31", "explicit"),
        ("by mid-2026", "2026-01-05", "2026-01-05", "2026-08-31", "deadline"),
        ("by the end of next year", "2024-09-01", "2024-09-01", "2025-12-31", "deadline"),
        ("Last Year", "2024-01-19", "2023-01-01", "2023-12-31", "explicit"),
        ("this year", "2024-07-07", "2024-01-01", "2024-12-31", "explicit"),
        ("next year", "2025-03-01", "2026-01-01", "2026-12-31", "explicit"),
        ("On January 5", "2026-01-05", "2026-01-05", "2026-01-05", "explicit"),
        ("On December 30", "2025-01-03", "2024-12-30", "2024-12-30", "explicit"),
        ("on September 30", "2022-09-27", "2022-09-30", "2022-09-30", "explicit"),
        ("on November 30", "2022-09-27", "2021-11-30", "2021-11-30", "explicit"),
        ("in the December quarter", "2020-01-30", "2019-10-01", "2019-12-31", "explicit"),
        ("the June quarter of 2024", "2025-05-10", "2024-04-01", "2024-06-30", "explicit"),
        ("the March quarter", "2025-03-15", "2024-01-01", "2024-03-31", "explicit"),
        ("in the quarter", "2020-01-30", "2019-10-01", "2019-12-31", "explicit"),
        ("last quarter", "2025-05-10", "2025-01-01", "2025-03-31", "explicit"),
        ("now", "2025-06-24", "2025-06-24", "2025-06-24", "now"),
        ("currently", "2025-06-24", "2025-06-24", "2025-06-24", "now"),
    ],
)
def test_resolves_time_expressions(
    phrase: str, published: str, start: str, end: str, kind: str
) -> None:
    found = FINDER.parse(phrase, D(published))
    assert found is not None
    assert (found.start, found.end, found.kind, found.text) == (D(start), D(end), kind, phrase)


@pytest.mark.parametrize(
    "phrase", ["2023", "may", "March", "10 months", "the year", "Q5 2024", "a quarter", "quarter"]
)
def test_what_is_no_time(phrase: str) -> None:
    assert FINDER.parse(phrase, date(2024, 5, 5)) is None


def test_a_year_a_plan_is_for_is_a_horizon() -> None:
    text = "On January 5, expansion plans for 2026 were outlined"
    kinds = [m.kind for m in FINDER.find(text, 0, len(text), date(2026, 1, 5))]
    assert kinds == ["explicit", "horizon"]


def named_periods(year: int) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            f"{year}",
            f"first half of {year}",
            f"second half of {year}",
            f"H1 {year}",
            f"H2 {year}",
            *(f"Q{q} {year}" for q in range(1, 5)),
            *(f"{m} {year}" for m in MONTHS),
            f"early {year}",
            f"mid-{year}",
            f"late {year}",
            f"the end of {year}",
        ]
    )


@given(years.flatmap(lambda y: st.tuples(st.just(y), named_periods(y))), pubs)
def test_every_period_lies_in_its_year_with_start_before_end(
    named: tuple[int, str], pub: date
) -> None:
    year, phrase = named
    found = FINDER.parse(f"in {phrase}", pub)
    assert found is not None, phrase
    assert found.start <= found.end
    assert date(year, 1, 1) <= found.start and found.end <= date(year, 12, 31)


@given(years.flatmap(lambda y: named_periods(y)), pubs)
def test_by_a_period_ends_at_its_end(phrase: str, pub: date) -> None:
    plain = FINDER.parse(f"in {phrase}", pub)
    deadline = FINDER.parse(f"by {phrase}", pub)
    assert plain is not None and deadline is not None
    assert deadline.end == plain.end
    assert deadline.start <= deadline.end
    if plain.end >= pub:
        assert deadline.start == pub


@given(pubs, st.sampled_from([("last year", -1), ("this year", 0), ("next year", 1)]))
def test_relative_years_move_with_the_publication_date(pub: date, rel: tuple[str, int]) -> None:
    phrase, delta = rel
    found = FINDER.parse(phrase, pub)
    assert found is not None
    year = pub.year + delta
    assert (found.start, found.end) == (date(year, 1, 1), date(year, 12, 31))
    # Only the publication year matters: any day of that year gives the same period.
    same_year = FINDER.parse(phrase, date(pub.year, 1, 1) + timedelta(days=pub.day))
    assert (same_year.start, same_year.end) == (found.start, found.end)


@given(pubs, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=28))
def test_a_day_without_a_year_is_the_nearest_such_day_at_most_a_month_ahead(
    pub: date, month: int, day: int
) -> None:
    """The last such day up to publication, unless the coming one is at most UPCOMING_DAYS
    ahead ("to inaugurate ... on September 30" in a text of 27 September)."""
    found = FINDER.parse(f"on {MONTHS[month - 1]} {day}", pub)
    assert found is not None
    assert found.start == found.end
    assert -UPCOMING_DAYS <= (pub - found.start).days < 366 - UPCOMING_DAYS


def _vocabulary_pieces() -> list[str]:
    v = FINDER.vocab
    words = [*v.prepositions, *v.parts, *v.halves, *v.quarters, *v.months, *v.relative_years,
             *v.implied_year, *v.now]  # fmt: skip
    return [*(w.lower() for w in words), "the", "of", "2025", "1999", "5th", "12", "2100", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_vocabulary_pieces()),
                          st.sampled_from([" ", "  ", "-", ", ", ". ", "\n", "", "\u00a0"])),
                max_size=12))  # fmt: skip
def test_the_flat_prescan_starts_where_the_expression_does(pieces: list[tuple[str, str]]) -> None:
    """The scan (one flat alternation, for speed) accepts exactly where the expression does."""
    text = "".join(word + gap for word, gap in pieces)
    nested = re.compile(separator_class("-") + FINDER._source(fold=True)).match
    flat = FINDER._scan.match
    for hi in (len(text), len(text) // 2):
        for pos in range(hi):
            assert (nested(text, pos, hi) is None) == (flat(text, pos, hi) is None), (text, pos)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("Its fiscal year began Aug. 31, and it opened 40 stores.", 8),
        ("in the financial year ending March 31, 2024", 4),
        ("the company's fiscal year that begins February 1", 2),
        ("It opened 40 stores in fiscal 2024.", 1),  # nothing said: the calendar year
        ("The fiscal year was strong; it began hiring in May.", 1),  # no month of the year
    ],
)
def test_a_texts_fiscal_start_is_read_where_it_says(text: str, month: int) -> None:
    assert FINDER.fiscal_start(text) == month


@pytest.mark.parametrize(
    ("phrase", "start", "expected"),
    [
        ("in fiscal 2008", 9, ("2007-09-01", "2008-08-31")),
        ("in FY25", 4, ("2024-04-01", "2025-03-31")),
        ("in fiscal 2008", 1, ("2008-01-01", "2008-12-31")),
        ("during the fiscal year", 2, ("2025-02-01", "2026-01-31")),  # publication's own
        ("during the fiscal year", 5, ("2024-05-01", "2025-04-30")),
        ("this financial year", 1, ("2025-01-01", "2025-12-31")),
    ],
)
def test_fiscal_years_start_in_the_texts_month(
    phrase: str, start: int, expected: tuple[str, str]
) -> None:
    found = FINDER.find(phrase, 0, len(phrase), D("2025-04-10"), fiscal_start=start)
    assert [(m.start, m.end) for m in found] == [(D(expected[0]), D(expected[1]))]
