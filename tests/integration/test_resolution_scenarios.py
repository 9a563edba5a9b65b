"""Issue 14 end to end: a contradiction is resolved, not purged; the report gives it one card;
a run whose error-severity checks fail ends Failed in Prefect, after publishing what passed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import get_current_settings

from flows.pipeline import ChecksFailed, RunSummary, pipeline
from flows.validate import exit_code

THIRTY_THREE = "now operates in 33 countries"
THIRTY_EIGHTS = (
    "now operates in 38 countries and regions",
    "footprint to 38 countries and regions",
)
FORTIETHS = ("its 40th global market", "its 40th international market")

# "33 countries" after "38 countries and regions" is a fall of a count that can fall
# (markets_count can_fall: true): the warning count_fell, never an error.


def add_document(raw: Path, name: str, published_at: str, text: str, publisher: str) -> None:
    (raw / "documents" / name).write_text(text)
    with (raw / "manifest.csv").open("a") as manifest:
        manifest.write(f"{name},{published_at},{name},{publisher},,smart\n")


def rows(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def published_quotes(database: Path) -> set[str]:
    return {q for (q,) in rows(database, "select quote from curated.claims")}


def summary_of(raw: Path, curated: Path) -> RunSummary:
    """One pipeline run's summary, whether its checks passed or failed."""
    try:
        return pipeline(raw_dir=raw, curated_dir=curated)
    except ChecksFailed as failed:
        return failed.summary


def factledger_run(raw: Path, curated: Path, *options: str) -> subprocess.CompletedProcess:
    """`factledger run` as a user starts it, against this session's Prefect server."""
    command = [str(Path(sys.executable).with_name("factledger")), "run"]
    return subprocess.run(
        [*command, "--raw", str(raw), "--curated", str(curated), *options],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(curated.parent),
            "PREFECT_HOME": str(curated.parent / "prefect-cli"),
            "PREFECT_API_URL": str(get_current_settings().api.url),
        },
    )


# --- the issue's scenario: one article says 33 countries against the seeds' 38 and 40th -----


def test_33_countries_against_the_seeds_is_one_warning_card_and_the_consensus_stays(
    prefect_server: None, seed_raw: Path, tmp_path: Path
) -> None:
    curated = tmp_path / "curated"
    summary_of(seed_raw, curated)  # the seeds alone, published first
    add_document(
        seed_raw, "later.txt", "2026-04-10", "smart now operates in 33 countries.\n", "Test Wire"
    )
    state = pipeline(raw_dir=seed_raw, curated_dir=curated, return_state=True)
    assert state.is_completed()  # warnings only
    summary = state.result()
    database = summary.database

    # the agreeing claims stay published, and so does the 33 (presence can fall: a warning)
    assert {*THIRTY_EIGHTS, *FORTIETHS, THIRTY_THREE} <= published_quotes(database)
    assert summary.validation.claims_quarantined == 0
    footprint = {
        day: (text, dispute)
        for day, text, dispute in rows(
            database, "select date::varchar, markets_text, markets_dispute from curated.footprint"
        )
    }
    assert footprint["2025-06-24"] == ("38", "disputed")  # kept, with the 33 among its sources
    assert footprint["2026-04-10"] == ("33", "outlier")  # published: only warnings named it
    assert exit_code(summary.validation, "error") == 0
    assert exit_code(summary.validation, "warn") == 1

    # every violation naming the 33 is a warning, and together they are one card
    against_33 = rows(
        summary.warehouse,
        """select severity, quotes from audit.violations
           where run_id = ? and list_contains(quotes, ?)""",
        [summary.run_id, THIRTY_THREE],
    )
    assert against_33 and {severity for severity, _ in against_33} == {"warn"}
    opposed = {q for _, quotes in against_33 for q in quotes if q != THIRTY_THREE}
    assert set(THIRTY_EIGHTS) <= opposed and opposed & set(FORTIETHS)
    report = json.loads(summary.report.json_path.read_text(encoding="utf-8"))
    (card,) = [c for c in report["cards"] if any(r["quote"] == THIRTY_THREE for r in c["rows"])]
    assert card["pivot"]["quote"] == THIRTY_THREE
    assert len(card["violations"]) == len(against_33)
    documents = len({r["file"] for r in card["rows"] if r["quote"] != THIRTY_THREE})
    assert card["headline"] == (
        f"\u201c{THIRTY_THREE}\u201d, 2026-04-10, contradicts {len(opposed)} claims from "
        f"{documents} documents"
    )
    assert card["severity"] == "warn"
    assert card["resolution"]["effect"].startswith("warnings only: nothing is quarantined")
    # the published value before and after this run: the 33 is new on its date
    changed = {(c["period_end"], c["value_before"], c["value_after"]) for c in card["changes"]}
    assert ("2026-04-10", None, "33") in changed
    page = summary.report.html_path.read_text(encoding="utf-8")
    assert page.count(f'id="card-{card["card_id"]}"') == 1

    # and `factledger run --fail-on warn` exits 1 on it (nothing changed: no re-extraction)
    done = factledger_run(seed_raw, curated, "--fail-on", "warn")
    assert done.returncode == 1, done.stderr
    assert "verdict: FAILED" in done.stdout and "count_fell (warn)" in done.stdout


# --- one document against two agreeing ones, same date, a count that cannot fall -----------

TALLY_COLUMNS = (
    "file,entity,metric,value_lo,value_hi,qualifier,unit,value_text,period_start,period_end,"
    "status,quote"
)
TALLY_CSV = (
    "\n".join(
        [
            TALLY_COLUMNS,
            *(
                f'{file},smart,cumulative_deliveries,{n},{n},exact,units,"{n:,}",2026-03-02,'
                f'2026-03-02,reported,"{n:,}"'
                for file, n in (
                    ("tally_a.txt", 180000),
                    ("tally_b.txt", 180000),
                    ("tally_c.txt", 195000),
                )
            ),
        ]
    )
    + "\n"
)


@pytest.fixture
def one_against_two(seed_raw: Path) -> Path:
    """The seeds, and three tallies of deliveries since launch on 2 March 2026: two
    independent publishers say 180,000, one says 195,000 (a claims table made elsewhere)."""
    add_document(
        seed_raw, "tally_a.txt", "2026-03-02", "Registrations tally, smart, to date: 180,000.\n",
        "Registrations Weekly",
    )  # fmt: skip
    add_document(
        seed_raw, "tally_b.txt", "2026-03-02", "Tally to date for smart: 180,000.\n",
        "Fleet Data Monthly",
    )  # fmt: skip
    add_document(
        seed_raw, "tally_c.txt", "2026-03-02", "smart tally to date: 195,000.\n", "Rumour Mill"
    )
    (seed_raw / "claims").mkdir(exist_ok=True)
    (seed_raw / "claims" / "tallies.csv").write_text(TALLY_CSV)
    return seed_raw


def test_only_the_outlier_is_quarantined_and_the_run_ends_failed_after_publishing(
    prefect_server: None, one_against_two: Path, tmp_path: Path
) -> None:
    state = pipeline(raw_dir=one_against_two, curated_dir=tmp_path / "curated", return_state=True)

    # the orchestrator sees the verdict: Failed, naming the check, in the API's run history
    assert state.is_failed()
    assert "same_time_claims_agree" in state.message
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state.is_failed() and "same_time_claims_agree" in run.state.message

    # ... after publishing what passed
    summary = state.result(raise_on_failure=False).summary
    database = summary.database
    assert database.exists() and str(database) in state.message
    tallies = """select quote, file, check_status, dispute_side from curated.claims
                 where metric = 'cumulative_deliveries' order by file"""
    assert rows(database, tallies) == [
        ("180,000", "tally_a.txt", "disputed", "kept"),
        ("180,000", "tally_b.txt", "disputed", "kept"),
    ]
    assert rows(database, "select distinct quote, file from quarantine.claims") == [
        ("195,000", "tally_c.txt")
    ]
    (point,) = rows(
        database,
        """select value_text, dispute, dispute_rules,
               [(s.side, s.file, s.publisher, s.quarantined) for s in dispute_sources]
           from curated.metric_timeline where metric = 'cumulative_deliveries'""",
    )
    assert point == (
        "180000",
        "disputed",
        ["independent_documents_agree"],
        [
            ("kept", "tally_a.txt", "Registrations Weekly", False),
            ("kept", "tally_b.txt", "Fleet Data Monthly", False),
            ("outlier", "tally_c.txt", "Rumour Mill", True),
        ],
    )
    card = next(c for c in summary.report.data["cards"] if c["pivot"]["file"] == "tally_c.txt")
    assert (
        card["headline"] == "\u201c195,000\u201d, 2026-03-02, contradicts 2 claims from 2 documents"
    )
    assert card["resolution"]["rule_id"] == "independent_documents_agree"


def test_factledger_run_exits_1_with_its_summary_when_the_run_ends_failed(
    prefect_server: None, one_against_two: Path, tmp_path: Path
) -> None:
    done = factledger_run(one_against_two, tmp_path / "curated", "-vv")  # Prefect's log too
    assert done.returncode == 1, done.stderr
    assert "check same_time_claims_agree (error): fail" in done.stdout
    assert "verdict: FAILED" in done.stdout and "1 quarantined" in done.stdout
    assert "run failed" not in done.stderr  # not the exit-2 path: the run completed
    assert "Finished in state Failed('error-severity checks failed: same_time_claims_agree" in (
        done.stderr
    )
    assert (tmp_path / "curated" / "factledger.duckdb").exists()
