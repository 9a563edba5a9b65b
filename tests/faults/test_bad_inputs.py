"""One run fed every kind of bad input beside the good seeds: each bad input is rejected with
its file, its row where it has one, and a reason, in audit.rejections; nothing hangs; the good
documents and rows are published; and the look-alikes of bad inputs load.

A real Prefect flow run (the integration suite's harness) on a copy of the seeds."""

from __future__ import annotations

import csv
import io
import os
import stat
import unicodedata
from pathlib import Path

import duckdb
import pytest

from flows.claims_csv import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from flows.pipeline import pipeline
from tests.conftest import fifo_that_cannot_hang
from tests.integration.conftest import copy_seeds

# The seeds are a few kilobytes each: a limit above them and below the oversized document.
MAX_DOCUMENT_BYTES = 60_000
GOOD_QUOTE = "smart opened 12 stores in Zürich. It plans 30 stores there by 2099."
NFC_NAME = "Zürich café.txt"
MANIFEST_ROWS = [
    # file, published_at, title, publisher, url, entity
    (NFC_NAME, "2026-03-01", "Zürich", "Wire", "", "smart"),  # saved NFD on disk: one document
    ("empty.txt", "2026-03-01", "Empty", "Wire", "", "smart"),
    ("blank.txt", "2026-03-01", "Blank", "Wire", "", "smart"),
    ("latin1.txt", "2026-03-01", "Latin-1", "Wire", "", "smart"),
    ("huge.txt", "2026-03-01", "Huge", "Wire", "", "smart"),
    ("typo.txt", "2025-13-24", "Typo", "Wire", "", "smart"),
    ("undated.txt", "", "Undated", "Wire", "", "smart"),
    ("future.txt", "2099-01-01", "Later", "Wire", "", "smart"),
    ("gone.txt", "2026-03-01", "Gone", "Wire", "", "smart"),
    ("outside.txt", "2026-03-01", "Outside", "Wire", "", "smart"),
    ("device.txt", "2026-03-01", "Device", "Wire", "", "smart"),
    ("folder.txt", "2026-03-01", "Folder", "Wire", "", "smart"),
    ("pipe.txt", "2026-03-01", "Pipe", "Wire", "", "smart"),
]
MANIFEST_LINES = [
    "comma.txt,2026-03-01,Sales, up,Wire,,smart",  # a cell too many
    f"{NFC_NAME},2026-03-01,Zürich again,Wire,,smart",  # the same file twice
]
CLAIM_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
GOOD_ROW = {
    "file": NFC_NAME, "entity": "smart", "metric": "stores_count", "scope": "", "value_lo": "12",
    "value_hi": "12", "qualifier": "exact", "unit": "", "value_text": "12",
    "period_start": "2026-03-01", "period_end": "2026-03-01", "status": "reported",
    "quote": "12 stores", "char_start": "",
}  # fmt: skip
BAD_ROWS = [  # (changes, reason), rows 2.. of claims/hand.csv
    ({"value_lo": "-5"}, "negative_value"),
    ({"value_hi": "1e308"}, "implausible_value"),
    ({"metric": "markets_count", "value_lo": "1200", "value_hi": "1200"}, "value_out_of_range"),
    ({"period_end": "2099-01-01"}, "reported_after_the_run"),
    ({"period_start": "2026-02-30"}, "invalid_date"),
    ({"metric": "market_share"}, "unknown_metric"),
    ({"file": "missing.txt"}, "unknown_document"),
    ({"quote": "13 stores"}, "quote_not_found"),
    ({"scope": "Atlantis"}, "unknown_scope"),
    ({"value_lo": "14", "value_hi": "12"}, "lo_greater_than_hi"),
]
LOOK_ALIKES = [  # rows that must load: a plan far ahead, a markets count at its max_value
    {
        "period_start": "2099-01-01",
        "period_end": "2099-12-31",
        "status": "planned",
        "quote": "30 stores",
        "value_lo": "30",
        "value_hi": "30",
    },
    {"metric": "markets_count", "unit": "", "value_lo": "1000", "value_hi": "1000"},
]


def write_documents(documents: Path, outside: Path) -> None:
    (documents / unicodedata.normalize("NFD", NFC_NAME)).write_text(GOOD_QUOTE, encoding="utf-8")
    (documents / "empty.txt").write_bytes(b"")
    (documents / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (documents / "latin1.txt").write_bytes("smart in Zürich".encode("latin-1"))
    (documents / "huge.txt").write_text("smart opened stores. " * 4000, encoding="utf-8")
    for name in ("typo.txt", "undated.txt", "future.txt", "comma.txt", "unlisted.txt"):
        (documents / name).write_text("smart opened 14 stores.\n", encoding="utf-8")
    (outside / "secret.txt").write_text("not for the ledger", encoding="utf-8")
    (documents / "outside.txt").symlink_to(outside / "secret.txt")
    (documents / "device.txt").symlink_to("/dev/zero")
    (documents / "folder.txt").mkdir()


def write_manifest(raw: Path) -> None:
    with (raw / "manifest.csv").open("a", encoding="utf-8", newline="") as manifest:
        writer = csv.writer(manifest, lineterminator="\n")
        writer.writerows(MANIFEST_ROWS)
        manifest.write("\n".join(MANIFEST_LINES) + "\n")


def claims_table(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CLAIM_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_claims(claims: Path, outside: Path) -> None:
    claims.mkdir()
    rows = [GOOD_ROW, *({**GOOD_ROW, **c} for c, _ in BAD_ROWS), *LOOK_ALIKES_ROWS]
    (claims / "hand.csv").write_text(claims_table(rows), encoding="utf-8")
    header, row = claims_table([GOOD_ROW]).splitlines()
    (claims / "extra.csv").write_text(f"{header}\n{row},a cell too many\n", encoding="utf-8")
    (claims / "x.csv").mkdir()
    (outside / "outside.csv").write_text(claims_table([GOOD_ROW]), encoding="utf-8")
    (claims / "linked.csv").symlink_to(outside / "outside.csv")


LOOK_ALIKES_ROWS = [{**GOOD_ROW, **changes} for changes in LOOK_ALIKES]


def rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def fed(prefect_server: None, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("bad-inputs")
    raw, outside = copy_seeds(home), home / "outside"
    outside.mkdir()
    write_documents(raw / "documents", outside)
    write_manifest(raw)
    write_claims(raw / "claims", outside)
    os.environ["FACTLEDGER_MAX_DOCUMENT_BYTES"] = str(MAX_DOCUMENT_BYTES)
    try:
        with (
            fifo_that_cannot_hang(raw / "documents" / "pipe.txt"),
            fifo_that_cannot_hang(raw / "claims" / "pipe.csv"),
        ):
            summary = pipeline(raw_dir=raw, curated_dir=home / "curated")
    finally:
        del os.environ["FACTLEDGER_MAX_DOCUMENT_BYTES"]
    return summary


EXPECTED_REJECTIONS = sorted(
    [
        ("blank.txt", 6, "empty"),
        ("claims/extra.csv", 1, "malformed_row"),
        *(("claims/hand.csv", n, reason) for n, (_, reason) in enumerate(BAD_ROWS, start=2)),
        ("claims/linked.csv", None, "path_outside_claims"),
        ("claims/pipe.csv", None, "not_a_file"),
        ("claims/x.csv", None, "not_a_file"),
        # manifest rows are numbered from the seeds' three
        ("comma.txt", 17, "malformed_row"),
        ("device.txt", 14, "path_outside_documents"),
        ("empty.txt", 5, "empty"),
        ("folder.txt", 15, "not_a_file"),
        ("future.txt", 11, "future_published_at"),
        ("gone.txt", 12, "file_not_found"),
        ("huge.txt", 8, "too_large"),
        ("latin1.txt", 7, "invalid_utf8"),
        (NFC_NAME, 18, "duplicate_manifest_row"),
        ("outside.txt", 13, "path_outside_documents"),
        ("pipe.txt", 16, "not_a_file"),
        ("typo.txt", 9, "invalid_published_at"),
        ("undated.txt", 10, "missing_published_at"),
        ("unlisted.txt", None, "no_manifest_row"),
    ],
    key=lambda r: (r[0], r[1] or 0),
)


def test_each_bad_input_is_rejected_with_its_file_row_and_reason(fed) -> None:
    found = rows(
        fed.warehouse,
        f"select file, row_number, reason from audit.rejections where run_id = '{fed.run_id}'"
        " order by file, coalesce(row_number, 0)",
    )
    assert found == EXPECTED_REJECTIONS
    details = rows(
        fed.warehouse,
        f"select file, detail from audit.rejections where run_id = '{fed.run_id}'",
    )
    for file, detail in details:  # each reason in words, naming its file
        assert Path(file).name in detail or file.split("/")[-1] in detail, (file, detail)


def test_the_run_goes_on_and_publishes_the_good_inputs_and_the_look_alikes(fed) -> None:
    stored = rows(fed.warehouse, "select file from raw.documents order by file")
    assert [f for (f,) in stored] == sorted([*SEED_FILES, NFC_NAME])
    published = rows(
        fed.database,
        "select metric, value_lo, value_hi, period_end, status from curated.claims"
        f" where file = '{NFC_NAME}' and source <> 'rules' order by all",
    )
    assert [(m, lo, hi, str(end), status) for m, lo, hi, end, status in published] == [
        ("markets_count", 1000, 1000, "2026-03-01", "reported"),
        ("stores_count", 12, 12, "2026-03-01", "reported"),
        ("stores_count", 30, 30, "2099-12-31", "planned"),
    ]
    assert fed.counts["claim_rows_rejected"] == len(BAD_ROWS) + 4


SEED_FILES = sorted(
    p.name
    for p in (Path(__file__).resolve().parents[2] / "data" / "raw" / "documents").iterdir()
    if stat.S_ISREG(p.stat().st_mode)
)
