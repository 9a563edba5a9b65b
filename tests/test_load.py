"""Load: documents, extractions, claim tables, rejections and runs written to a real DuckDB file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pytest

from flows import audit, load
from flows.ingest import IngestResult, ingest_documents
from flows.model import Claim, Document, Event, Rejection, stable_id
from flows.warehouse import records_table
from tests.conftest import RawDir

Con = duckdb.DuckDBPyConnection


def document(file: str, text: str, doc_id: str | None = None) -> Document:
    return Document(
        doc_id=doc_id or stable_id(file, text),
        file=file,
        published_at=date(2025, 6, 24),
        title=f"Title of {file}",
        publisher=None,
        url=None,
        entity_hint="smart",
        format="txt",
        size_bytes=len(text.encode()),
        text=text,
    )


def claim(
    doc: Document, quote: str, source: str = "rules", value: float = 38.0, scope: str = "global"
) -> Claim:
    start = doc.text.index(quote)
    return Claim(
        doc_id=doc.doc_id,
        file=doc.file,
        entity="smart",
        metric="markets_count",
        scope=scope,
        value_lo=value,
        value_hi=value,
        lo_open=False,
        hi_open=False,
        qualifier="exact",
        unit="markets",
        value_text=str(int(value)),
        period_start=doc.published_at,
        period_end=doc.published_at,
        period_text=None,
        status="reported",
        quote=quote,
        char_start=start,
        char_end=start + len(quote),
        source=source,
        source_row=1 if source != "rules" else None,
    )


def event(doc: Document, quote: str) -> Event:
    start = doc.text.index(quote)
    return Event(
        doc_id=doc.doc_id,
        file=doc.file,
        entity="smart",
        event_type="partnership",
        subject="BRABUS",
        period_start=doc.published_at,
        period_end=doc.published_at,
        period_text=None,
        status="reported",
        quote=quote,
        char_start=start,
        char_end=start + len(quote),
        source="rules",
    )


def replace_extractions(
    con: Con,
    doc_ids: list[str],
    claims: list[Claim],
    events: list[Event],
    run_id: str,
    version: str = "v1",
) -> None:
    """load.replace_extractions with the records as the extraction task hands them over."""
    load.replace_extractions(
        con, doc_ids, records_table(claims, Claim), records_table(events, Event), run_id, version
    )


def rows(con: Con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def claim_rows(con: Con) -> list[tuple]:
    return rows(con, "select file, source, value_lo, quote from raw.claims order by all")


def orphans(con: Con) -> list[tuple]:
    return rows(
        con,
        """select 'claims', claim_id from raw.claims
           where doc_id not in (select doc_id from raw.documents)
           union all
           select 'events', event_id from raw.events
           where doc_id not in (select doc_id from raw.documents)""",
    )


A1 = document("a.txt", "smart operates in 38 markets with BRABUS.")
A2 = document("a.txt", "smart operates in 40 markets with BRABUS.")
B = document("b.txt", "smart entered 7 new markets and 38 markets in all.")


@pytest.fixture
def loaded(fresh_warehouse: Con) -> Con:
    """a.txt and b.txt loaded, each with a rules claim and event, a.txt with a table claim."""
    load.load_documents(fresh_warehouse, IngestResult(new=[A1, B]), "run-1")
    replace_extractions(
        fresh_warehouse,
        [A1.doc_id, B.doc_id],
        [claim(A1, "38 markets"), claim(B, "38 markets")],
        [event(A1, "BRABUS")],
        "run-1",
    )
    load.replace_table_claims(
        fresh_warehouse, [claim(A1, "38 markets", source="claims/hand.csv")], "run-1"
    )
    return fresh_warehouse


# --- documents ------------------------------------------------------------------------------


def test_new_documents_are_stored_and_read_back_unchanged(fresh_warehouse: Con) -> None:
    load.load_documents(fresh_warehouse, IngestResult(new=[A1, B]), "run-1")
    assert load.known_documents(fresh_warehouse) == {"a.txt": A1.doc_id, "b.txt": B.doc_id}
    assert load.all_documents(fresh_warehouse) == [A1, B]
    assert load.documents_to_extract(fresh_warehouse, [B.doc_id]) == [B]
    assert load.documents_to_extract(fresh_warehouse, []) == []
    assert rows(fresh_warehouse, "select distinct run_id from raw.documents") == [("run-1",)]


def test_a_changed_document_replaces_its_row_claims_and_events(loaded: Con) -> None:
    load.load_documents(loaded, IngestResult(changed=[A2]), "run-2")
    assert load.known_documents(loaded) == {"a.txt": A2.doc_id, "b.txt": B.doc_id}
    # a.txt's old claims (rules and table) and event are gone; b.txt's are untouched.
    assert claim_rows(loaded) == [("b.txt", "rules", 38.0, "38 markets")]
    assert rows(loaded, "select count(*) from raw.events") == [(0,)]
    replace_extractions(loaded, [A2.doc_id], [claim(A2, "40 markets", value=40)], [], "run-2")
    assert claim_rows(loaded) == [
        ("a.txt", "rules", 40.0, "40 markets"),
        ("b.txt", "rules", 38.0, "38 markets"),
    ]
    assert orphans(loaded) == []


def test_a_removed_document_takes_its_claims_and_events_with_it(loaded: Con) -> None:
    load.load_documents(loaded, IngestResult(removed=["a.txt"]), "run-2")
    assert load.known_documents(loaded) == {"b.txt": B.doc_id}
    assert claim_rows(loaded) == [("b.txt", "rules", 38.0, "38 markets")]
    assert orphans(loaded) == []


def test_reloading_after_a_real_ingest_round_trip_duplicates_nothing(
    raw_dir: RawDir, fresh_warehouse: Con
) -> None:
    path = raw_dir.add("a.txt", A1.text)
    raw_dir.add("b.txt", B.text)
    first = ingest_documents(raw_dir.settings, load.known_documents(fresh_warehouse))
    load.load_documents(fresh_warehouse, first, "run-1")
    path.write_text(A2.text)
    second = ingest_documents(raw_dir.settings, load.known_documents(fresh_warehouse))
    load.load_documents(fresh_warehouse, second, "run-2")
    assert (second.unchanged, [d.file for d in second.changed]) == (["b.txt"], ["a.txt"])
    assert rows(fresh_warehouse, "select file, text, run_id from raw.documents order by file") == [
        ("a.txt", A2.text, "run-2"),
        ("b.txt", B.text, "run-1"),
    ]


# --- extractions ----------------------------------------------------------------------------


def test_replacing_extractions_twice_writes_the_same_rows(loaded: Con) -> None:
    before = rows(loaded, "select * exclude (run_id) from raw.claims order by all")
    args = ([A1.doc_id, B.doc_id], [claim(A1, "38 markets"), claim(B, "38 markets")])
    replace_extractions(loaded, *args, [event(A1, "BRABUS")], "run-2")
    replace_extractions(loaded, *args, [event(A1, "BRABUS")], "run-3")
    assert rows(loaded, "select * exclude (run_id) from raw.claims order by all") == before
    assert rows(loaded, "select count(*), count(distinct event_id) from raw.events") == [(1, 1)]


def test_replacing_extractions_keeps_table_claims_and_other_documents(loaded: Con) -> None:
    replace_extractions(loaded, [A1.doc_id], [], [], "run-2")
    assert claim_rows(loaded) == [
        ("a.txt", "claims/hand.csv", 38.0, "38 markets"),
        ("b.txt", "rules", 38.0, "38 markets"),
    ]
    assert rows(loaded, "select count(*) from raw.events") == [(0,)]


def test_extractions_for_a_document_outside_the_batch_are_refused(loaded: Con) -> None:
    with pytest.raises(ValueError, match=f"doc_id\\(s\\) {B.doc_id} not among"):
        replace_extractions(loaded, [A1.doc_id], [claim(B, "7 new markets")], [], "run-2")
    assert len(claim_rows(loaded)) == 3


def test_a_failed_replace_leaves_the_previous_rows(loaded: Con) -> None:
    before = claim_rows(loaded)
    broken = replace(claim(A1, "38 markets"), entity=None)  # violates not null on insert
    with pytest.raises(duckdb.ConstraintException):
        replace_extractions(loaded, [A1.doc_id], [broken], [], "run-2")
    assert claim_rows(loaded) == before


def test_table_claims_are_swapped_whole(loaded: Con) -> None:
    load.replace_table_claims(loaded, [claim(B, "7 new markets", "claims/other.csv", 7)], "r2")
    assert claim_rows(loaded) == [
        ("a.txt", "rules", 38.0, "38 markets"),
        ("b.txt", "claims/other.csv", 7.0, "7 new markets"),
        ("b.txt", "rules", 38.0, "38 markets"),
    ]
    load.replace_table_claims(loaded, [], "run-3")
    assert [r[1] for r in claim_rows(loaded)] == ["rules", "rules"]


# --- audit ----------------------------------------------------------------------------------


def test_rejections_are_recorded_with_their_run(fresh_warehouse: Con) -> None:
    load.record_rejections(
        fresh_warehouse,
        "run-1",
        [
            Rejection("ingest", "x.txt", "invalid_utf8", "x.txt is not valid UTF-8."),
            Rejection("claims_csv", "claims/h.csv", "quote_not_found", "row 3: ...", 3),
        ],
    )
    load.record_rejections(fresh_warehouse, "run-1", [])
    assert rows(
        fresh_warehouse,
        "select run_id, stage, file, row_number, reason, detail from audit.rejections order by 3",
    ) == [
        ("run-1", "claims_csv", "claims/h.csv", 3, "quote_not_found", "row 3: ..."),
        ("run-1", "ingest", "x.txt", None, "invalid_utf8", "x.txt is not valid UTF-8."),
    ]


def test_a_run_is_recorded_from_start_to_finish(fresh_warehouse: Con) -> None:
    audit.start_run(fresh_warehouse, "run-1", "data/raw")
    assert rows(fresh_warehouse, "select status, finished_at from audit.runs") == [
        ("running", None)
    ]
    audit.finish_run(
        fresh_warehouse,
        "run-1",
        "completed",
        {"documents_new": 3, "documents_rejected": 1, "claims": 12, "claims_extracted": 9},
        None,
    )
    assert rows(
        fresh_warehouse,
        """select run_id, status, raw_dir, documents_new, documents_changed, documents_rejected,
                  claims, message, finished_at >= started_at from audit.runs""",
    ) == [("run-1", "completed", "data/raw", 3, None, 1, 12, None, True)]


def test_finishing_an_unknown_run_or_with_a_bad_status_is_refused(fresh_warehouse: Con) -> None:
    with pytest.raises(ValueError, match="run nope was never started"):
        audit.finish_run(fresh_warehouse, "nope", "failed", {}, "boom")
    audit.start_run(fresh_warehouse, "run-1", "data/raw")
    with pytest.raises(ValueError, match="status must be one of"):
        audit.finish_run(fresh_warehouse, "run-1", "done", {}, None)
    with pytest.raises(ValueError, match="already started"):
        audit.start_run(fresh_warehouse, "run-1", "data/raw")


def test_ledger_counts_count_every_source(loaded: Con) -> None:
    assert audit.ledger_counts(loaded) == {"claims": 3, "events": 1}


# --- scope ----------------------------------------------------------------------------------


def test_a_claims_scope_is_written_and_defaults_to_global(fresh_warehouse: Con) -> None:
    load.load_documents(fresh_warehouse, IngestResult(new=[B]), "run-1")
    china = claim(B, "7 new markets", scope="China")
    assert china.claim_id == claim(B, "7 new markets").claim_id  # scope is not in the id
    replace_extractions(fresh_warehouse, [B.doc_id], [china, claim(B, "38 markets")], [], "run-1")
    assert rows(fresh_warehouse, "select quote, scope from raw.claims order by quote") == [
        ("38 markets", "global"),
        ("7 new markets", "China"),
    ]


def test_a_warehouse_from_before_scopes_gains_the_column_in_place(tmp_path) -> None:
    from flows.warehouse import SCHEMA_SQL, connect

    # the claims' scope columns (raw and quarantine) came with scopes; later tables (the audit's
    # disputes) were made with theirs
    old_schema = "\n".join(
        line
        for line in SCHEMA_SQL.read_text().splitlines()
        if not line.lstrip().startswith("scope        varchar not null default 'global'")
    )
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute(old_schema)
        old.execute(
            """
            insert into raw.claims (claim_id, doc_id, file, entity, metric, value_lo, value_hi,
                lo_open, hi_open, qualifier, unit, value_text, period_start, period_end, status,
                quote, char_start, char_end, source, run_id)
            values ('c1', 'd1', 'a.txt', 'smart', 'markets_count', 38, 38, false, false,
                'exact', 'markets', '38', date '2025-06-24', date '2025-06-24', 'reported',
                '38 markets', 0, 10, 'rules', 'run-0')
            """
        )
    con = connect(path)
    try:
        assert rows(con, "select claim_id, scope from raw.claims") == [("c1", "global")]
        fresh = connect(":memory:")
        layout = """select schema_name, table_name, column_name, data_type, column_default,
                        is_nullable
                    from duckdb_columns() where database_name = current_database()
                    order by schema_name, table_name, column_index"""
        assert rows(con, layout) == rows(fresh, layout)  # the same columns, in the same order
        fresh.close()
    finally:
        con.close()
    with connect(path) as again:  # and opening it again changes nothing
        assert rows(again, "select claim_id, scope from raw.claims") == [("c1", "global")]


def not_extracted(con: Con, version: str) -> list[str]:
    return [d.file for d in load.documents_not_extracted(con, version)]


def test_a_document_counts_as_extracted_only_with_its_claims_and_by_the_same_extractor(
    fresh_warehouse: Con,
) -> None:
    load.load_documents(fresh_warehouse, IngestResult(new=[A1, B]), "run-1")
    # The run died after ingest: nothing extracted yet, both are to extract again.
    assert not_extracted(fresh_warehouse, "v1") == ["a.txt", "b.txt"]
    replace_extractions(fresh_warehouse, [A1.doc_id], [claim(A1, "38 markets")], [], "run-2")
    assert not_extracted(fresh_warehouse, "v1") == ["b.txt"]
    # Another catalogue or extractor: a.txt too, though its claims are there.
    assert not_extracted(fresh_warehouse, "v2") == ["a.txt", "b.txt"]
    replace_extractions(fresh_warehouse, [A1.doc_id, B.doc_id], [], [], "run-3", version="v2")
    assert not_extracted(fresh_warehouse, "v2") == []
    assert rows(fresh_warehouse, "select count(*) from raw.extractions") == [(2,)]


def test_a_failed_claims_write_leaves_the_document_to_extract(fresh_warehouse: Con) -> None:
    load.load_documents(fresh_warehouse, IngestResult(new=[A1]), "run-1")
    broken = replace(claim(A1, "38 markets"), entity=None)  # violates not null on insert
    with pytest.raises(duckdb.ConstraintException):
        replace_extractions(fresh_warehouse, [A1.doc_id], [broken], [], "run-2")
    assert not_extracted(fresh_warehouse, "v1") == ["a.txt"]  # one transaction: no state either


def test_forgetting_or_removing_a_document_forgets_its_extraction(loaded: Con) -> None:
    load.forget_documents(loaded, ["a.txt"])
    load.load_documents(loaded, IngestResult(removed=["b.txt"]), "run-2")
    assert rows(loaded, "select count(*) from raw.extractions") == [(0,)]
