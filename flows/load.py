"""Load: write ingested documents, extracted claims and events, claim tables and rejections.

Each write function runs in one transaction: a failure leaves the warehouse as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from flows.claims_csv import read_claim_tables
from flows.ingest import IngestResult, ManifestRow
from flows.model import Claim, Document, Rejection
from flows.warehouse import insert_records, insert_table

__all__ = [
    "all_documents",
    "documents_to_extract",
    "known_documents",
    "load_documents",
    "read_claim_tables",
    "record_rejections",
    "replace_extractions",
    "replace_table_claims",
]

RULES = "rules"  # raw.claims.source of the extractor's rows; claim tables use "claims/<file>"
DOCUMENT_COLUMNS = (
    "doc_id, file, published_at, title, publisher, url, entity_hint, format, size_bytes, text"
)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def utc_now() -> datetime:
    # Naive UTC: the columns are `timestamp` (no zone), and an aware value would be shifted
    # into the session's zone on the way in.
    return datetime.now(UTC).replace(tzinfo=None)


def known_documents(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """file → doc_id of every document in raw.documents."""
    return dict(con.execute("select file, doc_id from raw.documents").fetchall())


def known_manifest_rows(con: duckdb.DuckDBPyConnection) -> dict[str, ManifestRow]:
    """file → the manifest row each stored document was loaded with."""
    columns = ("file", "published_at", "title", "publisher", "url", "entity_hint")
    rows = con.execute(f"select {', '.join(columns)} from raw.documents").fetchall()
    return {
        row[0]: ManifestRow.model_validate(dict(zip(columns, row, strict=True))) for row in rows
    }


def all_documents(con: duckdb.DuckDBPyConnection) -> list[Document]:
    """Every document in raw.documents, by file."""
    rows = con.execute(f"select {DOCUMENT_COLUMNS} from raw.documents order by file").fetchall()
    return [Document(*row) for row in rows]


def documents_to_extract(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> list[Document]:
    """The stored documents with these doc_ids (text as stored), by file."""
    rows = con.execute(
        f"select {DOCUMENT_COLUMNS} from raw.documents"
        " where list_contains(?::varchar[], doc_id) order by file",
        [list(doc_ids)],
    ).fetchall()
    return [Document(*row) for row in rows]


def load_documents(con: duckdb.DuckDBPyConnection, result: IngestResult, run_id: str) -> None:
    """Insert new documents, replace changed ones, delete removed ones.

    A changed or removed document takes its claims and events (every source) with it, so
    nothing is left pointing at a doc_id that is no longer stored; the extractor and the
    claim tables then write the new version's rows.
    """
    replaced = [d.file for d in result.changed] + list(result.removed)
    with transaction(con):
        _delete_documents(con, replaced)
        insert_records(
            con,
            "raw.documents",
            [*result.new, *result.changed],
            extra={"ingested_at": utc_now(), "run_id": run_id},
        )


def _delete_documents(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    if not files:
        return
    old = "select doc_id from raw.documents where list_contains(?::varchar[], file)"
    for table in ("raw.claims", "raw.events", "raw.extractions"):
        con.execute(f"delete from {table} where doc_id in ({old})", [files])
    con.execute("delete from raw.documents where list_contains(?::varchar[], file)", [files])


def replace_extractions(
    con: duckdb.DuckDBPyConnection,
    doc_ids: Sequence[str],
    claims: pa.Table,
    events: pa.Table,
    run_id: str,
    extractor_version: str = "",
) -> None:
    """Swap the extractor's claims and events of these documents for the new ones: tables
    of Claim and Event records (warehouse.records_table), as extraction tasks return them,
    and record in the same transaction which extractor produced them (raw.extractions).

    Idempotent: the same input writes the same rows (claim_id and event_id are stable).
    Claims from claim tables (source other than 'rules') are left alone.
    """
    batch = set(doc_ids)
    named = {d for rows in (claims, events) if rows.num_rows for d in rows["doc_id"].to_pylist()}
    strays = sorted(named - batch)
    if strays:
        # Rows for a document outside the batch would not be deleted on the next run and
        # would duplicate: refuse them rather than write them.
        raise ValueError(
            f"replace_extractions: claims or events for doc_id(s) {', '.join(strays)} "
            "not among the documents being replaced"
        )
    with transaction(con):
        for table in ("raw.claims", "raw.events"):
            con.execute(
                f"delete from {table} where source = ? and list_contains(?::varchar[], doc_id)",
                [RULES, list(batch)],
            )
        insert_table(con, "raw.claims", claims, extra={"run_id": run_id})
        insert_table(con, "raw.events", events, extra={"run_id": run_id})
        con.execute(
            "delete from raw.extractions where list_contains(?::varchar[], doc_id)", [list(batch)]
        )
        con.execute(
            "insert into raw.extractions select unnest(?::varchar[]), ?, ?",
            [sorted(batch), extractor_version, run_id],
        )


def documents_not_extracted(
    con: duckdb.DuckDBPyConnection, extractor_version: str
) -> list[Document]:
    """Stored documents whose claims this extractor has not written: the run that ingested them
    died before loading their claims, or the catalogue or the extractor changed since."""
    rows = con.execute(
        f"""select {DOCUMENT_COLUMNS} from raw.documents
            where doc_id not in (
                select doc_id from raw.extractions where extractor_version = ?
            )
            order by file""",
        [extractor_version],
    ).fetchall()
    return [Document(*row) for row in rows]


def replace_table_claims(
    con: duckdb.DuckDBPyConnection, claims: Sequence[Claim], run_id: str
) -> None:
    """Swap every claim-table claim (source other than 'rules') for `claims`.

    Claim tables are small and re-read every run, so a full swap is simpler than a diff and
    drops rows whose table was edited or deleted.
    """
    not_tables = sorted({c.source for c in claims if c.source == RULES})
    if not_tables:
        raise ValueError("replace_table_claims: got claims with source 'rules'")
    with transaction(con):
        con.execute("delete from raw.claims where source <> ?", [RULES])
        insert_records(con, "raw.claims", list(claims), extra={"run_id": run_id})


def forget_documents(con: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """Remove these documents and their rows, so that the next run takes them as new.

    Used for a document whose extraction failed: left in raw.documents it would count as
    unchanged next time and never be extracted.
    """
    if not files:
        return
    with transaction(con):
        for table in ("raw.claims", "raw.events", "raw.extractions", "raw.documents"):
            con.execute(
                f"""delete from {table} where doc_id in
                    (select doc_id from raw.documents where list_contains(?::varchar[], file))""",
                [list(files)],
            )


def record_rejections(
    con: duckdb.DuckDBPyConnection, run_id: str, rejections: Sequence[Rejection]
) -> None:
    """Append this run's rejections to audit.rejections."""
    with transaction(con):
        insert_records(
            con,
            "audit.rejections",
            list(rejections),
            extra={"run_id": run_id, "recorded_at": utc_now()},
        )
