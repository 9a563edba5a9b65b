"""The run's audit trail: audit.runs, one row per run, from start to finish."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.load import utc_now

RUN_COUNTS = (
    "documents_new",
    "documents_changed",
    "documents_unchanged",
    "documents_removed",
    "documents_rejected",
    "claims",
    "events",
    "claim_rows_rejected",
)
# running → publishing (its publication built, not yet current) → completed; or failed; or,
# when its process died (found by the next run), abandoned.
STATUSES_A_RUN_SETS = ("publishing", "completed", "failed")
UNFINISHED = ("running", "publishing")


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: Path | str) -> None:
    """Record a run as 'running' (a crash leaves it so: visibly unfinished)."""
    if con.execute("select 1 from audit.runs where run_id = ?", [run_id]).fetchone():
        raise ValueError(f"audit.runs: run {run_id} was already started")
    con.execute(
        "insert into audit.runs (run_id, started_at, status, raw_dir) values (?, ?, 'running', ?)",
        [run_id, utc_now(), str(raw_dir)],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    counts: dict[str, int],
    message: str | None,
) -> None:
    """Record a run's status and counts (publishing, then completed; or failed).

    Only the keys that are audit.runs columns (RUN_COUNTS) are stored; others (such as
    per-stage tallies) are the caller's to report elsewhere. Missing ones stay null.
    """
    if status not in STATUSES_A_RUN_SETS:
        raise ValueError(f"audit.runs: run {run_id}: status must be one of {STATUSES_A_RUN_SETS}")
    stored = {name: counts[name] for name in RUN_COUNTS if name in counts}
    assignments = "".join(f", {name} = ?" for name in stored)
    updated = con.execute(
        f"update audit.runs set finished_at = ?, status = ?, message = ?{assignments}"
        " where run_id = ? returning run_id",
        [utc_now(), status, message, *stored.values(), run_id],
    ).fetchall()
    if not updated:
        raise ValueError(f"audit.runs: run {run_id} was never started")


def ledger_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows now in raw.claims and raw.events (all sources), for the run's record."""
    claims, events = con.execute(
        "select (select count(*) from raw.claims), (select count(*) from raw.events)"
    ).fetchone()  # type: ignore[misc]
    return {"claims": claims, "events": events}


def abandon_dead_runs(
    con: duckdb.DuckDBPyConnection, current_run: str, published_run: str | None
) -> list[str]:
    """Runs left unfinished by a process that died (the caller holds the pipeline lock, so no
    other run is alive): 'publishing' whose publication became current is completed, every
    other one abandoned. Returns the abandoned runs."""
    unfinished = con.execute(
        "select run_id, status from audit.runs where status in ? and run_id <> ? order by 1",
        [list(UNFINISHED), current_run],
    ).fetchall()
    abandoned = []
    for run_id, status in unfinished:
        if status == "publishing" and run_id == published_run:
            con.execute(
                "update audit.runs set status = 'completed', finished_at = ? where run_id = ?",
                [utc_now(), run_id],
            )
            continue
        con.execute(
            "update audit.runs set status = 'abandoned', finished_at = ?, message = ?"
            " where run_id = ?",
            [utc_now(), f"its process ended while {status}; found by run {current_run}", run_id],
        )
        abandoned.append(run_id)
    return abandoned
