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
    * metric, unit and scope in the catalogue: joins with staging.metric_catalogue and
      staging.scope_catalogue (loaded from catalogue/metrics.yaml and scopes.yaml), so the
      allowed values are data, not code.
- raw.claims, the table that grows to millions of rows, is the exception to the split: its
  raw schema keeps types, columns and nullability, and every row rule (CLAIMS_RULES) is a
  boolean column of its derived table, so DuckDB reads the claims once for all of them rather
  than once per rule. The derived table holds only the rows that break a rule, with all their
  columns, so each failure still names the claim, its file and quote.

Rules are written as table-level checks (a boolean expression per row) rather than
column-level built-ins on purpose: on Ibis a column-level check reports only the failing
value, while a table-level one reports the whole row, so each failure names its claim id,
file and quote (what audit.violations and quarantine.claims need).
"""

from __future__ import annotations

import ibis.expr.datatypes as dt
import pandera.ibis as pa

from flows.catalogue import CURRENCY_CODE, CURRENCY_UNIT


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
        "scope": text(),
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
    # No row rules here: on Ibis each rule is its own scan of the table (with the null
    # checks, ~35 scans of 10M claims). DuckDB judges every row rule in one pass instead
    # (CLAIMS_RULES, in DERIVED_SQL) and pandera checks the resulting booleans.
    strict=True,
)

# The claims' row rules: name → what the report says. Each is a boolean column of
# DERIVED_SQL["raw.claims"], computed in one DuckDB pass with the joins and the unique-id count.
# A rule on the row's own values is true when its inputs are null, as pandera's table-level
# checks were (a null is the null checks' finding, not the rule's).
CLAIMS_RULES = {
    "claim_id_is_unique": "claim_id is not unique (or is null)",
    "document_exists": "doc_id names no document in raw.documents",
    "quote_matches_text": "quote is not the document's text between char_start and char_end",
    "metric_in_catalogue": "metric is not in catalogue/metrics.yaml",
    "unit_matches_metric": (
        "unit is not the catalogue's unit for the metric (for unit currency: not a currency code)"
    ),
    "scope_in_catalogue": "scope is not in catalogue/scopes.yaml",
    "entity_not_empty": "entity is empty",
    "value_lo_not_negative": "value_lo is negative (every catalogue metric counts or sums money)",
    "value_lo_finite": "value_lo is infinite or NaN",
    "value_lo_le_value_hi": "value_lo is greater than value_hi (or one is NaN)",
    "interval_not_empty": "the interval is empty: value_lo = value_hi with an excluded end",
    "period_ordered": "period_start is after period_end",
    "status_known": "status is not reported or planned",
    "span_ordered": "char_start < 0 or char_end <= char_start",
}

CLAIMS_DERIVED = pa.DataFrameSchema(
    name="raw.claims (derived in DuckDB)",
    checks=[must_be_true(name, description) for name, description in CLAIMS_RULES.items()],
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

# raw.claims' quotes, checked per claim against its document: substring() counts characters,
# so it walks the document's text from its start to char_start for every claim (at 10M claims
# on 1,000-character documents that walk was most of the row pass: 5.8 of 8.6 CPU-s). In a
# document that is all ASCII (as many bytes as characters) a character offset is a byte
# offset, and slicing the UTF-8 bytes takes the same span without walking; any other
# document, and any span that is not 0 <= char_start < char_end, takes substring() on the text
# as before: for a reversed span past the end DuckDB's substring() answers differently
# depending on whether the column's statistics say ASCII, so only the original expression
# gives the original answer there. Same answer in every case (test_pandera_checks.py tries
# every span of an ASCII and a non-ASCII document).
_DOCUMENT_BYTES = """
    select
        doc_id,
        any_value(text) as text,
        encode(any_value(text)) as bytes,
        strlen(any_value(text)) = length(any_value(text)) as is_ascii
    from raw.documents
    group by doc_id
"""

DERIVED_SQL = {
    "raw.documents": """
        select
            doc_id,
            file,
            count(*) over (partition by doc_id) = 1 and doc_id is not null as doc_id_is_unique,
            count(*) over (partition by file) = 1 and file is not null as file_is_unique
        from raw.documents
    """,
    # Only the rows breaking a rule are kept: at 10M claims the table pandera reads is a few
    # hundred rows, not a copy of raw.claims. The rules are judged on the columns they read,
    # each row known by its row number (rowid); the breaking rows' other columns (file, texts,
    # source) are read back by it, so the scan decodes those for them alone, not for 10M rows
    # (~0.5 CPU-s at 10M claims; flows.validate raises DuckDB's limit for pushing the row
    # numbers into that scan). Unique ids are screened on a 64-bit hash of the id (cheaper to
    # group than the strings); ids sharing a hash are then compared exactly, so a hash
    # collision costs a lookup, never a false finding.
    "raw.claims": f"""
        with

        documents as ({_DOCUMENT_BYTES}),

        repeated_hashes as (
            select hash(claim_id) as id_hash
            from raw.claims
            group by id_hash
            having count(*) > 1
        ),

        repeated_ids as (
            select claims.claim_id
            from raw.claims as claims
            semi join repeated_hashes on repeated_hashes.id_hash = hash(claims.claim_id)
            group by claims.claim_id
            having count(*) > 1
        ),

        judged as (
            select
                claims.rowid as claim_row,
                claims.claim_id is not null and repeated_ids.claim_id is null
                    as claim_id_is_unique,
                documents.doc_id is not null as document_exists,
                coalesce(
                    case
                        when documents.is_ascii
                            and claims.char_start >= 0 and claims.char_end > claims.char_start
                        then array_slice(documents.bytes, claims.char_start + 1, claims.char_end)
                            = encode(claims.quote)
                        else substring(documents.text, claims.char_start + 1,
                                       claims.char_end - claims.char_start) = claims.quote
                    end,
                    false
                ) as quote_matches_text,
                catalogue.metric is not null as metric_in_catalogue,
                coalesce(
                    catalogue.unit = claims.unit
                        or (catalogue.unit = '{CURRENCY_UNIT}'
                            and regexp_full_match(claims.unit, '{CURRENCY_CODE}')),
                    false
                ) as unit_matches_metric,
                scopes.scope is not null as scope_in_catalogue,
                coalesce(length(claims.entity) > 0, true) as entity_not_empty,
                coalesce(claims.value_lo >= 0, true) as value_lo_not_negative,
                coalesce(claims.value_lo < 'infinity'::double, true) as value_lo_finite,
                coalesce(claims.value_lo <= claims.value_hi, true) as value_lo_le_value_hi,
                coalesce(
                    claims.value_lo < claims.value_hi or not (claims.lo_open or claims.hi_open),
                    true
                ) as interval_not_empty,
                coalesce(claims.period_start <= claims.period_end, true) as period_ordered,
                coalesce(claims.status in ('reported', 'planned'), true) as status_known,
                coalesce(claims.char_start >= 0 and claims.char_end > claims.char_start, true)
                    as span_ordered
            from raw.claims as claims
            left join repeated_ids on repeated_ids.claim_id = claims.claim_id
            left join documents on documents.doc_id = claims.doc_id
            left join staging.metric_catalogue as catalogue on catalogue.metric = claims.metric
            left join staging.scope_catalogue as scopes on scopes.scope = claims.scope
        ),

        breaking as materialized (
            select * from judged
            where not ({" and ".join(CLAIMS_RULES)})
        )

        select claims.*, breaking.* exclude (claim_row)
        from breaking
        join raw.claims as claims on claims.rowid = breaking.claim_row
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
