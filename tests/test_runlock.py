"""The pipeline lock: one run at a time per curated directory, across processes."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flows.runtime.runlock import (
    LockHolder,
    PipelineBusy,
    lock_path_for,
    pipeline_lock,
    read_holder,
)

# A child process that takes the lock, says so on stdout, then holds it for argv[2] seconds
# (or until killed). Optionally appends "enter"/"leave" lines to argv[3] inside the lock.
HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flows.runtime.runlock import pipeline_lock

    curated, hold = Path(sys.argv[1]), float(sys.argv[2])
    journal = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    with pipeline_lock(curated, wait_seconds=60, run_id="child"):
        print("locked", flush=True)
        if journal:
            with journal.open("a") as f:
                f.write(f"enter {sys.argv[4]}\\n")
        time.sleep(hold)
        if journal:
            with journal.open("a") as f:
                f.write(f"leave {sys.argv[4]}\\n")
    """
)


def start_holder(curated: Path, hold_seconds: float, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(curated), str(hold_seconds), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_until_locked(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"


@pytest.fixture
def holder(tmp_path: Path):
    """A child process holding the lock on tmp_path/curated until the test ends."""
    curated = tmp_path / "curated"
    child = start_holder(curated, 600)
    wait_until_locked(child)
    yield curated, child
    if child.poll() is None:
        child.kill()
    child.wait(timeout=10)


def test_the_lock_records_its_holder_and_clears_it_on_release(tmp_path: Path) -> None:
    curated = tmp_path / "not-yet-created"
    with pipeline_lock(curated, wait_seconds=0, run_id="r1") as me:
        assert me.pid == os.getpid()
        assert read_holder(lock_path_for(curated)) == me
    assert read_holder(lock_path_for(curated)) is None
    with pipeline_lock(curated, wait_seconds=0):  # free again at once
        pass


def test_a_second_run_times_out_naming_the_holder(holder) -> None:
    curated, child = holder
    started = time.monotonic()
    with pytest.raises(PipelineBusy) as busy, pipeline_lock(curated, wait_seconds=0.5):
        pytest.fail("the lock was granted while another process held it")
    waited = time.monotonic() - started
    assert 0.5 <= waited < 5
    assert busy.value.holder is not None
    assert busy.value.holder.pid == child.pid
    assert f"pid {child.pid}" in str(busy.value)
    assert busy.value.holder.started_at in str(busy.value)
    assert "run child" in str(busy.value)


def test_a_second_run_waits_for_the_first_then_proceeds(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    child = start_holder(curated, 1.5)
    wait_until_locked(child)
    seen: list[LockHolder | None] = []
    started = time.monotonic()
    with pipeline_lock(curated, wait_seconds=30, on_wait=seen.append) as me:
        waited = time.monotonic() - started
        assert child.wait(timeout=10) == 0  # the holder finished before we got the lock
        assert me.pid == os.getpid()
    assert 0.5 < waited < 25
    assert len(seen) == 1 and seen[0] is not None and seen[0].pid == child.pid


def test_killing_the_holder_frees_the_lock(holder) -> None:
    curated, child = holder
    with pytest.raises(PipelineBusy), pipeline_lock(curated, wait_seconds=0):
        pass
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    # The stale holder record is still in the file, but the kernel released the flock.
    with pipeline_lock(curated, wait_seconds=0) as me:
        assert me.pid == os.getpid()


def test_two_processes_started_at_once_never_overlap(tmp_path: Path) -> None:
    curated, journal = tmp_path / "curated", tmp_path / "journal.txt"
    children = [start_holder(curated, 0.5, str(journal), name) for name in ("a", "b")]
    for child in children:
        child.communicate(timeout=30)
        assert child.returncode == 0
    lines = journal.read_text().split()
    events = list(zip(lines[::2], lines[1::2], strict=True))
    assert len(events) == 4
    # enter x, leave x, enter y, leave y: the second entered only after the first left.
    assert [kind for kind, _ in events] == ["enter", "leave", "enter", "leave"]
    assert events[0][1] == events[1][1] != events[2][1] == events[3][1]


def test_pipeline_busy_survives_pickling(tmp_path: Path) -> None:
    holder = LockHolder(
        pid=1,
        host="h",
        started_at="2026-01-01T00:00:00+00:00",
        run_id=None,
        command="factledger run",
    )
    busy = PipelineBusy(tmp_path / ".pipeline.lock", holder, 3.0)
    again = pickle.loads(pickle.dumps(busy))
    assert str(again) == str(busy)
    assert again.holder == holder


# --- the pipeline under the lock: real `factledger run` processes ----------------------------

REPO = Path(__file__).resolve().parents[1]
FACTLEDGER = Path(sys.executable).parent / "factledger"


def factledger_run(raw: Path, curated: Path, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    environment.update(PREFECT_HOME=str(curated.parent / "prefect-home"), **env)
    return subprocess.Popen(
        [FACTLEDGER, "run", "--raw", str(raw), "--curated", str(curated)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return raw


@pytest.mark.integration
def test_two_runs_started_at_once_run_one_after_the_other(raw_copy: Path, tmp_path: Path) -> None:
    import duckdb

    curated = tmp_path / "curated"
    runs = [factledger_run(raw_copy, curated) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode in (0, 1), err[-3000:]  # 1: a check failed; the run completed
    with duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True) as con:
        audit = con.execute(
            """select status, documents_new, documents_unchanged, started_at, finished_at
               from audit.runs order by started_at"""
        ).fetchall()
        claims, distinct = con.execute(
            "select count(*), count(distinct claim_id) from raw.claims"
        ).fetchone()
        documents = con.execute("select count(*) from raw.documents").fetchone()[0]
    assert [(status, new, unchanged) for status, new, unchanged, *_ in audit] == [
        ("completed", 3, 0),
        ("completed", 0, 3),  # the second saw the first's work, whole
    ]
    first_finished, second_started = audit[0][4], audit[1][3]
    assert first_finished <= second_started  # never interleaved
    assert documents == 3
    assert claims == distinct > 0  # nothing duplicated, nothing lost


@pytest.mark.integration
def test_a_run_that_cannot_get_the_lock_in_time_exits_2_naming_the_holder(
    raw_copy: Path, tmp_path: Path
) -> None:
    curated = tmp_path / "curated"
    with pipeline_lock(curated, wait_seconds=0, run_id="held-by-the-test"):
        run = factledger_run(raw_copy, curated, FACTLEDGER_LOCK_WAIT_SECONDS="1")
        _, err = run.communicate(timeout=600)
    assert run.returncode == 2, err[-3000:]
    assert f"pid {os.getpid()}" in err
    assert "run held-by-the-test" in err
    assert not (curated / "warehouse.duckdb").exists()  # it touched nothing
