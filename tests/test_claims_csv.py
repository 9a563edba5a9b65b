"""Claim tables (data/raw/claims/*.csv): good rows become Claims, bad rows are rejected."""

from __future__ import annotations

import csv
import math
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows import load
from flows.catalogue import load_catalogue
from flows.claims_csv import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from flows.ingest import IngestResult, ingest_documents
from flows.model import Claim, Document, Rejection
from tests.conftest import RawDir, fifo_that_cannot_hang

TEXT = (
    "smart now operates in 38 markets. Over 580 stores are open.\n"
    "By June it had 38 markets and planned 40 markets by 2026.\n"
)
GOOD_ROW = {
    "file": "a.txt",
    "entity": "Smart",
    "metric": "markets_count",
    "value_lo": "38",
    "value_hi": "38",
    "qualifier": "exact",
    "unit": "markets",
    "value_text": "38",
    "period_start": "2025-06-24",
    "period_end": "2025-06-24",
    "status": "reported",
    "quote": "operates in 38 markets",
}


@pytest.fixture
def documents(raw_dir: RawDir) -> dict[str, Document]:
    raw_dir.add("a.txt", TEXT)
    return {d.file: d for d in ingest_documents(raw_dir.settings, {}).new}


def write_table(raw: RawDir, rows: list[dict[str, str]], name: str = "hand.csv") -> Path:
    optional = [c for c in OPTIONAL_COLUMNS if any(c in r for r in rows)]
    columns = list(REQUIRED_COLUMNS) + optional
    path = raw.root / "claims" / name
    path.parent.mkdir(exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


RUN_DATE = date(2026, 12, 7)


def read(raw: RawDir, documents: dict[str, Document]) -> tuple[list[Claim], list[Rejection]]:
    settings = raw.settings
    catalogue = load_catalogue(settings.catalogue_dir)
    return load.read_claim_tables(settings, documents, catalogue, today=RUN_DATE)


def row(**changes: str) -> dict[str, str]:
    return {**GOOD_ROW, **changes}


# --- good rows ------------------------------------------------------------------------------


def test_a_good_row_becomes_a_claim_located_in_the_stored_text(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row()])
    (found,), rejections = read(raw_dir, documents)
    assert rejections == []
    doc = documents["a.txt"]
    assert TEXT[found.char_start : found.char_end] == found.quote == "operates in 38 markets"
    assert (found.char_start, found.char_end) == (10, 32)
    assert (found.doc_id, found.file, found.source, found.source_row) == (
        doc.doc_id,
        "a.txt",
        "claims/hand.csv",
        1,
    )
    assert found.entity == "smart"  # the alias "Smart" normalised to the canonical name
    assert (found.metric, found.value_lo, found.value_hi, found.lo_open, found.hi_open) == (
        "markets_count",
        38.0,
        38.0,
        False,
        False,
    )
    assert (found.period_start, found.period_end, found.status) == (
        date(2025, 6, 24),
        date(2025, 6, 24),
        "reported",
    )


def test_open_intervals_empty_units_and_unknown_entities(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(
        raw_dir,
        [
            row(
                metric="stores_count",
                value_lo="580",
                value_hi="inf",
                qualifier="over",
                unit="",
                value_text="over 580",
                quote="Over 580 stores",
                entity="Acme Motors",
            )
        ],
    )
    (found,), rejections = read(raw_dir, documents)
    assert rejections == []
    assert (found.value_lo, found.value_hi, found.lo_open, found.qualifier) == (
        580.0,
        math.inf,
        True,
        "over",
    )
    assert found.unit == "stores"  # empty: taken from the catalogue
    assert found.entity == "Acme Motors"  # not in the catalogue: kept as given


def test_char_start_picks_the_repeated_quote_it_names(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    second = TEXT.index("38 markets", TEXT.index("38 markets") + 1)
    write_table(
        raw_dir,
        [
            row(quote="38 markets", char_start=""),
            row(quote="38 markets", char_start=str(second), period_start="2025-06-01"),
        ],
    )
    claims, rejections = read(raw_dir, documents)
    assert rejections == []
    assert [(c.char_start, c.source_row) for c in claims] == [
        (TEXT.index("38 markets"), 1),
        (second, 2),
    ]
    assert all(TEXT[c.char_start : c.char_end] == c.quote for c in claims)


def test_table_claims_load_with_quotes_matching_the_stored_text(
    raw_dir: RawDir, documents: dict[str, Document], fresh_warehouse: duckdb.DuckDBPyConnection
) -> None:
    load.load_documents(fresh_warehouse, IngestResult(new=list(documents.values())), "run-1")
    write_table(
        raw_dir, [row(), row(quote="40 markets", status="planned", value_lo="40", value_hi="40")]
    )
    claims, _ = read(raw_dir, {d.file: d for d in load.all_documents(fresh_warehouse)})
    load.replace_table_claims(fresh_warehouse, claims, "run-1")
    assert fresh_warehouse.execute(
        """select c.source_row,
                  c.quote = substring(d.text, c.char_start + 1, c.char_end - c.char_start)
           from raw.claims c join raw.documents d using (doc_id) order by 1"""
    ).fetchall() == [(1, True), (2, True)]


def test_scope_is_a_scope_name_or_alias_and_global_when_empty_or_absent(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(
        raw_dir,
        [
            row(quote="38 markets", scope="China"),
            row(
                quote="Over 580 stores",
                metric="stores_count",
                unit="stores",
                scope="mainland China",
            ),
            row(quote="40 markets", scope=""),
        ],
    )
    claims, rejections = read(raw_dir, documents)
    assert rejections == []
    assert [(c.quote, c.scope) for c in claims] == [
        ("38 markets", "China"),
        ("Over 580 stores", "China"),  # the alias read as its scope's name
        ("40 markets", "global"),
    ]
    write_table(raw_dir, [row()])  # no scope column at all
    ((found,), _) = read(raw_dir, documents)
    assert found.scope == "global"


def test_a_bad_scope_is_rejected_with_its_row_number_and_reason(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(
        raw_dir,
        [row(quote="38 markets", scope="Europe"), row(scope="Eurpe"), row(quote="40 markets")],
    )
    claims, [rejection] = read(raw_dir, documents)
    assert [(c.source_row, c.scope) for c in claims] == [(1, "Europe"), (3, "global")]
    assert (rejection.row_number, rejection.reason) == (2, "unknown_scope")
    assert rejection.detail == (
        "claims/hand.csv row 2: scope 'Eurpe' is not in the catalogue "
        "(catalogue/scopes.yaml, by name or alias)."
    )


def test_an_amount_in_another_currency_carries_its_code_as_unit(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row(metric="revenue", unit="EUR", quote="38 markets")])
    (found,), rejections = read(raw_dir, documents)
    assert rejections == []
    assert (found.metric, found.unit) == ("revenue", "EUR")


def test_no_claims_directory_means_no_table_claims(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    assert read(raw_dir, documents) == ([], [])


# --- bad rows: each rejected with its row number and reason; the others load -----------------

BAD_ROWS = [
    ({"file": "missing.txt"}, "unknown_document"),
    ({"quote": "operates in 39 markets"}, "quote_not_found"),
    ({"quote": "38 markets", "char_start": "3"}, "quote_not_at_char_start"),
    ({"char_start": "ten"}, "invalid_number"),
    ({"value_lo": "38 markets"}, "invalid_number"),
    ({"value_hi": "lots"}, "invalid_number"),
    ({"value_lo": "inf"}, "invalid_number"),
    ({"value_hi": "nan"}, "invalid_number"),
    ({"value_lo": ""}, "missing_value"),
    ({"value_lo": "40", "value_hi": "38"}, "lo_greater_than_hi"),
    ({"value_lo": "-5", "value_hi": "38"}, "negative_value"),
    ({"value_hi": "1e308"}, "implausible_value"),
    ({"value_lo": "1200", "value_hi": "1200"}, "value_out_of_range"),  # markets_count ≤ 1000
    ({"value_lo": "1200", "value_hi": "inf"}, "value_out_of_range"),
    ({"period_start": "June 2025"}, "invalid_date"),
    ({"period_end": "2025-13-01"}, "invalid_date"),
    ({"period_start": "2025-07-01", "period_end": "2025-06-30"}, "period_reversed"),
    ({"metric": "market_share"}, "unknown_metric"),
    ({"unit": "countries"}, "unit_mismatch"),
    ({"metric": "revenue", "unit": "euros"}, "unit_mismatch"),
    ({"scope": "Atlantis"}, "unknown_scope"),
    ({"scope": "china"}, "unknown_scope"),  # names and aliases are case-sensitive
    ({"status": "rumoured"}, "invalid_status"),
    ({"quote": ""}, "missing_value"),
]


def test_values_within_a_metrics_range_load(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    """Look-alikes of the out-of-range rows: a markets count at its max_value, over 38 with no
    upper bound, and 5,000 stores (stores declare no max_value of their own)."""
    write_table(
        raw_dir,
        [
            row(quote="38 markets", value_lo="1000", value_hi="1000"),
            row(value_lo="38", value_hi="inf"),
            row(quote="Over 580 stores", metric="stores_count", unit="stores", value_lo="5000",
                value_hi="5000"),
        ],
    )  # fmt: skip
    claims, rejections = read(raw_dir, documents)
    assert rejections == []
    assert [(c.metric, c.value_lo, c.value_hi) for c in claims] == [
        ("markets_count", 1000, 1000),
        ("markets_count", 38, float("inf")),
        ("stores_count", 5000, 5000),
    ]


@pytest.mark.parametrize(("changes", "reason"), BAD_ROWS, ids=[r for _, r in BAD_ROWS])
def test_a_bad_row_is_rejected_with_its_number_and_the_others_load(
    raw_dir: RawDir, documents: dict[str, Document], changes: dict[str, str], reason: str
) -> None:
    good_first = row(quote="38 markets")
    good_last = row(quote="Over 580 stores", metric="stores_count", unit="stores")
    bad = row(**changes)
    write_table(raw_dir, [good_first, bad, good_last])
    claims, rejections = read(raw_dir, documents)
    assert [c.source_row for c in claims] == [1, 3]
    [rejection] = rejections
    assert (rejection.stage, rejection.file, rejection.row_number, rejection.reason) == (
        "claims_csv",
        "claims/hand.csv",
        2,
        reason,
    )
    assert rejection.detail.startswith("claims/hand.csv row 2: ")


def test_a_repeated_row_is_rejected_naming_the_first(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row(), row(value_text="thirty-eight")])
    claims, [rejection] = read(raw_dir, documents)
    assert [c.source_row for c in claims] == [1]
    assert (rejection.row_number, rejection.reason) == (2, "duplicate_row")
    assert "as row 1" in rejection.detail


def test_a_table_missing_a_required_column_is_rejected_whole(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    path = write_table(raw_dir, [row()], name="partial.csv")
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("status")
    path.write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines)
    )
    write_table(raw_dir, [row()], name="whole.csv")
    claims, [rejection] = read(raw_dir, documents)
    assert [c.source for c in claims] == ["claims/whole.csv"]
    assert (rejection.file, rejection.row_number, rejection.reason) == (
        "claims/partial.csv",
        None,
        "missing_column",
    )
    assert rejection.detail == "claims/partial.csv lacks required column(s) status; no row loaded."


def test_large_amounts_and_an_open_upper_bound_are_accepted(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    """Look-alikes of the implausible: $2 trillion is an amount, inf an open bound."""
    write_table(
        raw_dir,
        [
            row(value_lo="38", value_hi="inf"),
            row(
                quote="38 markets",
                metric="revenue_usd",
                unit="USD",
                value_lo="2e12",
                value_hi="2e12",
            ),
        ],
    )
    claims, rejections = read(raw_dir, documents)
    assert rejections == []
    assert [(c.value_lo, c.value_hi) for c in claims] == [(38.0, math.inf), (2e12, 2e12)]


# --- only regular files in claims/, inside it ------------------------------------------------


def test_a_fifo_in_claims_is_rejected_without_blocking(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row()], name="good.csv")
    with fifo_that_cannot_hang(raw_dir.root / "claims" / "pipe.csv"):
        claims, [rejection] = read(raw_dir, documents)
    assert [c.source for c in claims] == ["claims/good.csv"]
    assert (rejection.stage, rejection.file, rejection.reason, rejection.detail) == (
        "claims_csv",
        "claims/pipe.csv",
        "not_a_file",
        "claims/pipe.csv is a FIFO (named pipe), not a file; not read.",
    )


def test_a_directory_named_like_a_table_is_rejected(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row()], name="good.csv")
    (raw_dir.root / "claims" / "x.csv").mkdir()
    claims, [rejection] = read(raw_dir, documents)
    assert [c.source for c in claims] == ["claims/good.csv"]
    assert (rejection.file, rejection.reason, rejection.detail) == (
        "claims/x.csv",
        "not_a_file",
        "claims/x.csv is a directory, not a file; not read.",
    )


def test_a_symlink_leading_outside_claims_is_refused(
    raw_dir: RawDir, documents: dict[str, Document], tmp_path: Path
) -> None:
    outside = write_table(raw_dir, [row()], name="good.csv").rename(tmp_path / "outside.csv")
    (raw_dir.root / "claims" / "linked.csv").symlink_to(outside)
    claims, [rejection] = read(raw_dir, documents)
    assert claims == []
    assert (rejection.file, rejection.reason, rejection.detail) == (
        "claims/linked.csv",
        "path_outside_claims",
        "claims/linked.csv is a symlink leading outside claims/; refused.",
    )


def test_a_symlink_to_a_table_inside_claims_is_read(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    write_table(raw_dir, [row()], name=".real.csv")  # hidden: read only through the link
    (raw_dir.root / "claims" / "linked.csv").symlink_to(".real.csv")
    claims, rejections = read(raw_dir, documents)
    assert ([c.source for c in claims], rejections) == (["claims/linked.csv"], [])


# --- dates after the run, names in another Unicode form, cells too many ----------------------


def test_a_reported_row_about_a_time_after_the_run_is_rejected(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    late = row(period_start="2099-01-01", period_end="2099-01-01")
    write_table(raw_dir, [row(), late])
    claims, [rejection] = read(raw_dir, documents)
    assert [c.source_row for c in claims] == [1]
    assert (rejection.row_number, rejection.reason, rejection.detail) == (
        2,
        "reported_after_the_run",
        "claims/hand.csv row 2: status reported with period_end 2099-01-01, after the run's "
        "date (2026-12-07) plus one day; expected a reported fact about a time that has come, "
        "or status planned.",
    )


def test_a_planned_row_may_be_about_any_later_time(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    planned = row(
        quote="planned 40 markets by 2026",
        value_lo="40",
        value_hi="40",
        period_start="2099-01-01",
        period_end="2099-12-31",
        status="planned",
    )
    write_table(raw_dir, [planned])
    claims, rejections = read(raw_dir, documents)
    assert ([c.status for c in claims], rejections) == (["planned"], [])


def test_a_file_cell_in_another_unicode_form_names_the_same_document(raw_dir: RawDir) -> None:
    raw_dir.add(unicodedata.normalize("NFD", "café.txt"), TEXT, listed=False)
    raw_dir.list(unicodedata.normalize("NFC", "café.txt"))
    documents = {d.file: d for d in ingest_documents(raw_dir.settings, {}).new}
    write_table(raw_dir, [row(file=unicodedata.normalize("NFD", "café.txt"))])
    claims, rejections = read(raw_dir, documents)
    assert ([c.file for c in claims], rejections) == (["café.txt"], [])


def test_a_row_with_a_cell_too_many_says_how_many(
    raw_dir: RawDir, documents: dict[str, Document]
) -> None:
    path = write_table(raw_dir, [row()])
    with path.open("a", encoding="utf-8") as table:
        table.write(path.read_text().splitlines()[1] + ",surplus\n")
    _, [rejection] = read(raw_dir, documents)
    assert (rejection.row_number, rejection.reason, rejection.detail) == (
        2,
        "malformed_row",
        "claims/hand.csv row 2: found 13 cells; expected 12, one per column of the header "
        "(quote a cell that holds a comma).",
    )
