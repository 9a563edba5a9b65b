"""The seed corpus (data/raw) through ingest → extract → validate: no error-severity check
fails. Uses the real extractor; skipped while flows.extract is not importable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.catalogue import load_catalogue
from flows.runtime.settings import Settings
from flows.validate import exit_code, validate
from flows.warehouse import connect, insert_records

REPO = Path(__file__).resolve().parents[2]


def test_the_seed_corpus_has_no_error_severity_violation(tmp_path: Path) -> None:
    extract = pytest.importorskip("flows.extract")
    from flows.ingest import ingest_documents

    settings = Settings(raw_dir=REPO / "data" / "raw", curated_dir=tmp_path / "curated")
    ingested = ingest_documents(settings, {})
    extractor = extract.Extractor(load_catalogue(settings.catalogue_dir))
    con = connect(":memory:")
    documents = [*ingested.new, *ingested.changed]
    insert_records(con, "raw.documents", documents, {"ingested_at": "2026-11-01", "run_id": "seed"})
    for document in documents:
        found = extractor.extract(document)
        insert_records(con, "raw.claims", found.claims, {"run_id": "seed"})
        insert_records(con, "raw.events", found.events, {"run_id": "seed"})
    assert con.execute("select count(*) from raw.claims").fetchone()[0] >= 8

    outcome = validate(con, settings, "seed", as_of=date(2026, 11, 1))

    failed = con.execute(
        "select check_id, message from audit.violations where severity = 'error' order by all"
    ).fetchall()
    assert failed == []
    assert [r.check_id for r in outcome.results if r.status == "error"] == []
    assert exit_code(outcome, "error") == 0
    assert outcome.claims_quarantined == 0
