"""Errors that cannot succeed are not retried (issue 15): a stage with retries tries a mistake
in the input or configuration once, and still retries what may pass next time."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.states import Failed

import flows.pipeline
from flows.catalogue import CatalogueError
from flows.pipeline import can_succeed_on_retry, pipeline

REPO = Path(__file__).resolve().parents[2]


def _attempts(state, expected: str = "extract") -> dict[str, int]:
    """Each task of the flow run by its name, with how many times it ran (Prefect's API).
    Task runs reach the API as events, later than the flow's end on a loaded machine: read
    again until one named `expected...` is there (for up to 30 s)."""
    flow_run_id = state.state_details.flow_run_id
    deadline = time.monotonic() + 30
    while True:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
        found = {run.name: run.run_count for run in runs}
        if any(name.startswith(expected) for name in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_the_condition_refuses_configuration_errors_only() -> None:
    assert not can_succeed_on_retry(None, None, Failed(data=CatalogueError("metrics.yaml: x")))
    assert can_succeed_on_retry(None, None, Failed(data=OSError("disk full")))


def test_a_catalogue_typo_past_preflight_is_tried_once(
    prefect_server: None, seed_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(REPO / "catalogue", catalogue)
    metrics = catalogue / "metrics.yaml"
    metrics.write_text(metrics.read_text().replace("    unit: markets\n", "    unti: markets\n", 1))
    monkeypatch.setenv("FACTLEDGER_CATALOGUE_DIR", str(catalogue))
    state = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated", return_state=True)
    assert state.is_failed()
    with pytest.raises(CatalogueError, match=r"metrics\.yaml"):
        state.result()
    extract = [count for name, count in _attempts(state).items() if name.startswith("extract")]
    assert extract == [1]


def test_an_error_that_may_pass_is_still_retried(
    prefect_server: None, seed_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = flows.pipeline.extractor_for
    calls: list[Path] = []

    def flaky(catalogue_dir: Path):
        calls.append(catalogue_dir)
        if len(calls) == 1:
            raise OSError("catalogue on a mount that is not there yet")
        return real(catalogue_dir)

    monkeypatch.setattr(flows.pipeline, "extractor_for", flaky)
    state = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated", return_state=True)
    assert state.is_completed(), state.message
    extract = [count for name, count in _attempts(state).items() if name.startswith("extract")]
    assert extract == [2]
