"""Atomic publication: a publish killed at any point, or running beside a reader, never shows a
half-written state, and neither the reader nor the publisher waits for the other."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from publish_ledger import CONSISTENT_CORPUS, SMART_DECREASE, Warehouse, settings_for, table_rows

from flows.publish import publish, published_path
from flows.runtime.pause import PAUSE_ENV
from flows.runtime.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PUBLISH = (
    "import sys; from pathlib import Path; from flows.publish import publish; "
    "from flows.runtime.settings import Settings; "
    "publish(Settings(raw_dir=Path(sys.argv[1]), curated_dir=Path(sys.argv[2])), sys.argv[3])"
)
# Prints what it sees, waits for a line on stdin, looks again through the same connection.
READER = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "see = lambda: con.execute('select (select count(*) from curated.claims),"
    " (select max(run_id) from audit.runs)').fetchone()\n"
    "print(*see(), flush=True); sys.stdin.readline(); print(*see(), flush=True)\n"
)
TABLES = ("curated.claims", "curated.metric_timeline", "audit.runs", "quarantine.claims")


def snapshot(database: Path) -> dict[str, list[tuple]]:
    return {table: table_rows(database, table) for table in TABLES}


def start_publish(settings: Settings, run_id: str, pause_at: str | None) -> subprocess.Popen:
    env = {**os.environ, PAUSE_ENV: pause_at or ""}
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISH, str(settings.raw_dir), str(settings.curated_dir), run_id],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(process: subprocess.Popen, stage: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            if f"factledger paused at {stage}" in line:
                return
            if not line and process.poll() is not None:
                break
    process.kill()
    pytest.fail(f"publish never paused at {stage} (exit {process.poll()})")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Warehouse, dict, dict]:
    """run-1 published; run-2 (which quarantines two claims) in the warehouse, not yet."""
    warehouse = Warehouse(settings_for(tmp_path))
    publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    old = snapshot(published_path(warehouse.settings))
    warehouse.run((*CONSISTENT_CORPUS, SMART_DECREASE), "run-2")
    # what run-2 publishes, built elsewhere from a copy, to compare with
    reference = Warehouse(settings_for(tmp_path / "reference"))
    reference.run(CONSISTENT_CORPUS, "run-1")
    publish(reference.settings, reference.run((*CONSISTENT_CORPUS, SMART_DECREASE), "run-2"))
    new = snapshot(published_path(reference.settings))
    assert old != new
    return warehouse, old, new


def without_run_columns(state: dict[str, list[tuple]]) -> dict[str, list]:
    """Curated rows only (audit rows carry timestamps that differ between the two builds)."""
    return {t: rows for t, rows in state.items() if t.startswith("curated.")}


def parquet_claims(curated: Path) -> list[str]:
    table = pq.read_table(curated / "parquet" / "curated" / "claims.parquet")
    return table.column("claim_id").to_pylist()


@pytest.mark.parametrize(
    "stage", ["building", "built", "exporting", "exported", "ready", "swapped"]
)
def test_a_publish_killed_at_any_stage_leaves_a_complete_publication(
    two_runs: tuple[Warehouse, dict, dict], stage: str
) -> None:
    warehouse, old, new = two_runs
    curated = warehouse.settings.curated_dir
    database = published_path(warehouse.settings)
    process = start_publish(warehouse.settings, "run-2", pause_at=stage)
    wait_for_pause(process, stage)
    kill(process)

    after_kill = snapshot(database)
    if stage == "swapped":  # `current` was repointed before the kill: the new one, whole
        assert without_run_columns(after_kill) == without_run_columns(new)
        assert after_kill["audit.runs"][-1][0] == "run-2"
    else:
        assert after_kill == old
    # the database and the Parquet copies are of one publication, whichever it is
    assert parquet_claims(curated) == [row[0] for row in after_kill["curated.claims"]]

    # the next publish removes what never went live, and completes
    publish(warehouse.settings, "run-2")
    assert without_run_columns(snapshot(database)) == without_run_columns(new)
    assert parquet_claims(curated) == [row[0] for row in new["curated.claims"]]
    versions = sorted(p.name for p in (curated / "publications").iterdir())
    previous = "run-2" if stage == "swapped" else "run-1"  # the one current before this publish
    assert [v.split(".", 1)[1] for v in versions] == [previous, "run-2"]
    assert (curated / "current").resolve().name == versions[-1]
    assert list(curated.glob(".*.link")) == []


def test_publishes_killed_after_random_delays_leave_old_or_new(
    two_runs: tuple[Warehouse, dict, dict],
) -> None:
    warehouse, old, new = two_runs
    database = published_path(warehouse.settings)
    delays = random.Random(4).sample([x / 10 for x in range(2, 40)], 6)
    for delay in delays:
        process = start_publish(warehouse.settings, "run-2", pause_at=None)
        time.sleep(delay)
        kill(process)
        state = snapshot(database)
        # once a publish has got through, the later ones republish the same run-2 rows
        assert state == old or without_run_columns(state) == without_run_columns(new), delay


def test_a_reader_neither_blocks_a_publish_nor_sees_it_midway(
    two_runs: tuple[Warehouse, dict, dict],
) -> None:
    warehouse, old, new = two_runs
    database = published_path(warehouse.settings)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = reader.stdout.readline().split()
        assert first == [str(len(old["curated.claims"])), "run-1"]
        started = time.monotonic()
        publish(warehouse.settings, "run-2")  # the reader still holds the old file open
        assert time.monotonic() - started < 30
        reader.stdin.write("\n")
        reader.stdin.flush()
        again = reader.stdout.readline().split()
        assert again == first  # the open connection keeps reading the old, complete file
    finally:
        reader.kill()
        reader.wait()
    assert without_run_columns(snapshot(database)) == without_run_columns(new)  # a new reader


def test_a_paused_publish_does_not_block_readers(two_runs: tuple[Warehouse, dict, dict]) -> None:
    warehouse, old, _ = two_runs
    process = start_publish(warehouse.settings, "run-2", pause_at="exported")
    try:
        wait_for_pause(process, "exported")
        started = time.monotonic()
        assert snapshot(published_path(warehouse.settings)) == old
        assert time.monotonic() - started < 10
    finally:
        kill(process)
