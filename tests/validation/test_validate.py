"""The validate stage end to end on a real DuckDB: audit tables, quarantine, exceptions, exit
codes, and the issue's scenarios on the seed article of 2026-01-05."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from checks import CHECKS_DIR
from checks.registry import CheckCatalogueError
from flows.runtime.settings import Settings
from flows.validate import ValidationOutcome, exit_code, validate
from validation.ledger import SMART_2026, Ledger

FORTIETH = "its 40th international market"
SQL_ONLY = ("sql",)


def smart_40th_market(ledger: Ledger):
    """The seed article of 2026-01-05: "its 40th international market", a milestone (at least
    40 markets entered by then), dated by its own words ("On January 5")."""
    ledger.seed_document(SMART_2026, "2026-01-05")
    return ledger.claim(
        SMART_2026,
        "40th",
        "market_entry_ordinal",
        40,
        qualifier="ordinal",
        period_text="On January 5",
    )


def run(ledger: Ledger, settings: Settings, run_id: str = "run-1", **kwargs) -> ValidationOutcome:
    kwargs.setdefault("engines", SQL_ONLY)
    kwargs.setdefault("as_of", date(2026, 3, 1))
    return validate(ledger.con, settings, run_id, **kwargs)


def result(outcome: ValidationOutcome, check_id: str):
    return next(r for r in outcome.results if r.check_id == check_id)


def test_smart_35_markets_after_the_40th_is_a_warning(ledger: Ledger, settings: Settings) -> None:
    """Presence can fall below the markets ever entered: 35 markets operated in after the
    40th market entered warns (count_fell), blocks nothing, and fails a run only with
    --fail-on warn."""
    fortieth = smart_40th_market(ledger)
    ledger.document("003_smart_35.txt", "2026-02-01", "smart now operates in 35 markets.")
    thirty_five = ledger.claim("003_smart_35.txt", "35", "markets_count", 35)

    outcome = run(ledger, settings)

    assert result(outcome, "count_fell").status == "fail"
    assert result(outcome, "cumulative_never_decreases").status == "pass"
    assert outcome.worst_severity_failed == "warn"
    assert [exit_code(outcome, f) for f in ("error", "warn")] == [0, 1]
    rows = ledger.con.execute(
        "select claim_ids, document_files, quotes, severity from audit.violations "
        "where run_id = 'run-1' and check_id = 'count_fell'"
    ).fetchall()
    assert rows == [
        (
            [fortieth.claim_id, thirty_five.claim_id],
            [SMART_2026, "003_smart_35.txt"],
            ["40th", "35"],
            "warn",
        )
    ]
    assert FORTIETH in ledger.documents[SMART_2026].text  # the quote sits in the seed text
    assert outcome.claims_quarantined == 0
    assert outcome.claims_valid == 2


def test_smart_38th_market_entered_after_the_40th_fails_the_monotonic_check(
    ledger: Ledger, settings: Settings
) -> None:
    """Markets ever entered cannot fall: a 38th market entered on a later day of its own
    contradicts the 40th, an error whose claims are set aside."""
    fortieth = smart_40th_market(ledger)
    ledger.document("003_smart_38th.txt", "2026-03-02", "On 1 March smart entered its 38th market.")
    thirty_eighth = ledger.claim(
        "003_smart_38th.txt",
        "38th",
        "market_entry_ordinal",
        38,
        qualifier="ordinal",
        period="2026-03-01",
        period_text="On 1 March",
    )

    outcome = run(ledger, settings, as_of=date(2026, 4, 1))

    assert result(outcome, "cumulative_never_decreases").status == "fail"
    assert outcome.worst_severity_failed == "error"
    assert exit_code(outcome, "error") == 1
    rows = ledger.con.execute(
        "select claim_ids, quotes, status from audit.violations "
        "where run_id = 'run-1' and check_id = 'cumulative_never_decreases'"
    ).fetchall()
    assert rows == [([fortieth.claim_id, thirty_eighth.claim_id], ["40th", "38th"], "fail")]
    quarantined = {
        claim_id
        for (claim_id,) in ledger.con.execute(
            "select claim_id from quarantine.claims where run_id = 'run-1'"
        ).fetchall()
    }
    assert quarantined and quarantined <= {fortieth.claim_id, thirty_eighth.claim_id}


def test_smart_42_markets_on_the_day_of_the_40th_is_no_contradiction(
    ledger: Ledger, settings: Settings
) -> None:
    smart_40th_market(ledger)
    ledger.document("004_smart_42.txt", "2026-01-05", "Smart is present in 42 markets today.")
    ledger.claim("004_smart_42.txt", "42", "markets_count", 42)

    outcome = run(ledger, settings)

    assert {r.status for r in outcome.results} == {"pass"}


def two_counts_the_same_day(ledger: Ledger) -> tuple:
    ledger.document("005_smart_38.txt", "2025-06-24", "smart now operates in 38 countries.")
    ledger.document("006_smart_36.txt", "2025-06-24", "smart operates in 36 markets.")
    return (
        ledger.claim("005_smart_38.txt", "38", "markets_count", 38),
        ledger.claim("006_smart_36.txt", "36", "markets_count", 36),
    )


def test_smart_36_markets_on_the_day_of_38_fails_the_agreement_check(
    ledger: Ledger, settings: Settings
) -> None:
    thirty_eight, thirty_six = two_counts_the_same_day(ledger)

    outcome = run(ledger, settings)

    assert result(outcome, "same_time_claims_agree").status == "fail"
    (row,) = ledger.con.execute(
        "select claim_ids, quotes from audit.violations "
        "where run_id = 'run-1' and check_id = 'same_time_claims_agree'"
    ).fetchall()
    named = dict(zip(row[0], row[1], strict=True))
    assert named == {thirty_eight.claim_id: "38", thirty_six.claim_id: "36"}


def test_a_consistent_ledger_passes_every_sql_check(ledger: Ledger, settings: Settings) -> None:
    smart_40th_market(ledger)
    ledger.document("later.txt", "2026-06-01", "smart now operates in 41 markets.")
    ledger.claim("later.txt", "41", "markets_count", 41)

    outcome = run(ledger, settings)

    assert {r.status for r in outcome.results} == {"pass"}
    assert outcome.worst_severity_failed is None
    assert exit_code(outcome, "warn") == 0
    assert outcome.claims_valid == 2
    assert ledger.con.execute("select count(*) from audit.check_results").fetchone() == (
        len(outcome.results),
    )


def test_warnings_do_not_block_and_fail_on_changes_the_exit(
    ledger: Ledger, settings: Settings
) -> None:
    ledger.document("plan.txt", "2025-01-05", "smart plans to be in 60 markets by mid-2025.")
    plan = ledger.claim(
        "plan.txt", "60", "markets_count", 60, period="2025-06-30", status="planned"
    )

    outcome = run(ledger, settings)

    warning = result(outcome, "planned_confirmed_when_due")
    assert (warning.severity, warning.status, warning.violation_count) == ("warn", "fail", 1)
    assert outcome.worst_severity_failed == "warn"
    assert outcome.claims_valid == 1  # a warning quarantines nothing
    assert ledger.con.execute("select count(*) from quarantine.claims").fetchone() == (0,)
    assert [exit_code(outcome, f) for f in ("error", "warn", "never")] == [0, 1, 0]
    assert outcome.counts[("warn", "fail")] == 1
    assert (
        plan.claim_id
        in ledger.con.execute(
            "select claim_ids from audit.violations where check_id = 'planned_confirmed_when_due'"
        ).fetchone()[0]
    )


def test_a_reviewed_exception_is_shown_as_excepted_and_not_quarantined(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    thirty_eight, thirty_six = two_counts_the_same_day(ledger)
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(
        "exceptions:\n"
        "  - check: same_time_claims_agree\n"
        f"    claim_ids: [{thirty_six.claim_id}, {thirty_eight.claim_id}]\n"
        "    reason: The later article counts markets without Hong Kong and Macau.\n"
        "    reviewer: j.doe\n"
        "    date: 2026-11-20\n"
    )

    outcome = run(ledger, settings, exceptions_path=exceptions)

    check = result(outcome, "same_time_claims_agree")
    assert (check.status, check.violation_count, check.excepted_count) == ("excepted", 1, 1)
    assert outcome.worst_severity_failed is None
    assert exit_code(outcome) == 0
    assert ledger.con.execute(
        "select status, exception_reason from audit.violations"
    ).fetchall() == [
        (
            "excepted",
            "The later article counts markets without Hong Kong and Macau. "
            "(reviewed by j.doe on 2026-11-20)",
        )
    ]
    assert outcome.claims_quarantined == 0


def test_a_broken_sql_check_is_an_error_not_a_pass(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    checks = tmp_path / "checks"
    (checks / "sql").mkdir(parents=True)
    (checks / "catalogue.yaml").write_text(
        "checks:\n"
        "  - {id: broken, description: refers to a missing table, engine: sql,"
        " severity: warn, table: raw.claims}\n"
    )
    (checks / "sql" / "assert_broken.sql").write_text("select * from raw.no_such_table")

    outcome = run(ledger, settings, checks_dir=checks)

    (broken,) = outcome.results
    assert broken.status == "error"
    assert "no_such_table" in (broken.message or "")
    assert outcome.worst_severity_failed == "warn"


def test_the_stage_gives_back_duckdbs_join_filter_setting(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    # validate raises dynamic_or_filter_threshold (database-wide) for its row-number lookups;
    # the rest of the run, and a stage that fails, must get the value it had back
    smart_40th_market(ledger)
    ledger.con.execute("set dynamic_or_filter_threshold = 77")
    run(ledger, settings)
    with pytest.raises(CheckCatalogueError):
        run(ledger, settings, "run-2", checks_dir=tmp_path / "no_such_checks")
    (threshold,) = ledger.con.execute(
        "select current_setting('dynamic_or_filter_threshold')"
    ).fetchone()
    assert int(threshold) == 77


def test_audit_tables_are_append_only_across_runs(ledger: Ledger, settings: Settings) -> None:
    two_counts_the_same_day(ledger)
    run(ledger, settings, "run-1")
    run(ledger, settings, "run-2")
    con: duckdb.DuckDBPyConnection = ledger.con
    per_run = con.execute(
        "select run_id, count(*) from quarantine.claims group by run_id order by run_id"
    ).fetchall()
    assert [run_id for run_id, _ in per_run] == ["run-1", "run-2"]
    assert per_run[0][1] == per_run[1][1] > 0
    assert con.execute("select count(distinct run_id) from audit.check_results").fetchone() == (2,)


def test_exit_code_rejects_an_unknown_threshold(ledger: Ledger, settings: Settings) -> None:
    outcome = run(ledger, settings)
    with pytest.raises(ValueError, match="fail_on"):
        exit_code(outcome, "sometimes")


def test_the_catalogue_lists_every_sql_file() -> None:
    from checks.registry import load_check_catalogue

    listed = {s.id for s in load_check_catalogue(CHECKS_DIR) if s.engine == "sql"}
    on_disk = {p.stem.removeprefix("assert_") for p in (CHECKS_DIR / "sql").glob("assert_*.sql")}
    assert listed == on_disk
