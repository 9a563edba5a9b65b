"""The Great Expectations suites, both ways, on a real DuckDB: a clean ledger passes; a row
that breaks the contract really fails GX; a GX result with exception_info is an error."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from checks.engines.gx import GxSession, JudgeError, judge, raised
from flows.catalogue import load_catalogue
from flows.runtime.settings import Settings
from flows.validate import ValidationOutcome, validate
from validation.ledger import INF, Ledger

TEXT = "smart operates in 38 markets with over 580 stores; the #5 launched in Milan."


@pytest.fixture
def clean(ledger: Ledger) -> Ledger:
    ledger.document("a.txt", "2025-06-24", TEXT)
    ledger.claim("a.txt", "38", "markets_count", 38)
    ledger.claim("a.txt", "over 580", "stores_count", 580, INF, lo_open=True)
    ledger.event("a.txt", "the #5 launched", "launch", "#5", ("2025-04-01", "2025-04-30"))
    return ledger


def run_gx(ledger: Ledger, settings: Settings) -> ValidationOutcome:
    return validate(ledger.con, settings, "r", engines=("gx",), as_of=date(2026, 1, 1))


def statuses(outcome: ValidationOutcome) -> dict[str, str]:
    return {r.check_id: r.status for r in outcome.results}


def test_a_clean_ledger_meets_every_contract_and_data_docs_are_built(
    clean: Ledger, settings: Settings
) -> None:
    outcome = run_gx(clean, settings)
    assert statuses(outcome) == {
        "gx_claims_contract": "pass",
        "gx_events_contract": "pass",
        "gx_documents_contract": "pass",
        "gx_cumulative_series": "pass",
    }
    assert outcome.gx_docs == settings.curated_dir / "gx" / "index.html"
    assert outcome.gx_docs.is_file()
    assert "gx_claims_contract" in outcome.gx_docs.read_text()


def test_an_outcome_sent_to_another_process_carries_its_finished_data_docs(
    clean: Ledger, settings: Settings
) -> None:
    """The judge renders the Data Docs while the run goes on; pickling the outcome (a Prefect
    result crossing processes) waits for them and sends the path, not the judge's ticket."""
    outcome = pickle.loads(pickle.dumps(run_gx(clean, settings)))
    assert outcome.gx_docs == settings.curated_dir / "gx" / "index.html"
    assert outcome.gx_docs.is_file()


@pytest.mark.parametrize(
    ("change", "check", "expectation"),
    [
        (
            "update raw.claims set status = 'rumoured' where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_in_set on status",
        ),
        (
            "update raw.claims set metric = 'moons' where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_in_set on metric",
        ),
        (
            "update raw.claims set scope = 'Atlantis' where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_in_set on scope",
        ),
        (
            "update raw.claims set unit = 'euros' where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_in_set on unit",
        ),
        (
            "update raw.claims set value_lo = -5 where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_between on value_lo",
        ),
        (
            "insert into raw.claims select * from raw.claims where quote = '38'",
            "gx_claims_contract",
            "expect_column_values_to_be_unique on claim_id",
        ),
        (
            "delete from raw.claims",
            "gx_claims_contract",
            "expect_column_values_to_be_between on row_count",
        ),
        (
            "alter table raw.claims add column extra integer",
            "gx_claims_contract",
            "expect_column_distinct_values_to_equal_set on columns",
        ),
        (
            "update raw.events set event_type = 'rumour'",
            "gx_events_contract",
            "expect_column_values_to_be_in_set on event_type",
        ),
        (
            "update raw.documents set format = 'pdf'",
            "gx_documents_contract",
            "expect_column_values_to_be_in_set on format",
        ),
        (
            "update raw.documents set size_bytes = 0",
            "gx_documents_contract",
            "expect_column_values_to_be_between on size_bytes",
        ),
    ],
)
def test_a_violating_row_really_fails(
    clean: Ledger, settings: Settings, change: str, check: str, expectation: str
) -> None:
    clean.con.execute(change)
    outcome = run_gx(clean, settings)
    assert {k for k, v in statuses(outcome).items() if v != "pass"} == {check}
    messages = [m for (m,) in clean.con.execute("select message from audit.violations").fetchall()]
    assert [m.split(":")[0] for m in messages] == [expectation]


def test_scopes_and_currency_codes_from_the_catalogue_pass(
    clean: Ledger, settings: Settings
) -> None:
    clean.con.execute("update raw.claims set scope = 'China' where quote = '38'")
    clean.con.execute(
        "update raw.claims set metric = 'revenue', unit = 'EUR', value_hi = 600"
        " where quote = 'over 580'"
    )
    assert set(statuses(run_gx(clean, settings)).values()) == {"pass"}


def deliveries_since_launch(ledger: Ledger) -> None:
    """A count that cannot fall (can_fall: false), the series GX judges: 70,000 by 2024."""
    ledger.document("c.txt", "2025-01-02", "70,000 cars delivered since launch, 30,000 in Europe")
    ledger.claim("c.txt", "70,000", "cumulative_deliveries", 70000, period="2024-12-31")
    ledger.claim(
        "c.txt", "30,000", "cumulative_deliveries", 30000, period="2024-12-31", scope="Europe"
    )


def test_a_fall_across_scopes_is_not_a_fall_in_a_series(clean: Ledger, settings: Settings) -> None:
    deliveries_since_launch(clean)
    clean.document("b.txt", "2025-09-01", "35,000 cars delivered in Europe since launch")
    clean.claim("b.txt", "35,000", "cumulative_deliveries", 35000, scope="Europe")  # Europe's
    assert statuses(run_gx(clean, settings))["gx_cumulative_series"] == "pass"


def test_a_count_that_can_fall_falling_is_not_gxs(clean: Ledger, settings: Settings) -> None:
    # markets operated in can be left: a warning of the SQL checks (count_fell), not a series
    clean.document("b.txt", "2025-09-01", "now in 35 markets")
    clean.claim("b.txt", "35", "markets_count", 35)
    clean.document("d.txt", "2025-10-01", "its 40th market; its 2nd market")
    clean.claim("d.txt", "40th", "market_entry_ordinal", 40, qualifier="ordinal")
    # a milestone is a floor, "at least 2", never an upper bound of the series
    clean.claim("d.txt", "2nd", "market_entry_ordinal", 2, period="2025-11-01")
    assert statuses(run_gx(clean, settings))["gx_cumulative_series"] == "pass"


def test_duplicate_claim_ids_are_named(clean: Ledger, settings: Settings) -> None:
    clean.con.execute("insert into raw.claims select * from raw.claims where quote = '38'")
    (claim_id,) = clean.con.execute("select claim_id from raw.claims where quote = '38'").fetchone()
    run_gx(clean, settings)
    assert clean.con.execute("select claim_ids from audit.violations").fetchall() == [([claim_id],)]


def test_a_cumulative_series_that_falls_fails_naming_the_later_claim(
    clean: Ledger, settings: Settings
) -> None:
    deliveries_since_launch(clean)
    clean.document("b.txt", "2025-09-01", "65,000 cars delivered since launch")
    later = clean.claim("b.txt", "65,000", "cumulative_deliveries", 65000)
    outcome = run_gx(clean, settings)
    assert statuses(outcome)["gx_cumulative_series"] == "fail"
    assert clean.con.execute("select check_id, claim_ids from audit.violations").fetchall() == [
        ("gx_cumulative_series", [later.claim_id])
    ]


def test_an_expectation_that_raises_is_an_error_never_a_pass_or_a_failure(
    settings: Settings,
) -> None:
    session = GxSession(settings.curated_dir / "gx", load_catalogue(settings.catalogue_dir))
    columns = {"x": [1, 2]}
    results = session.validate_frame(
        "probe",
        columns,
        [
            ("ExpectColumnValuesToBeBetween", {"column": "no_such_column", "min_value": 0}),
            ("ExpectColumnValuesToBeBetween", {"column": "x", "min_value": 0}),
        ],
    )
    assert [raised(r) is not None for r in results] == [True, False]
    violations, errors = judge("probe", results, columns)
    assert violations == []
    assert len(errors) == 1 and "no_such_column" in errors[0]


def test_a_judge_that_raises_makes_the_check_an_error(settings: Settings) -> None:
    session = GxSession(settings.curated_dir / "gx", load_catalogue(settings.catalogue_dir))
    with pytest.raises(JudgeError, match="NoSuchExpectation"):
        session.validate_frame("probe", {"x": [1]}, [("NoSuchExpectation", {"column": "x"})])
    # the judge goes on answering
    assert session.validate_frame("probe2", {"x": [1]}, []) == []


def test_a_judge_that_died_is_an_error_and_the_next_run_gets_a_new_one(
    clean: Ledger, settings: Settings
) -> None:
    import os
    import signal

    from checks.engines.gx_judge import ready

    first = ready()
    os.kill(first, signal.SIGKILL)
    with pytest.raises(JudgeError, match="died"):
        ready()
    outcome = run_gx(clean, settings)  # warm_up() starts a new judge
    assert set(statuses(outcome).values()) == {"pass"}
    assert ready() != first


def test_gx_sends_no_usage_statistics_and_shows_no_progress_bars(settings: Settings) -> None:
    import os

    session = GxSession(settings.curated_dir / "gx", load_catalogue(settings.catalogue_dir))
    settings_in_judge = session.settings()
    assert settings_in_judge["analytics_enabled"] is False
    assert settings_in_judge["progress_bars"] is False
    assert settings_in_judge["env"].lower() == "false"
    assert os.environ["GX_ANALYTICS_ENABLED"].lower() == "false"


def test_the_suites_cover_every_gx_check() -> None:
    from checks import CHECKS_DIR
    from checks.engines.gx import load_suites
    from checks.registry import load_check_catalogue

    gx_checks = {s.id for s in load_check_catalogue(CHECKS_DIR) if s.engine == "gx"}
    assert gx_checks == set(load_suites())
    assert Path(CHECKS_DIR / "gx" / "suites.yaml").is_file()


def test_a_duplicate_id_the_row_check_found_and_a_reviewer_excepted_still_fails_gx(
    clean: Ledger, settings: Settings, tmp_path: Path
) -> None:
    """With pandera in the run, GX looks up only the ids pandera found repeated in raw.claims
    (staging.claims_valid is made of its rows): an excepted duplicate stays published, and GX
    must still find it there."""
    clean.con.execute("insert into raw.claims select * from raw.claims where quote = '38'")
    (claim_id,) = clean.con.execute("select claim_id from raw.claims where quote = '38'").fetchone()
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(
        "exceptions:\n"
        "  - check: claims_row_contract\n"
        f"    claim_ids: [{claim_id}]\n"
        "    reason: the loader ran twice (test).\n"
        "    reviewer: j.doe\n"
        "    date: 2026-11-21\n"
    )
    outcome = validate(
        clean.con,
        settings,
        "r",
        engines=("pandera", "gx"),
        as_of=date(2026, 1, 1),
        exceptions_path=exceptions,
    )
    assert statuses(outcome)["claims_row_contract"] == "excepted"
    assert clean.con.execute(
        "select repeated from repeated_keys where table_name = 'raw.claims'"
    ).fetchall() == [([claim_id],)]
    assert statuses(outcome)["gx_claims_contract"] == "fail"
    assert clean.con.execute(
        "select claim_ids from audit.violations where check_id = 'gx_claims_contract'"
    ).fetchall() == [([claim_id],)]


def test_the_repeated_ids_of_an_earlier_run_are_not_reused(
    clean: Ledger, settings: Settings
) -> None:
    """A run with pandera records that raw.claims repeats no id; a later GX-only run, after a
    duplicate was loaded, must count the ids itself, not reuse that fact."""
    outcome = validate(clean.con, settings, "r1", engines=("pandera", "gx"), as_of=date(2026, 1, 1))
    assert set(statuses(outcome).values()) == {"pass"}
    assert clean.con.execute("select repeated from repeated_keys").fetchall() == [([],)] * 3
    clean.con.execute("insert into raw.claims select * from raw.claims where quote = '38'")
    outcome = run_gx(clean, settings)
    assert statuses(outcome)["gx_claims_contract"] == "fail"


def test_the_claims_contract_counts_ids_itself_outside_a_run(
    clean: Ledger, settings: Settings
) -> None:
    """Called without a run's tables (no repeated_keys), the reduction counts the ids."""
    from checks.engines.gx import contract_frame, load_suites

    clean.con.execute("insert into raw.claims select * from raw.claims where quote = '38'")
    clean.con.execute("create or replace view claims_copy as select * from raw.claims")
    assert clean.con.execute(
        "select count(*) from duckdb_tables() where table_name = 'repeated_keys'"
    ).fetchone() == (0,)
    catalogue = load_catalogue(settings.catalogue_dir)
    columns, _ = contract_frame(
        clean.con, "claims_copy", load_suites()["gx_claims_contract"], catalogue
    )
    (claim_id,) = clean.con.execute("select claim_id from raw.claims where quote = '38'").fetchone()
    assert columns["claim_id"] == [claim_id, claim_id]
