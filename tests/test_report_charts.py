"""The report's timelines without a warehouse: numbers and dates in words, axes, labels, and
which series is a chart and which a line (flows/report_assets/charts.py)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.report_assets.charts import (
    chart,
    date_ticks,
    interval_text,
    readable,
    series_view,
    value_ticks,
)


def claim(start: str, end: str, value: float) -> dict:
    """A claim of a timeline in report.json: one exact value for a period."""
    return {
        "period_start": start,
        "period_end": end,
        "value_lo": value,
        "value_hi": value,
        "lo_open": False,
        "quote": f"{value} stores",
        "file": "a.txt",
        "state": "pass",
        "conflict": False,
    }


def series(*claims: dict, reconciled: tuple[dict, ...] = ()) -> dict:
    return {
        "entity": "acme",
        "metric": "stores_count",
        "scope": "global",
        "unit": "stores",
        "claims": list(claims),
        "reconciled": list(reconciled),
    }


@pytest.mark.parametrize(
    ("value", "words"),
    [(0, "0"), (38, "38"), (1234567, "1,234,567"), (2.5, "2.5"), (1e308, "1e+308")],
)
def test_readable_numbers_have_thousands_separators(value: float, words: str) -> None:
    assert readable(value) == words


def test_an_interval_in_words() -> None:
    assert interval_text(38, 38) == "38"
    assert interval_text(580, None, lo_open=True) == "over 580"
    assert interval_text(40, None) == "at least 40"
    assert interval_text(30000, 40000) == "30,000–40,000"


def test_value_ticks_are_round_and_reach_above_the_largest_value() -> None:
    assert value_ticks([150000, 140000]) == (200000, [0, 50000, 100000, 150000, 200000])
    assert value_ticks([40, 22]) == (50, [0, 10, 20, 30, 40, 50])
    assert value_ticks([]) == (1.0, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0])


@pytest.mark.parametrize(
    ("start", "end", "first", "count"),
    [
        (date(2025, 12, 2), date(2026, 3, 8), "Jan 2026", 3),  # months
        (date(2024, 11, 1), date(2026, 2, 1), "Jan 2025", 5),  # quarters
        (date(2022, 10, 1), date(2026, 2, 1), "Jan 2023", 7),  # half-years
        (date(2010, 3, 1), date(2026, 2, 1), "2011", 8),  # every other year
    ],
)
def test_date_ticks_fit_the_span(start: date, end: date, first: str, count: int) -> None:
    ticks = date_ticks(start, end)
    assert ticks[0][1] == first and len(ticks) == count
    assert all(start <= day <= end for day, _ in ticks)


def test_one_claim_or_one_point_is_a_line_and_two_points_a_chart() -> None:
    one = series_view(series(claim("2025-06-30", "2025-06-30", 131)))
    assert one["chart"] is None
    assert one["line"]["value"] == "131" and one["line"]["when"] == "as of 2025-06-30"
    same = series_view(
        series(claim("2025-06-30", "2025-06-30", 131), claim("2025-06-30", "2025-06-30", 131))
    )
    assert same["chart"] is None and len(same["line"]["quotes"]) == 2
    two = series_view(
        series(claim("2025-06-30", "2025-06-30", 131), claim("2025-12-31", "2025-12-31", 150))
    )
    assert two["line"] is None and [label.text for label in two["chart"].labels] == [
        "131",
        "150",
    ]


def test_labels_that_would_overlap_are_stacked() -> None:
    drawn = chart(
        series(claim("2025-06-30", "2025-06-30", 1000), claim("2025-07-01", "2025-07-01", 1001))
    )
    first, second = drawn.labels
    assert (first.text, second.text) == ("1,000", "1,001")
    assert second.y <= first.y - 13  # one line above, not on top of it


def test_an_absurd_value_is_charted_not_a_crash() -> None:
    """1e308 (a bad value a claims table can carry, issue 16): the page is still written."""
    drawn = chart(
        series(claim("2025-06-30", "2025-06-30", 38), claim("2025-12-31", "2025-12-31", 1e308))
    )
    assert [label.text for label in drawn.labels] == ["38", "1e+308"]
    assert all(len(tick.text) <= 8 for tick in drawn.y_ticks)  # '1.2e+308', not 309 digits
    assert 0 < drawn.left < drawn.width / 2
    top, ticks = value_ticks([1.7e308])  # no round number above it is a float
    assert top == ticks[-1] == pytest.approx(1.7976931348623157e308) and ticks[0] == 0
