"""The pipeline flow end to end on the seed corpus: real Prefect runs, a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import pipeline

FORTIETH = "its 40th international market"
REPO = Path(__file__).resolve().parents[2]


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def first_run(prefect_server: None, seed_raw: Path, tmp_path: Path):
    curated = tmp_path / "curated"
    return pipeline(raw_dir=seed_raw, curated_dir=curated), seed_raw, curated


def test_run_loads_the_seed_documents_with_their_manifest_dates(first_run) -> None:
    summary, _, _ = first_run
    assert rows(
        summary.warehouse,
        "select file, published_at::varchar, format from raw.documents order by 1",
    ) == [
        ("000_de9a64f3e51e5133.txt", "2025-06-24", "txt"),
        ("001_bc59e844c230bfbc.txt", "2026-01-05", "txt"),
        ("002_913616701127a2a2.txt", "2024-01-19", "txt"),
    ]
    assert summary.counts["documents_new"] == 3
    assert summary.counts["documents_rejected"] == 0


def test_every_claim_and_event_quotes_its_document_exactly(first_run) -> None:
    summary, _, _ = first_run
    for table in ("raw.claims", "raw.events"):
        mismatched = rows(
            summary.warehouse,
            f"""select x.file, x.quote from {table} x join raw.documents d using (doc_id)
                where substring(d.text, x.char_start + 1, x.char_end - x.char_start) <> x.quote""",
        )
        assert mismatched == []
    assert rows(summary.warehouse, "select count(*) from raw.claims")[0][0] >= 9


def test_the_40th_market_is_a_claim_dated_january_5_2026(first_run) -> None:
    summary, _, _ = first_run
    found = rows(
        summary.warehouse,
        f"""select entity, metric, value_lo, value_hi, period_start::varchar,
                   period_end::varchar, status
            from raw.claims where quote like '%{FORTIETH}%'""",
    )
    assert (
        "smart",
        "market_entry_ordinal",
        40.0,
        40.0,
        "2026-01-05",
        "2026-01-05",
        "reported",
    ) in found


def test_the_run_is_recorded_in_the_audit(first_run) -> None:
    summary, _, _ = first_run
    assert rows(summary.warehouse, "select run_id, status, documents_new from audit.runs") == [
        (summary.run_id, "completed", 3)
    ]


def test_a_rerun_with_no_change_extracts_nothing_and_duplicates_nothing(first_run) -> None:
    summary, raw, curated = first_run
    before = rows(summary.warehouse, "select claim_id from raw.claims order by 1")
    again = pipeline(raw_dir=raw, curated_dir=curated)
    assert again.counts["documents_unchanged"] == 3
    assert again.counts["documents_new"] == again.counts["documents_changed"] == 0
    assert again.counts["claims_extracted"] == 0
    assert rows(summary.warehouse, "select claim_id from raw.claims order by 1") == before


def test_a_changed_document_replaces_its_claims(first_run) -> None:
    summary, raw, curated = first_run
    doc = raw / "documents" / "001_bc59e844c230bfbc.txt"
    doc.write_text(doc.read_text().replace("40th", "41st"))
    again = pipeline(raw_dir=raw, curated_dir=curated)
    assert again.counts["documents_changed"] == 1
    values = rows(
        summary.warehouse,
        """select distinct c.value_lo from raw.claims c join raw.documents d using (doc_id)
           where d.file = '001_bc59e844c230bfbc.txt' and c.metric = 'market_entry_ordinal'""",
    )
    assert values == [(41.0,)]
    orphans = rows(
        summary.warehouse,
        "select count(*) from raw.claims where doc_id not in (select doc_id from raw.documents)",
    )
    assert orphans == [(0,)]


def test_a_bad_document_is_recorded_and_the_run_goes_on(first_run) -> None:
    summary, raw, curated = first_run
    (raw / "documents" / "broken.txt").write_bytes(b"smart opened \xff\xfe 12 stores")
    with (raw / "manifest.csv").open("a") as manifest:
        manifest.write("broken.txt,2026-03-01,Broken,Nobody,,smart\n")
    again = pipeline(raw_dir=raw, curated_dir=curated)
    assert again.counts["documents_rejected"] == 1
    rejected = rows(
        summary.warehouse,
        f"select file, reason from audit.rejections where run_id = '{again.run_id}'",
    )
    assert rejected == [("broken.txt", "invalid_utf8")]
    assert rows(summary.warehouse, "select count(*) from raw.documents") == [(3,)]


def test_a_document_whose_extraction_raises_is_recorded_and_retried_next_run(
    prefect_server: None, seed_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.extract import Extractor

    real_extract = Extractor.extract

    def extract_failing_on_001(self, doc):
        if doc.file.startswith("001_"):
            raise RuntimeError("injected fault")
        return real_extract(self, doc)

    monkeypatch.setattr(Extractor, "extract", extract_failing_on_001)
    curated = tmp_path / "curated"
    first = pipeline(raw_dir=seed_raw, curated_dir=curated)
    assert first.counts["documents_rejected"] == 1
    assert rows(
        first.warehouse,
        f"select file, stage, reason, detail from audit.rejections where run_id = '{first.run_id}'",
    ) == [
        (
            "001_bc59e844c230bfbc.txt",
            "extract",
            "extraction_error",
            "001_bc59e844c230bfbc.txt: extraction raised RuntimeError: injected fault",
        )
    ]
    assert rows(first.warehouse, "select count(*) from raw.documents") == [(2,)]
    assert rows(first.warehouse, "select count(*) from raw.claims where quote like '%40th%'") == [
        (0,)
    ]

    monkeypatch.setattr(Extractor, "extract", real_extract)
    second = pipeline(raw_dir=seed_raw, curated_dir=curated)
    assert second.counts["documents_new"] == 1
    assert rows(second.warehouse, "select count(*) from raw.claims where quote like '%40th%'") == [
        (2,)
    ]


def test_a_document_left_without_its_claims_is_extracted_by_the_next_run(first_run) -> None:
    """What a run killed between ingest and load leaves: the document stored, no claims."""
    summary, raw, curated = first_run
    claims = "select claim_id from raw.claims where source = 'rules' order by 1"
    before = rows(summary.warehouse, claims)
    doc = "(select doc_id from raw.documents where file = '001_bc59e844c230bfbc.txt')"
    with duckdb.connect(str(summary.warehouse)) as con:
        con.execute(f"delete from raw.claims where doc_id in {doc}")
        con.execute(f"delete from raw.extractions where doc_id in {doc}")
    again = pipeline(raw_dir=raw, curated_dir=curated)
    assert again.counts["documents_unchanged"] == 3
    assert again.counts["documents_reextracted"] == 1
    assert rows(summary.warehouse, claims) == before


def test_a_changed_catalogue_extracts_every_document_again(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, raw, curated = first_run
    catalogue = tmp_path / "catalogue"
    shutil.copytree(REPO / "catalogue", catalogue)
    rules = catalogue / "extraction.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setenv("FACTLEDGER_CATALOGUE_DIR", str(catalogue))
    again = pipeline(raw_dir=raw, curated_dir=curated)
    assert again.counts["documents_reextracted"] == 3
    assert again.counts["claims_extracted"] == summary.counts["claims_extracted"]
    third = pipeline(raw_dir=raw, curated_dir=curated)  # the same catalogue: nothing to do
    assert third.counts["documents_reextracted"] == 0
    assert third.counts["claims_extracted"] == 0
