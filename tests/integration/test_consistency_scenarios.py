"""Issue scenarios end to end: a new document contradicts the seed corpus; the run says so."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.pipeline import ChecksFailed, pipeline
from flows.validate import exit_code

THIRTY_EIGHT = "now operates in 38 countries and regions"


def add_document(raw: Path, name: str, published_at: str, text: str) -> None:
    (raw / "documents" / name).write_text(text)
    with (raw / "manifest.csv").open("a") as manifest:
        manifest.write(f"{name},{published_at},Test,Test Wire,,smart\n")


def violations(database: Path, run_id: str, check_id: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            """select list_sort(quotes), list_sort(document_files) from audit.violations
               where run_id = ? and check_id = ? order by all""",
            [run_id, check_id],
        ).fetchall()


def published_quotes(database: Path) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {q for (q,) in con.execute("select quote from curated.claims").fetchall()}


def test_the_seed_corpus_passes_every_error_check(prefect_server, seed_raw, tmp_path) -> None:
    summary = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated")
    assert summary.validation.worst_severity_failed == "warn"
    failed = [
        (r.check_id, r.violation_count) for r in summary.validation.results if r.status != "pass"
    ]
    # The warnings, pinned: "#6 EHD … planned for launch by mid-2026" has passed its date
    # (judged against today) with no document confirming the launch; and "its 40th global
    # market" is also "its 40th international market" on the same day, which would leave no
    # market outside the international segment (one of the two scopes is loose).
    assert sorted(failed) == [("planned_confirmed_when_due", 1), ("segment_equals_total", 1)]
    assert exit_code(summary.validation, "error") == 0
    assert exit_code(summary.validation, "warn") == 1


def test_35_markets_after_38_and_the_40th_is_a_warning(prefect_server, seed_raw, tmp_path) -> None:
    """Markets operated in can fall (catalogue can_fall: true): 35 after "38 countries and
    regions" and after the 40th market entered warns (count_fell), quarantines nothing, and
    fails the run only with --fail-on warn."""
    add_document(seed_raw, "later.txt", "2026-02-01", "smart now operates in 35 markets.\n")
    summary = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated")
    assert exit_code(summary.validation, "error") == 0
    assert exit_code(summary.validation, "warn") == 1
    assert violations(summary.warehouse, summary.run_id, "cumulative_never_decreases") == []
    found = violations(summary.warehouse, summary.run_id, "count_fell")
    # one violation per pair of facts, naming every mention ("38" is stated twice)
    assert any({THIRTY_EIGHT, "now operates in 35 markets"} <= set(q) for q, _ in found)
    assert all("later.txt" in files for _, files in found)
    published = published_quotes(summary.publication.database)
    assert "now operates in 35 markets" in published
    assert "footprint to 22 countries and regions" in published


def test_36_markets_on_the_day_of_38_fails_the_agreement_check(
    prefect_server, seed_raw, tmp_path
) -> None:
    text = "In the first half of 2025, smart operated in 36 markets.\n"  # the 38's very period
    add_document(seed_raw, "same_day.txt", "2025-06-24", text)
    with pytest.raises(ChecksFailed) as failed:  # the flow run ends Failed, after publishing
        pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated")
    summary = failed.value.summary
    assert exit_code(summary.validation, "error") == 1
    found = violations(summary.warehouse, summary.run_id, "same_time_claims_agree")
    assert sorted([THIRTY_EIGHT, "36 markets"]) in [q for q, _ in found]


def test_42_markets_on_the_day_of_the_40th_market_is_no_contradiction(
    prefect_server, seed_raw, tmp_path
) -> None:
    """ "Its 40th market" is a milestone: at least 40 markets entered by that day, which 42
    markets present on the same day do not contradict."""
    add_document(seed_raw, "same_day.txt", "2026-01-05", "smart now operates in 42 markets.\n")
    summary = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated")
    assert exit_code(summary.validation, "error") == 0
    assert "now operates in 42 markets" in published_quotes(summary.publication.database)
