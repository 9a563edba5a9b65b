"""Resolved, not purged: the consensus stays published, marked disputed with every source, and
only the outlier is quarantined; a tie quarantines both sides as before; each publication
records the timeline values it changed (audit.timeline_changes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_DECREASE,
    SMART_OUTLIER,
    SMART_REPORT_SAME_DAY,
    Warehouse,
    settings_for,
)

from checks import CHECKS_DIR
from flows.publish import publish, published_path


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(settings_for(tmp_path))


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def published_run(warehouse: Warehouse, docs, run_id: str = "run-1", **options) -> Path:
    return publish(warehouse.settings, warehouse.run(docs, run_id, **options)).database


def test_two_agreeing_documents_keep_their_value_and_only_the_outlier_is_quarantined(
    warehouse: Warehouse,
) -> None:
    database = published_run(warehouse, (*CONSISTENT_CORPUS, SMART_OUTLIER))
    (reason,) = query(database, "select reason from quarantine.claims where quote = '36 markets'")
    assert query(database, "select distinct quote from quarantine.claims") == [("36 markets",)]
    assert "(outlier in dispute-" in reason[0] and "rule independent_documents_agree" in reason[0]
    assert query(
        database,
        """select quote, check_status, dispute_side from curated.claims
           where metric = 'markets_count' and period_end = '2025-06-30' order by quote""",
    ) == [("38 countries and regions", "disputed", "kept"), ("38 markets", "disputed", "kept")]
    (row,) = query(
        database,
        """select value_text, confirmation, dispute, dispute_rules,
               [(s.side, s.file, s.publisher, s.quarantined) for s in dispute_sources]
           from curated.metric_timeline
           where metric = 'markets_count' and period_end = '2025-06-30'""",
    )
    assert row == (
        "38",
        "multiple sources",
        "disputed",
        ["independent_documents_agree"],
        [
            ("kept", "b_2025.txt", "The EV Report", False),
            ("kept", "c_2025_wire.txt", "Other Wire", False),
            ("outlier", "g_2025_outlier.txt", "Rumour Mill", True),
        ],
    )
    assert query(
        database,
        """select markets_text, markets_dispute, len(markets_dispute_sources)
           from curated.footprint where date = '2025-06-30'""",
    ) == [("38", "disputed", 3)]
    (dispute,) = query(
        database,
        """select severity, decision, rule_id, check_ids, claim_count, document_count,
               pivot_claim_id = (select claim_id from quarantine.claims)
           from audit.disputes""",
    )
    assert dispute == (
        "error",
        "resolved",
        "independent_documents_agree",
        ["same_time_claims_agree"],
        3,
        3,
        True,
    )


def test_for_one_date_the_companys_own_release_is_kept_against_a_report(
    warehouse: Warehouse,
) -> None:
    database = published_run(warehouse, (*CONSISTENT_CORPUS, SMART_REPORT_SAME_DAY))
    assert query(database, "select distinct quote from quarantine.claims") == [
        ("41 global markets",)
    ]
    assert query(
        database,
        "select markets_text, markets_dispute from curated.footprint where date = '2026-01-05'",
    ) == [("40", "disputed")]
    assert query(database, "select rule_id, reason from audit.disputes") == [
        (
            "own_release_outweighs_report",
            "the company's own release (Company Press Release) against a report about it "
            "(Test Wire), both for 2026-01-05",
        )
    ]


def test_a_tie_quarantines_both_sides_as_before_resolution(warehouse: Warehouse) -> None:
    database = published_run(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE))
    assert query(database, "select decision, rule_id from audit.disputes") == [("tie", None)]
    assert query(database, "select distinct side from audit.dispute_claims") == [("tied",)]
    reasons = query(database, "select reason from quarantine.claims order by quote")
    assert len(reasons) == 2 and all("(tie in dispute-" in r for (r,) in reasons)
    assert query(
        database, "select count(*) from curated.claims where metric = 'cumulative_deliveries'"
    ) == [(0,)]


def test_without_a_rules_file_every_side_is_quarantined(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    checks = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns("resolution.yaml"))
    database = published_run(warehouse, (*CONSISTENT_CORPUS, SMART_OUTLIER), checks_dir=checks)
    assert query(database, "select distinct quote from quarantine.claims order by 1") == [
        ("36 markets",),
        ("38 countries and regions",),
        ("38 markets",),
    ]
    assert query(database, "select decision from audit.disputes") == [("tie",)]


def test_each_publication_records_the_timeline_values_it_changed(warehouse: Warehouse) -> None:
    first = published_run(warehouse, CONSISTENT_CORPUS, "20260101T000000Z-aaaaaa")
    assert query(first, "select count(*) from audit.timeline_changes") == [(0,)]  # no previous
    second = published_run(
        warehouse, (*CONSISTENT_CORPUS, SMART_OUTLIER, SMART_DECREASE), "20260201T000000Z-bbbbbb"
    )
    changes = """
        select change, metric, period_end::varchar, value_before, value_after, dispute_before,
            dispute_after
        from audit.timeline_changes where run_id = '{}' order by metric, period_end
    """
    assert query(second, changes.format("20260201T000000Z-bbbbbb")) == [
        ("removed", "cumulative_deliveries", "2026-01-05", "150000", None, None, None),
        ("changed", "markets_count", "2025-01-01", "31", "31", None, "disputed"),  # implied
        ("changed", "markets_count", "2025-06-30", "38", "38", None, "disputed"),
    ]
    third = published_run(warehouse, CONSISTENT_CORPUS, "20260301T000000Z-cccccc")
    assert query(third, changes.format("20260301T000000Z-cccccc")) == [
        ("new", "cumulative_deliveries", "2026-01-05", None, "150000", None, None),
        ("changed", "markets_count", "2025-01-01", "31", "31", "disputed", None),
        ("changed", "markets_count", "2025-06-30", "38", "38", "disputed", None),
    ]
    # the history goes from publication to publication
    assert query(
        third, "select distinct previous_run_id from audit.timeline_changes order by 1"
    ) == [
        ("20260101T000000Z-aaaaaa",),
        ("20260201T000000Z-bbbbbb",),
    ]
    assert published_path(warehouse.settings).resolve() == third.resolve()
