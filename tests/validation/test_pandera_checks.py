"""The row-level contracts (pandera on DuckDB through Ibis), both ways: a clean ledger passes;
breaking one rule in one row fails with exactly that rule and that row's id and quote."""

from __future__ import annotations

from datetime import date

import duckdb
import ibis
import pandera.ibis as pa
import pytest

from checks.engines.pandera_ibis import validate_in_duckdb
from flows.runtime.settings import Settings
from flows.validate import validate
from validation.ledger import INF, Ledger

TEXT = "smart now operates in 38 markets with over 580 stores; the #5 launched in Milan."


@pytest.fixture
def clean(ledger: Ledger) -> Ledger:
    ledger.document("a.txt", "2025-06-24", TEXT)
    ledger.claim("a.txt", "38", "markets_count", 38)
    ledger.claim("a.txt", "over 580", "stores_count", 580, INF, lo_open=True)
    ledger.event("a.txt", "the #5 launched", "launch", "#5", ("2025-04-01", "2025-04-30"))
    return ledger


def violations(ledger: Ledger, settings: Settings) -> list[tuple]:
    outcome = validate(ledger.con, settings, "r", engines=("pandera",), as_of=date(2026, 1, 1))
    errors = [r for r in outcome.results if r.status == "error"]
    assert errors == []
    return ledger.con.execute(
        "select check_id, claim_ids, quotes, split_part(message, ':', 1) "
        "from audit.violations order by all"
    ).fetchall()


def test_a_clean_ledger_passes(clean: Ledger, settings: Settings) -> None:
    assert violations(clean, settings) == []


CLAIM_38 = "update raw.claims set {} where quote = '38'"


@pytest.mark.parametrize(
    ("change", "rule", "quote"),
    [
        ("value_lo = -1, value_hi = -1", "value_lo_not_negative", "38"),
        ("value_lo = 'nan'::double", "value_lo_finite", "38"),
        ("value_lo = 40", "value_lo_le_value_hi", "38"),
        ("lo_open = true", "interval_not_empty", "38"),
        ("period_start = date '2025-07-01'", "period_ordered", "38"),
        ("status = 'rumoured'", "status_known", "38"),
        ("char_end = char_start", "span_ordered", "38"),
        ("entity = ''", "entity_not_empty", "38"),
        ("quote = '39'", "quote_matches_text", "39"),
        ("char_start = char_start + 1", "quote_matches_text", "38"),
        ("metric = 'moons_count'", "metric_in_catalogue", "38"),
        ("metric = 'moons_count'", "unit_matches_metric", "38"),
        ("unit = 'stores'", "unit_matches_metric", "38"),
        ("doc_id = 'nowhere'", "document_exists", "38"),
        ("doc_id = 'nowhere'", "quote_matches_text", "38"),
        ("scope = 'Atlantis'", "scope_in_catalogue", "38"),
        ("scope = 'china'", "scope_in_catalogue", "38"),  # names are case-sensitive
        ("metric = 'revenue'", "unit_matches_metric", "38"),  # 'markets' is no currency code
        ("metric = 'revenue', unit = 'Eur'", "unit_matches_metric", "38"),
    ],
)
def test_each_claim_rule_fails_on_the_row_that_breaks_it(
    clean: Ledger, settings: Settings, change: str, rule: str, quote: str
) -> None:
    (claim_id,) = clean.con.execute("select claim_id from raw.claims where quote = '38'").fetchone()
    clean.con.execute(CLAIM_38.format(change))
    found = violations(clean, settings)
    assert ("claims_row_contract", [claim_id], [quote], rule) in found
    assert {id_ for row in found for id_ in row[1]} == {claim_id}  # no other row named


@pytest.mark.parametrize(
    "change",
    [
        "scope = 'China'",
        "scope = 'London'",
        "metric = 'revenue', unit = 'EUR'",  # a currency metric takes the amount's code
        "metric = 'funding', unit = 'CNY'",
    ],
)
def test_look_alikes_of_the_scope_and_currency_rules_pass(
    clean: Ledger, settings: Settings, change: str
) -> None:
    clean.con.execute(CLAIM_38.format(change))
    assert violations(clean, settings) == []


def test_a_null_scope_fails_the_raw_schema(clean: Ledger) -> None:
    from checks.pandera_schemas import CLAIMS

    clean.con.execute("alter table raw.claims alter column scope drop not null")
    clean.con.execute(CLAIM_38.format("scope = null"))
    relation = ibis.duckdb.from_connection(clean.con).table("claims", database="raw")
    found, errors = validate_in_duckdb(CLAIMS, relation, "claim_id")
    assert errors == []
    assert any("scope" in v.message and "null" in v.message for v in found), found


def test_duplicate_claim_ids_are_both_named(clean: Ledger, settings: Settings) -> None:
    clean.con.execute("insert into raw.claims select * from raw.claims where quote = '38'")
    (claim_id,) = clean.con.execute("select claim_id from raw.claims where quote = '38'").fetchone()
    assert violations(clean, settings) == [
        ("claims_row_contract", [claim_id], ["38"], "claim_id_is_unique"),
        ("claims_row_contract", [claim_id], ["38"], "claim_id_is_unique"),
    ]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("event_type = 'rumour'", "event_type_known"),
        ("quote = 'the #6 launched'", "quote_matches_text"),
        ("period_end = date '2025-03-01'", "period_ordered"),
        ("subject = ''", "subject_not_empty"),
    ],
)
def test_each_event_rule_fails_on_the_row_that_breaks_it(
    clean: Ledger, settings: Settings, change: str, rule: str
) -> None:
    (event_id, quote) = clean.con.execute(
        f"update raw.events set {change} returning event_id, quote"
    ).fetchone()
    assert violations(clean, settings) == [("events_row_contract", [event_id], [quote], rule)]


@pytest.mark.parametrize(
    ("change", "rule"),
    [("format = 'pdf'", "format_known"), ("text = ''", "text_not_empty")],
)
def test_each_document_rule_fails_on_the_row_that_breaks_it(
    clean: Ledger, settings: Settings, change: str, rule: str
) -> None:
    clean.con.execute(f"update raw.documents set {change}")
    found = [row for row in violations(clean, settings) if row[0] == "documents_row_contract"]
    assert found == [("documents_row_contract", ["doc-a.txt"], [], rule)]


def test_a_wrong_column_type_is_named_and_the_rules_it_breaks_are_errors(
    settings: Settings,
) -> None:
    con = duckdb.connect(":memory:")
    from flows.warehouse import SCHEMA_SQL

    con.execute(SCHEMA_SQL.read_text().replace("size_bytes   bigint", "size_bytes   varchar"))
    ledger = Ledger(con)
    ledger.document("a.txt", "2025-06-24", TEXT)
    outcome = validate(con, settings, "r", engines=("pandera",), as_of=date(2026, 1, 1))
    documents = next(r for r in outcome.results if r.check_id == "documents_row_contract")
    assert documents.status == "error"
    assert "size_not_negative could not run" in (documents.message or "")
    assert con.execute("select claim_ids, message from audit.violations").fetchall() == [
        (
            [],
            "raw.documents: wrong_datatype: expected column 'size_bytes' to have type int64, "
            "got !string",
        )
    ]


def test_a_window_function_in_a_custom_check_is_an_error_not_a_result() -> None:
    # DESIGN.md: under Ibis this errors, and lazy=True files the error as a failure case.
    con = duckdb.connect(":memory:")
    con.execute("create table t as select * from (values ('a'), ('a'), ('b')) v(id)")
    schema = pa.DataFrameSchema(
        name="t",
        checks=[
            pa.Check(lambda d: d.table.id.count().over(group_by=d.table.id) == 1, name="unique")
        ],
    )
    found, errors = validate_in_duckdb(schema, ibis.duckdb.from_connection(con).table("t"), "id")
    assert found == []
    assert len(errors) == 1 and "unique could not run" in errors[0]


@pytest.mark.parametrize(
    "text",
    [
        "smart now operates in 38 markets",  # ASCII: the quote is sliced from the bytes
        "smart est présent sur 38 marchés, 日本でも",  # not ASCII: substring() as before
        "",
    ],
)
def test_quote_check_agrees_with_substring_on_any_span(
    ledger: Ledger, settings: Settings, text: str
) -> None:
    # The row pass slices an ASCII document's bytes instead of counting characters; every
    # span, in range or not, must get substring()'s answer.
    from checks.pandera_schemas import DERIVED_SQL
    from flows.catalogue import load_catalogue
    from flows.validate import prepare_staging

    prepare_staging(ledger.con, load_catalogue(settings.catalogue_dir), [], date(2026, 1, 1))
    ledger.document("a.txt", "2025-06-24", text)
    quotes = sorted({text[s:e] for s in range(len(text) + 1) for e in range(len(text) + 1)})
    quotes = [q for q in quotes if len(q) <= 3] + ["38", "38 m", "é", "日本", "x"]
    ledger.con.execute(
        """
        insert into raw.claims
        select 'c' || row_number() over (), doc_id, file, 'smart', 'markets_count', 'global',
            1, 1, false, false, 'exact', 'markets', '1', date '2025-01-01', date '2025-01-01', null,
            'reported', quote, s, e, 'test', null, null, 'load'
        from raw.documents, unnest(?) as q(quote), range(-2, ? + 3) as a(s),
            range(-2, ? + 3) as b(e)
        """,
        [quotes, len(text), len(text)],
    )
    wrong_quotes = ledger.con.execute(
        f"""
        select claim_id from ({DERIVED_SQL["raw.claims"]}) where not quote_matches_text
        order by all
        """
    ).fetchall()
    # substring() over the documents' text as the row pass always read it (through any_value:
    # for a reversed span past the end, DuckDB's answer depends on the column's statistics)
    expected = ledger.con.execute(
        """
        with documents as (
            select doc_id, any_value(text) as text from raw.documents group by doc_id
        )
        select claim_id from raw.claims join documents using (doc_id)
        where not coalesce(substring(text, char_start + 1, char_end - char_start) = quote, false)
        order by all
        """
    ).fetchall()
    assert len(expected) > 0
    assert wrong_quotes == expected


@pytest.mark.parametrize(
    "change",
    [
        None,
        "file = null",
        "qualifier = null, source = null",
        "value_hi = 'nan'::double",
        "value_lo = 'nan'::double, value_hi = null",
    ],
)
def test_null_checks_answered_in_duckdb_find_what_pandera_finds(
    settings: Settings, change: str | None
) -> None:
    # DuckDB answers the null checks of the columns that hold no null (from its statistics);
    # the others keep pandera's: either way the findings are pandera's own, NaN counted as null.
    from checks.engines.pandera_ibis import nulls_answered
    from checks.pandera_schemas import CLAIMS
    from flows.warehouse import SCHEMA_SQL

    con = duckdb.connect(":memory:")
    # raw.claims without its not-null constraints, so that a required column can hold a null
    con.execute(SCHEMA_SQL.read_text().replace(" not null,", ","))
    ledger = Ledger(con)
    ledger.document("a.txt", "2025-06-24", TEXT)
    ledger.claim("a.txt", "38", "markets_count", 38)
    ledger.claim("a.txt", "over 580", "stores_count", 580, INF, lo_open=True)
    if change:
        con.execute(CLAIM_38.format(change))
    relation = ibis.duckdb.from_connection(con).table("claims", database="raw")
    answered = nulls_answered(con, CLAIMS, "raw.claims", relation)
    found = validate_in_duckdb(answered, relation, "claim_id")
    assert found == validate_in_duckdb(CLAIMS, relation, "claim_id")
    nullable = {name for name, column in CLAIMS.columns.items() if column.nullable}
    screened = {name for name, column in answered.columns.items() if column.nullable} - nullable
    assert len(found[0]) == len(CLAIMS.columns) - len(nullable) - len(screened)
    assert CLAIMS.columns["file"].nullable is False  # the declared schema is left as it was


def test_the_warm_up_validates_every_raw_schema_against_an_empty_warehouse() -> None:
    """The warm-up thread's work (flows.validate.warm_up_checks): each raw table's schema
    compiles and runs on the empty tables, finding nothing and writing nothing."""
    from checks.engines.pandera_ibis import warm_up
    from flows.validate import pandera_warmed_up, warm_up_checks
    from flows.warehouse import connect

    warm_up_checks()
    pandera_warmed_up()  # returns once the thread is done
    with connect(":memory:") as empty:
        tables_before = empty.execute("select count(*) from duckdb_tables()").fetchone()
        warm_up(empty)
        assert empty.execute("select count(*) from duckdb_tables()").fetchone() == tables_before
        assert empty.execute("select count(*) from audit.violations").fetchone() == (0,)
