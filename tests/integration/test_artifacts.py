"""The flow run carries the report: a Markdown summary and a table of failures, as artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.pipeline import pipeline


def artifacts_of(flow_run_id) -> dict[str, object]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found}


def test_the_flow_run_carries_the_summary_and_the_failures(
    prefect_server: None, seed_raw: Path, tmp_path: Path
) -> None:
    state = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated", return_state=True)
    summary = state.result()
    found = artifacts_of(state.state_details.flow_run_id)
    assert set(found) == {"factledger-report", "factledger-failures"}
    markdown = found["factledger-report"]
    assert markdown.type == "markdown"
    assert str(summary.report.html_path) in markdown.data
    assert "planned_confirmed_when_due" in markdown.data
    table = found["factledger-failures"]
    assert table.type == "table"
    assert "planned_confirmed_when_due" in str(table.data)
    assert "#6 EHD" in str(table.data)


def test_the_runs_gx_data_docs_are_written_and_named_but_not_linked(
    prefect_server: None, seed_raw: Path, tmp_path: Path
) -> None:
    """The Data Docs need the network for their styles: the page shows the GX results itself
    and does not link them; report.json still names where they are."""
    summary = pipeline(raw_dir=seed_raw, curated_dir=tmp_path / "curated")
    page = summary.report.html_path.read_text(encoding="utf-8")
    assert 'id="gx-docs"' not in page and "gx/index.html" not in page
    report = json.loads(summary.report.json_path.read_text(encoding="utf-8"))
    docs = (summary.report.html_path.parent / report["gx_docs"]).resolve()
    assert docs == (tmp_path / "curated" / "gx" / "index.html").resolve()
    assert "gx_claims_contract" in docs.read_text(encoding="utf-8")
