"""The pipeline's last step: the publication goes live, then the run records it. When the
record cannot be written, the run says it published (PublishedNotRecorded, exit 3), and the
next run completes the record."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from publish_ledger import CONSISTENT_CORPUS, Warehouse, settings_for

from flows import audit, pipeline
from flows.publish import build_publication, current_version
from flows.warehouse import connect


def test_a_record_that_fails_after_the_swap_says_the_run_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = Warehouse(settings_for(tmp_path))
    settings = warehouse.settings
    run = warehouse.run(CONSISTENT_CORPUS, "run-1")
    with connect(settings.warehouse_path, settings.duckdb_memory_limit) as con:
        con.execute("update audit.runs set status = 'publishing' where run_id = 'run-1'")
    publication = build_publication(settings, run)

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "record_run_end", disk_full)
    with pytest.raises(pipeline.PublishedNotRecorded, match=r"published .*run-1.*the next run"):
        pipeline.go_live.fn(settings, publication, {})
    assert current_version(settings.curated_dir) == publication.version

    # the next run, holding the lock, finds it 'publishing' with its publication current
    with connect(settings.warehouse_path, settings.duckdb_memory_limit) as con:
        audit.start_run(con, "run-2", settings.raw_dir)
        assert audit.abandon_dead_runs(con, "run-2", "run-1") == []
        rows = con.execute("select run_id, status from audit.runs order by run_id").fetchall()
    assert rows == [("run-1", "completed"), ("run-2", "running")]


def test_runs_left_unfinished_by_a_dead_process_are_abandoned(tmp_path: Path) -> None:
    warehouse = Warehouse(settings_for(tmp_path))
    path = warehouse.settings.warehouse_path
    warehouse.run(CONSISTENT_CORPUS, "run-1")
    with duckdb.connect(str(path)) as con:
        audit.start_run(con, "run-2", "raw")  # died while running
        audit.start_run(con, "run-3", "raw")
        audit.finish_run(con, "run-3", "publishing", {}, None)  # died before its swap
        audit.start_run(con, "run-4", "raw")  # the run that finds them
        assert audit.abandon_dead_runs(con, "run-4", "run-1") == ["run-2", "run-3"]
        rows = con.execute(
            "select run_id, status, message from audit.runs order by run_id"
        ).fetchall()
    assert rows == [
        ("run-1", "completed", None),
        ("run-2", "abandoned", "its process ended while running; found by run run-4"),
        ("run-3", "abandoned", "its process ended while publishing; found by run run-4"),
        ("run-4", "running", None),
    ]
