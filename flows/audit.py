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
FINAL_STATUSES = ("completed", "failed")


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
    """Close a run with its status and counts.

    Only the keys that are audit.runs columns (RUN_COUNTS) are stored; others (such as
    per-stage tallies) are the caller's to report elsewhere. Missing ones stay null.
    """
    if status not in FINAL_STATUSES:
        raise ValueError(f"audit.runs: run {run_id}: status must be one of {FINAL_STATUSES}")
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
