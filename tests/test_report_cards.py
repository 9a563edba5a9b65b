"""One cause, one card: the report groups violations by the claim they turn on, says which side
the resolution kept and why, and shows the published value before and after the run."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_DECREASE,
    SMART_OUTLIER,
    SMART_REPORT_SAME_DAY,
    Doc,
    Fact,
    Warehouse,
    publish_and_report,
    settings_for,
)
from test_report import RUN_1, RUN_2, run_and_report

from flows.report import ReportResult, markdown_summary


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(settings_for(tmp_path))


@pytest.fixture
def disputed(warehouse: Warehouse) -> ReportResult:
    """Run 1 consistent; run 2 adds an outlier against two agreeing documents, a report
    against the company's own release on one day, and a tie about deliveries since launch."""
    run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    docs = (*CONSISTENT_CORPUS, SMART_OUTLIER, SMART_REPORT_SAME_DAY, SMART_DECREASE)
    return run_and_report(warehouse, docs, RUN_2)


def card_headed(report: ReportResult, quote: str) -> dict:
    (card,) = [c for c in report.data["cards"] if c["pivot"]["quote"] == quote]
    return card


def test_each_cause_is_one_card_headed_by_the_claim_it_turns_on(disputed: ReportResult) -> None:
    assert [c["headline"] for c in disputed.data["cards"]] == [
        "\u201c140,000 cars since launch\u201d, 2026-02-01, contradicts 1 claim from 1 document",
        "\u201c36 markets\u201d, 2025-06-30, contradicts 2 claims from 2 documents",
        "\u201c41 global markets\u201d, 2026-01-05, contradicts 1 claim from 1 document",
    ]
    card = card_headed(disputed, "36 markets")
    assert card["severity"] == "error"
    assert card["checks"] == ["same_time_claims_agree"]
    assert len(card["violations"]) == 2  # the 36 against each 38: one card, not two
    assert [(r["value_text"], r["side"], r["state"]) for r in card["rows"]] == [
        ("38 countries and regions", "kept", "published"),
        ("38 markets", "kept", "published"),
        ("36 markets", "outlier", "quarantined"),
    ]


def test_a_card_says_which_side_was_kept_by_which_rule_and_why(disputed: ReportResult) -> None:
    outlier = card_headed(disputed, "36 markets")["resolution"]
    assert outlier["rule_id"] == "independent_documents_agree"
    assert outlier["rule"].startswith("Independent documents that agree outweigh one")
    assert outlier["reason"] == (
        "2 independent sources agree (Other Wire; The EV Report) against 1 (Rumour Mill)"
    )
    report = card_headed(disputed, "41 global markets")["resolution"]
    assert report["rule_id"] == "own_release_outweighs_report"
    tie = card_headed(disputed, "140,000 cars since launch")["resolution"]
    assert (tie["decision"], tie["rule_id"]) == ("tie", None)
    assert tie["effect"].startswith("every claim an error-severity check named is quarantined")


def test_a_card_shows_the_published_value_before_and_after_the_run(
    disputed: ReportResult,
) -> None:
    changes = card_headed(disputed, "36 markets")["changes"]
    assert [
        (c["period_end"], c["value_before"], c["value_after"], c["dispute_after"]) for c in changes
    ] == [("2025-06-30", "38", "38", "disputed")]
    (removed,) = card_headed(disputed, "140,000 cars since launch")["changes"]
    assert (removed["change"], removed["value_before"], removed["value_after"]) == (
        "removed",
        "150000",
        None,
    )


def test_the_page_renders_each_card_with_its_decision_escaped(disputed: ReportResult) -> None:
    page = disputed.html_path.read_text(encoding="utf-8")
    card = card_headed(disputed, "36 markets")
    start = page.index(f'id="card-{card["card_id"]}"')
    section = page[start : page.index("</details>", start)]
    assert "<strong>Kept:</strong> 38 countries and regions, 38 markets" in section
    assert "<strong>Outlier:</strong> 36 markets (g_2025_outlier.txt · Rumour Mill)" in section
    assert "<code>independent_documents_agree</code>" in section
    assert "38 → <strong>38</strong>" in section  # published before → after
    assert "at the end of June 2025 smart was present in <mark>36 markets</mark>" in section
    assert html.escape("<i>at most</i>") in section and "<i>" not in page
    assert page.count('<details class="group cause"') == 3
    # each failed check links to its cards
    check = page[page.index('id="check-same_time_claims_agree"') :]
    assert re.search(r'In 2 card\(s\) below: <a href="#card-dispute-[0-9a-f]+">', check)


def test_report_json_carries_the_same_cards(disputed: ReportResult) -> None:
    data = json.loads(disputed.json_path.read_text(encoding="utf-8"))
    assert data["cards"] == disputed.data["cards"]
    assert data["disputes"] == {"total": 3, "resolved": 2, "tied": 1}
    numbers = {
        v["violation_no"] for f in data["failures"] for g in f["groups"] for v in g["violations"]
    }
    assert {n for c in data["cards"] for n in c["violation_nos"]} == numbers


def test_a_violation_of_one_row_is_a_card_of_that_row(warehouse: Warehouse) -> None:
    """The #2's launch, planned for late 2026, is due by February 2027 and unconfirmed."""
    run = warehouse.run(CONSISTENT_CORPUS, RUN_1, as_of=date(2027, 2, 1))
    report = publish_and_report(warehouse.settings, run)
    (card,) = report.data["cards"]
    assert card["card_id"].startswith("row-") and card["resolution"] is None
    assert card["severity"] == "warn"
    assert card["headline"].startswith("\u201cThe #2 will debut in late 2026\u201d, 2026-12-31: ")


def test_the_markdown_artifact_lists_the_causes(disputed: ReportResult) -> None:
    text = markdown_summary(disputed)
    assert "**Causes** (3):" in text
    assert (
        "- error: \u201c36 markets\u201d, 2025-06-30, contradicts 2 claims from 2 documents. "
        "Rule independent_documents_agree kept 38 countries and regions, 38 markets over "
        "36 markets: 2 independent sources agree (Other Wire; The EV Report) against 1 "
        "(Rumour Mill)."
    ) in text
    assert 'Rumours &amp; "Co" &lt;Ltd&gt;' in text  # no markup from documents in the artifact


def test_a_part_against_its_total_is_no_dispute_and_its_card_has_no_sides(
    warehouse: Warehouse,
) -> None:
    """40 markets in Europe on the day of 38 worldwide: one of them is wrong, but they are not
    rival values of one thing to weigh (part_within_total quarantines both, as before)."""
    europe = Doc(
        "i_2025_europe.txt",
        "2025-07-05",
        "At the end of June 2025, smart was present in 40 markets in Europe.",
        facts=(
            Fact(
                "40 markets",
                "markets_count",
                40,
                period=("2025-06-30", "2025-06-30"),
                scope="Europe",
            ),
        ),
        publisher="Euro Wire",
    )
    report = run_and_report(warehouse, (*CONSISTENT_CORPUS, europe), RUN_1)
    assert report.data["disputes"] == {"total": 0, "resolved": 0, "tied": 0}
    cards = [c for c in report.data["cards"] if "part_within_total" in c["checks"]]
    assert cards and all(c["card_id"].startswith("row-") for c in cards)
    assert all(c["resolution"] is None for c in cards)
    assert {r["side"] for c in cards for r in c["rows"]} == {None}
