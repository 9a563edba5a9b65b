"""Row-level contracts of raw.documents, raw.claims and raw.events, as pandera schemas that run
inside DuckDB through pandera's Ibis backend (`pandera.ibis`).

Each table has two schemas:
- `<table>` validates the raw table itself: column types and nullability, and the rules one row
  can answer alone (ranges, value_lo <= value_hi, value sets, ...).
- `<table>_derived` validates `derived_sql[<table>]`, boolean columns DuckDB computes first
  for the rules pandera's Ibis backend cannot express, each checked with a plain predicate:
    * unique ids: pandera's `unique=` on Ibis runs a window function, which errors in the
      backend (and with lazy=True is filed as a failure case, not raised); so DuckDB counts
      rows per id with a window and pandera checks `<id>_is_unique`. A null id counts as a
      duplicate, as in pandera's own unique checks on Ibis and polars.
    * quote == text[char_start:char_end] and "the document exists": a join with
      raw.documents, which a check on one table cannot do.
    * metric and unit in the catalogue: a join with staging.metric_catalogue (loaded from
      catalogue/metrics.yaml), so the allowed values are data, not code.

Rules are written as table-level checks (a boolean expression per row) rather than
column-level built-ins on purpose: on Ibis a column-level check reports only the failing
value, while a table-level one reports the whole row, so each failure names its claim id,
file and quote (what audit.violations and quarantine.claims need).
"""

from __future__ import annotations

import ibis.expr.datatypes as dt
import pandera.ibis as pa

INF = float("inf")


def rule(name: str, predicate, description: str) -> pa.Check:
    """A named row-level rule: `predicate(table)` is a boolean Ibis column, true when the row
    is fine. `description` is what the report shows."""
    return pa.Check(lambda data: predicate(data.table), name=name, error=description)


def text(nullable: bool = False) -> pa.Column:
    return pa.Column(dt.String, nullable=nullable)


def must_be_true(column: str, description: str) -> pa.Check:
    return rule(column, lambda t: t[column].fill_null(False), description)


DOCUMENTS = pa.DataFrameSchema(
    name="raw.documents",
    columns={
        "doc_id": text(),
        "file": text(),
        "published_at": pa.Column(dt.Date),
        "title": text(nullable=True),
        "publisher": text(nullable=True),
        "url": text(nullable=True),
        "entity_hint": text(nullable=True),
        "format": text(),
        "size_bytes": pa.Column(dt.Int64),
        "text": text(),
        "ingested_at": pa.Column(dt.Timestamp(scale=6)),  # DuckDB timestamp: microseconds
        "run_id": text(),
    },
    checks=[
        rule("doc_id_not_empty", lambda t: t.doc_id.length() > 0, "doc_id is empty"),
        rule("file_not_empty", lambda t: t.file.length() > 0, "file is empty"),
        rule(
            "format_known",
            lambda t: t.format.isin(["txt", "md", "html"]),
            "format is not txt, md or html",
        ),
        rule("size_not_negative", lambda t: t.size_bytes >= 0, "size_bytes is negative"),
        rule("text_not_empty", lambda t: t.text.length() > 0, "text is empty"),
    ],
    strict=True,
)

DOCUMENTS_DERIVED = pa.DataFrameSchema(
    name="raw.documents (derived in DuckDB)",
    checks=[
        must_be_true("doc_id_is_unique", "doc_id is not unique (or is null)"),
        must_be_true("file_is_unique", "file is not unique: two documents claim one path"),
    ],
)

CLAIMS = pa.DataFrameSchema(
    name="raw.claims",
    columns={
        "claim_id": text(),
        "doc_id": text(),
        "file": text(),
        "entity": text(),
        "metric": text(),
        "value_lo": pa.Column(dt.Float64),
        "value_hi": pa.Column(dt.Float64),
        "lo_open": pa.Column(dt.Boolean),
        "hi_open": pa.Column(dt.Boolean),
        "qualifier": text(),
        "unit": text(),
        "value_text": text(),
        "period_start": pa.Column(dt.Date),
        "period_end": pa.Column(dt.Date),
        "period_text": text(nullable=True),
        "status": text(),
        "quote": text(),
        "char_start": pa.Column(dt.Int32),
        "char_end": pa.Column(dt.Int32),
        "source": text(),
        "rule_id": text(nullable=True),
        "source_row": pa.Column(dt.Int32, nullable=True),
        "run_id": text(),
    },
    checks=[
        rule("entity_not_empty", lambda t: t.entity.length() > 0, "entity is empty"),
        rule(
            "value_lo_not_negative",
            lambda t: t.value_lo >= 0,
            "value_lo is negative (every catalogue metric counts or sums money)",
        ),
        rule("value_lo_finite", lambda t: t.value_lo < INF, "value_lo is infinite or NaN"),
        rule(
            "value_lo_le_value_hi",
            lambda t: t.value_lo <= t.value_hi,
            "value_lo is greater than value_hi (or one is NaN)",
        ),
        rule(
            "interval_not_empty",
            lambda t: (t.value_lo < t.value_hi) | ~(t.lo_open | t.hi_open),
            "the interval is empty: value_lo = value_hi with an excluded end",
        ),
        rule(
            "period_ordered",
            lambda t: t.period_start <= t.period_end,
            "period_start is after period_end",
        ),
        rule(
            "status_known",
            lambda t: t.status.isin(["reported", "planned"]),
            "status is not reported or planned",
        ),
        rule(
            "span_ordered",
            lambda t: (t.char_start >= 0) & (t.char_end > t.char_start),
            "char_start < 0 or char_end <= char_start",
        ),
    ],
    strict=True,
)

CLAIMS_DERIVED = pa.DataFrameSchema(
    name="raw.claims (derived in DuckDB)",
    checks=[
        must_be_true("claim_id_is_unique", "claim_id is not unique (or is null)"),
        must_be_true("document_exists", "doc_id names no document in raw.documents"),
        must_be_true(
            "quote_matches_text", "quote is not the document's text between char_start and char_end"
        ),
        must_be_true("metric_in_catalogue", "metric is not in catalogue/metrics.yaml"),
        must_be_true("unit_matches_metric", "unit is not the catalogue's unit for the metric"),
    ],
)

EVENTS = pa.DataFrameSchema(
    name="raw.events",
    columns={
        "event_id": text(),
        "doc_id": text(),
        "file": text(),
        "entity": text(),
        "event_type": text(),
        "subject": text(),
        "period_start": pa.Column(dt.Date),
        "period_end": pa.Column(dt.Date),
        "period_text": text(nullable=True),
        "status": text(),
        "quote": text(),
        "char_start": pa.Column(dt.Int32),
        "char_end": pa.Column(dt.Int32),
        "source": text(),
        "rule_id": text(nullable=True),
        "run_id": text(),
    },
    checks=[
        rule(
            "event_type_known",
            lambda t: t.event_type.isin(["launch", "partnership", "market_entry"]),
            "event_type is not launch, partnership or market_entry",
        ),
        rule("subject_not_empty", lambda t: t.subject.length() > 0, "subject is empty"),
        rule(
            "period_ordered",
            lambda t: t.period_start <= t.period_end,
            "period_start is after period_end",
        ),
        rule(
            "status_known",
            lambda t: t.status.isin(["reported", "planned"]),
            "status is not reported or planned",
        ),
        rule(
            "span_ordered",
            lambda t: (t.char_start >= 0) & (t.char_end > t.char_start),
            "char_start < 0 or char_end <= char_start",
        ),
    ],
    strict=True,
)

EVENTS_DERIVED = pa.DataFrameSchema(
    name="raw.events (derived in DuckDB)",
    checks=[
        must_be_true("event_id_is_unique", "event_id is not unique (or is null)"),
        must_be_true("document_exists", "doc_id names no document in raw.documents"),
        must_be_true(
            "quote_matches_text", "quote is not the document's text between char_start and char_end"
        ),
    ],
)

# The DuckDB queries behind the *_derived schemas: one pass over the table each, computing
# every window and join result as a boolean column. substring() counts characters from 1,
# char_start counts from 0 (Python's str offsets, which are characters too).
_DOCUMENT_TEXT = "select doc_id, any_value(text) as text from raw.documents group by doc_id"

DERIVED_SQL = {
    "raw.documents": """
        select
            doc_id,
            file,
            count(*) over (partition by doc_id) = 1 and doc_id is not null as doc_id_is_unique,
            count(*) over (partition by file) = 1 and file is not null as file_is_unique
        from raw.documents
    """,
    "raw.claims": f"""
        with documents as ({_DOCUMENT_TEXT})
        select
            claims.claim_id,
            claims.file,
            claims.quote,
            count(*) over (partition by claims.claim_id) = 1 and claims.claim_id is not null
                as claim_id_is_unique,
            documents.doc_id is not null as document_exists,
            coalesce(
                substring(documents.text, claims.char_start + 1,
                          claims.char_end - claims.char_start) = claims.quote,
                false
            ) as quote_matches_text,
            catalogue.metric is not null as metric_in_catalogue,
            coalesce(catalogue.unit = claims.unit, false) as unit_matches_metric
        from raw.claims as claims
        left join documents on documents.doc_id = claims.doc_id
        left join staging.metric_catalogue as catalogue on catalogue.metric = claims.metric
    """,
    "raw.events": f"""
        with documents as ({_DOCUMENT_TEXT})
        select
            events.event_id,
            events.file,
            events.quote,
            count(*) over (partition by events.event_id) = 1 and events.event_id is not null
                as event_id_is_unique,
            documents.doc_id is not null as document_exists,
            coalesce(
                substring(documents.text, events.char_start + 1,
                          events.char_end - events.char_start) = events.quote,
                false
            ) as quote_matches_text
        from raw.events as events
        left join documents on documents.doc_id = events.doc_id
    """,
}

SCHEMAS = {
    "raw.documents": (DOCUMENTS, DOCUMENTS_DERIVED),
    "raw.claims": (CLAIMS, CLAIMS_DERIVED),
    "raw.events": (EVENTS, EVENTS_DERIVED),
}
ID_COLUMN = {"raw.documents": "doc_id", "raw.claims": "claim_id", "raw.events": "event_id"}
