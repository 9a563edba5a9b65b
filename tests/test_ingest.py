"""Ingest: manifest and documents in, Documents and Rejections out; bad inputs never crash it."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows import ingest as ingest_module
from flows.ingest import IngestError, IngestResult, html_to_text, ingest_documents
from flows.model import Rejection
from tests.conftest import MANIFEST_COLUMNS, RawDir, fifo_that_cannot_hang

GOOD = "smart now operates in 38 countries and regions.\n"
RUN_DATE = date(2026, 12, 7)


def run(raw: RawDir, known: dict[str, str] | None = None, **settings: object) -> IngestResult:
    return ingest_documents(raw.settings.with_(**settings), known or {}, today=RUN_DATE)


def only_rejection(result: IngestResult) -> Rejection:
    assert len(result.rejections) == 1, result.rejections
    return result.rejections[0]


def new_files(result: IngestResult) -> list[str]:
    return [d.file for d in result.new]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- good input ----------------------------------------------------------------------------


def test_a_listed_text_document_becomes_a_document_with_its_metadata(raw_dir: RawDir) -> None:
    raw_dir.add("news/a.txt", GOOD, published_at="2025-06-24")
    result = run(raw_dir)
    assert result.rejections == []
    [doc] = result.new
    assert doc.doc_id == sha(GOOD.encode())
    assert (doc.file, doc.published_at, doc.format, doc.size_bytes, doc.text) == (
        "news/a.txt",
        date(2025, 6, 24),
        "txt",
        len(GOOD.encode()),
        GOOD,
    )
    assert (doc.title, doc.publisher, doc.url, doc.entity_hint) == (
        "Title of news/a.txt",
        "Test Wire",
        "https://example.test/news/a.txt",
        "smart",
    )


def test_bom_is_stripped_and_line_ends_become_lf(raw_dir: RawDir) -> None:
    raw_dir.add("a.md", "\ufeff# smart\r\n\r\n38 markets\rover 580 stores\n".encode())
    [doc] = run(raw_dir).new
    assert doc.format == "md"
    assert doc.text == "# smart\n\n38 markets\nover 580 stores\n"


def test_empty_optional_metadata_is_none(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", GOOD, entity="")
    raw_dir.rows[0].update(title="", url="")
    raw_dir.write_manifest()
    [doc] = run(raw_dir).new
    assert (doc.title, doc.url, doc.entity_hint) == (None, None, None)


def test_hidden_files_are_not_documents(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", GOOD)
    raw_dir.add(".DS_Store", b"\x00\x01", listed=False)
    result = run(raw_dir)
    assert (new_files(result), result.rejections) == (["a.txt"], [])


# --- the manifest itself -------------------------------------------------------------------


def test_a_missing_manifest_stops_the_run_naming_the_file(raw_dir: RawDir) -> None:
    (raw_dir.root / "manifest.csv").unlink()
    with pytest.raises(IngestError, match=r"manifest\.csv: manifest not found"):
        run(raw_dir)


def test_a_manifest_without_published_at_column_stops_the_run(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", GOOD)
    raw_dir.write_manifest(columns=("file", "title", "publisher", "url"))
    with pytest.raises(
        IngestError, match=r"manifest\.csv: missing required column\(s\) published_at"
    ):
        run(raw_dir)


def test_the_entity_column_is_optional(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", GOOD)
    raw_dir.write_manifest(columns=("file", "published_at", "title", "publisher", "url"))
    [doc] = run(raw_dir).new
    assert doc.entity_hint is None


def test_an_unknown_manifest_column_stops_the_run_naming_it(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", GOOD)
    raw_dir.write_manifest(columns=(*MANIFEST_COLUMNS[:-1], "entitty"))
    with pytest.raises(IngestError) as raised:
        run(raw_dir)
    assert str(raised.value) == (
        f"{raw_dir.root / 'manifest.csv'}: unknown column 'entitty' (did you mean 'entity'?); "
        "expected the columns file, published_at, title, publisher, url, entity"
    )


# --- one test per bad input: recorded, and the other documents still ingest ----------------


@pytest.fixture
def raw(raw_dir: RawDir) -> RawDir:
    """A raw dir with one good document beside whatever bad one the test adds."""
    raw_dir.add("good.txt", GOOD)
    return raw_dir


def assert_rejected(
    result: IngestResult, stage: str, file: str, reason: str, row: int | None = None
) -> Rejection:
    rejection = only_rejection(result)
    assert (rejection.stage, rejection.file, rejection.reason, rejection.row_number) == (
        stage,
        file,
        reason,
        row,
    )
    assert file in rejection.detail
    assert new_files(result) == ["good.txt"]
    return rejection


def test_a_document_with_no_manifest_row_is_rejected(raw: RawDir) -> None:
    raw.add("stray.txt", GOOD + "more", listed=False)
    detail = assert_rejected(run(raw), "ingest", "stray.txt", "no_manifest_row").detail
    assert detail == "stray.txt has no row in manifest.csv."


def test_a_missing_published_at_is_rejected_with_its_row(raw: RawDir) -> None:
    raw.add("undated.txt", "undated " + GOOD, published_at="")
    assert_rejected(run(raw), "manifest", "undated.txt", "missing_published_at", row=2)


@pytest.mark.parametrize("value", ["24/06/2025", "2025-02-30", "20250624", "soon"])
def test_an_invalid_published_at_is_rejected(raw: RawDir, value: str) -> None:
    raw.add("bad_date.txt", "dated " + GOOD, published_at=value)
    detail = assert_rejected(
        run(raw), "manifest", "bad_date.txt", "invalid_published_at", row=2
    ).detail
    assert detail == (
        "manifest.csv row 2 (line 3), column 'published_at' of bad_date.txt: "
        f"found {value!r}; expected an ISO date (YYYY-MM-DD)."
    )


@pytest.mark.parametrize("value", ["2099-01-01", str(RUN_DATE + timedelta(days=2))])
def test_a_published_at_after_the_run_date_is_rejected(raw: RawDir, value: str) -> None:
    raw.add("future.txt", "future " + GOOD, published_at=value)
    detail = assert_rejected(
        run(raw), "manifest", "future.txt", "future_published_at", row=2
    ).detail
    assert detail == (
        "manifest.csv row 2 (line 3), column 'published_at' of future.txt: "
        f"found {value!r}; expected a date no later than 2026-12-08 (the run's date, "
        "2026-12-07, plus one day for time zones)."
    )


def test_a_published_at_one_day_after_the_run_date_is_accepted(raw_dir: RawDir) -> None:
    raw_dir.add("tomorrow.txt", GOOD, published_at=str(RUN_DATE + timedelta(days=1)))
    result = run(raw_dir)
    assert (new_files(result), result.rejections) == (["tomorrow.txt"], [])


def test_a_manifest_row_with_extra_cells_is_rejected_with_its_cell_count(raw: RawDir) -> None:
    raw.add("comma.txt", "comma " + GOOD, listed=False)
    with (raw.root / "manifest.csv").open("a", encoding="utf-8") as manifest:
        manifest.write("comma.txt,2025-06-24,Sales up, again,Wire,https://x.test/c,smart\n")
    detail = assert_rejected(run(raw), "manifest", "comma.txt", "malformed_row", row=2).detail
    assert detail == (
        "manifest.csv row 2 (line 3) of comma.txt: found 7 cells; expected 6, one per column "
        "of the header (quote a cell that holds a comma)."
    )


@pytest.mark.parametrize(("on_disk", "in_manifest"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_file_name_matches_its_manifest_row_in_another_unicode_form(
    raw: RawDir, on_disk: str, in_manifest: str
) -> None:
    name = "Zürich café.txt"
    raw.add(unicodedata.normalize(on_disk, name), "accented " + GOOD, listed=False)
    raw.list(unicodedata.normalize(in_manifest, name))
    result = run(raw)
    assert result.rejections == []
    assert sorted(new_files(result)) == sorted(["good.txt", unicodedata.normalize("NFC", name)])


def test_two_files_named_alike_in_two_unicode_forms_load_once(raw: RawDir) -> None:
    name = "café.txt"
    raw.add(unicodedata.normalize("NFC", name), "one " + GOOD)
    raw.add(unicodedata.normalize("NFD", name), "two " + GOOD, listed=False)
    result = run(raw)
    assert sorted(new_files(result)) == ["café.txt", "good.txt"]
    [rejection] = result.rejections
    assert (rejection.file, rejection.reason) == ("café.txt", "duplicate_name")


def test_invalid_utf8_is_rejected_with_the_byte_offset(raw: RawDir) -> None:
    raw.add("latin1.txt", b"smart opened \xff\xfe 12 stores")
    detail = assert_rejected(run(raw), "ingest", "latin1.txt", "invalid_utf8", row=2).detail
    assert detail == "latin1.txt is not valid UTF-8 at byte offset 13."


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"smart \x07bell"])
def test_binary_content_is_rejected(raw: RawDir, content: bytes) -> None:
    raw.add("image.txt", content)
    assert_rejected(run(raw), "ingest", "image.txt", "binary", row=2)


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  "])
def test_an_empty_document_is_rejected(raw: RawDir, content: bytes) -> None:
    raw.add("empty.txt", content)
    assert_rejected(run(raw), "ingest", "empty.txt", "empty", row=2)


def test_html_with_no_readable_text_is_empty(raw: RawDir) -> None:
    raw.add("blank.html", "<html><head><title>t</title></head><body><script>x=1</script></body>")
    assert_rejected(run(raw), "ingest", "blank.html", "empty", row=2)


def test_a_document_over_the_size_limit_is_rejected(raw: RawDir) -> None:
    raw.add("big.txt", "x" * 101)
    detail = assert_rejected(
        run(raw, max_document_bytes=100), "ingest", "big.txt", "too_large", row=2
    ).detail
    assert detail == "big.txt is 101 bytes, over the limit of 100."


def test_a_document_at_the_size_limit_is_accepted(raw: RawDir) -> None:
    raw.add("edge.txt", "y" * 100)
    result = run(raw, max_document_bytes=100)
    assert (sorted(new_files(result)), result.rejections) == (["edge.txt", "good.txt"], [])


@pytest.mark.parametrize("name", ["report.pdf", "notes.docx", "README"])
def test_an_unsupported_format_is_rejected(raw: RawDir, name: str) -> None:
    raw.add(name, GOOD + name)
    assert_rejected(run(raw), "ingest", name, "unsupported_format", row=2)


def test_a_manifest_path_climbing_out_of_documents_is_refused(raw: RawDir) -> None:
    (raw.root / "secret.txt").write_text(GOOD + "secret")
    raw.list("../secret.txt")
    assert_rejected(run(raw), "manifest", "../secret.txt", "path_outside_documents", row=2)


def test_an_absolute_manifest_path_is_refused(raw: RawDir, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(GOOD + "outside")
    raw.list(str(outside))
    assert_rejected(run(raw), "manifest", str(outside), "path_outside_documents", row=2)


def test_a_symlink_leading_outside_documents_is_refused(raw: RawDir, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(GOOD + "outside")
    (raw.documents / "link.txt").symlink_to(outside)
    raw.list("link.txt")
    assert_rejected(run(raw), "manifest", "link.txt", "path_outside_documents", row=2)


def test_an_unlisted_symlink_leading_outside_is_refused(raw: RawDir, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (raw.documents / "linked_dir").symlink_to(tmp_path / "elsewhere")
    assert_rejected(run(raw), "ingest", "linked_dir", "path_outside_documents")


def test_a_fifo_is_rejected_without_blocking(raw: RawDir) -> None:
    with fifo_that_cannot_hang(raw.documents / "pipe.txt"):
        assert_rejected(run(raw), "ingest", "pipe.txt", "not_a_file")
        raw.list("pipe.txt")
        assert_rejected(run(raw), "manifest", "pipe.txt", "not_a_file", row=2)


def test_a_listed_file_that_does_not_exist_is_rejected(raw: RawDir) -> None:
    raw.list("ghost.txt")
    detail = assert_rejected(run(raw), "manifest", "ghost.txt", "file_not_found", row=2).detail
    assert detail == "ghost.txt is listed in manifest.csv but not in documents/."


def test_a_second_file_with_the_same_bytes_is_rejected_naming_the_first(raw: RawDir) -> None:
    raw.add("later/copy.txt", GOOD)  # files are read in sorted order: good.txt is first
    detail = assert_rejected(
        run(raw), "ingest", "later/copy.txt", "duplicate_content", row=2
    ).detail
    assert detail == "later/copy.txt has the same bytes as good.txt; only good.txt is loaded."


def test_duplicate_content_keeps_the_file_already_in_the_warehouse(raw_dir: RawDir) -> None:
    raw_dir.add("b.txt", GOOD)
    raw_dir.add("a.txt", GOOD)
    result = run(raw_dir, known={"b.txt": sha(GOOD.encode())})
    assert result.unchanged == ["b.txt"]
    assert result.new == []
    assert [(r.file, r.reason) for r in result.rejections] == [("a.txt", "duplicate_content")]


def test_a_file_listed_twice_keeps_the_first_row(raw: RawDir) -> None:
    raw.list("good.txt", published_at="2020-01-01")
    rejection = only_rejection(result := run(raw))
    assert (rejection.file, rejection.reason, rejection.row_number) == (
        "good.txt",
        "duplicate_manifest_row",
        2,
    )
    assert [d.published_at for d in result.new] == [date(2025, 6, 24)]


def test_many_bad_inputs_in_one_run_are_each_recorded_once(raw: RawDir) -> None:
    raw.add("stray.txt", "stray", listed=False)
    raw.add("latin1.txt", b"\xff")
    raw.add("empty.txt", b"")
    raw.add("undated.txt", "undated", published_at="")
    raw.list("ghost.txt")
    result = run(raw)
    assert sorted((r.file, r.reason) for r in result.rejections) == [
        ("empty.txt", "empty"),
        ("ghost.txt", "file_not_found"),
        ("latin1.txt", "invalid_utf8"),
        ("stray.txt", "no_manifest_row"),
        ("undated.txt", "missing_published_at"),
    ]
    assert new_files(result) == ["good.txt"]


# --- raw files are never modified ----------------------------------------------------------


def test_ingest_leaves_every_raw_file_byte_for_byte_and_mtime_unchanged(raw: RawDir) -> None:
    raw.add("a.html", "<p>smart &amp; co</p>\r\n")
    raw.add("b.txt", "\ufeffsmart\r\n")
    raw.add("bad.txt", b"\xff")
    raw.add("stray.md", "x", listed=False)
    for path in raw.root.rglob("*"):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a known, old mtime
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.root.rglob("*") if p.is_file()}
    run(raw)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.root.rglob("*") if p.is_file()}
    assert after == before
    assert len(before) == 6


def test_ingest_works_on_read_only_raw_files(raw: RawDir) -> None:
    path = raw.documents / "good.txt"
    path.chmod(0o444)
    assert new_files(run(raw)) == ["good.txt"]


# --- HTML -----------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><title>Not text</title><style>p { color: red }</style></head>
<body>
  <script>var markets = 99;</script>
  <h1>smart &amp; partners</h1>
  <p>smart now operates in
     38 markets&nbsp;with over 580&#160;stores.</p>
  <ul><li>Germany</li><li>Japan &lt;new&gt;</li></ul>
  <p>Line one<br>line two</p>
  <table><tr><td>Q1</td><td>38</td></tr></table>
  <!-- a comment with 77 markets -->
</body></html>
"""


def test_html_is_reduced_to_readable_text() -> None:
    assert html_to_text(PAGE) == (
        "smart & partners\n\n"
        "smart now operates in 38 markets with over 580 stores.\n\n"
        "Germany\n\nJapan <new>\n\n"
        "Line one\nline two\n\n"
        "Q1 38"
    )


def test_an_html_document_stores_the_reduced_text_and_offsets_refer_to_it(
    raw_dir: RawDir,
) -> None:
    raw_dir.add("page.htm", PAGE.replace("\n", "\r\n"))
    [doc] = run(raw_dir).new
    assert doc.format == "html"
    assert "99" not in doc.text and "Not text" not in doc.text and "77" not in doc.text
    quote = "over 580 stores"
    start = doc.text.index(quote)
    assert doc.text[start : start + len(quote)] == quote
    assert doc.text[: start + len(quote)].endswith("38 markets with over 580 stores")
    assert doc.size_bytes == len(PAGE.replace("\n", "\r\n").encode())


def test_an_unclosed_head_does_not_swallow_the_body() -> None:
    assert html_to_text("<html><head><title>x</title><body><p>38 markets</p>") == "38 markets"


# --- new, changed, unchanged, removed ---------------------------------------------------------


def test_classifies_new_changed_unchanged_and_removed(raw_dir: RawDir) -> None:
    raw_dir.add("same.txt", "same")
    raw_dir.add("edited.txt", "edited v2")
    raw_dir.add("fresh.txt", "fresh")
    known = {
        "same.txt": sha(b"same"),
        "edited.txt": sha(b"edited v1"),
        "deleted.txt": sha(b"deleted"),
    }
    result = run(raw_dir, known)
    assert new_files(result) == ["fresh.txt"]
    assert [(d.file, d.doc_id) for d in result.changed] == [("edited.txt", sha(b"edited v2"))]
    assert result.unchanged == ["same.txt"]
    assert result.removed == ["deleted.txt"]
    assert result.rejections == []


def test_a_known_file_dropped_from_the_manifest_is_removed(raw_dir: RawDir) -> None:
    raw_dir.add("kept.txt", "kept")
    raw_dir.add("unlisted.txt", "unlisted", listed=False)
    result = run(raw_dir, {"kept.txt": sha(b"kept"), "unlisted.txt": sha(b"unlisted")})
    assert (result.unchanged, result.removed) == (["kept.txt"], ["unlisted.txt"])
    assert [(r.file, r.reason) for r in result.rejections] == [("unlisted.txt", "no_manifest_row")]


def test_a_known_file_that_turns_bad_is_removed_and_rejected(raw_dir: RawDir) -> None:
    raw_dir.add("a.txt", b"\xff")
    result = run(raw_dir, {"a.txt": sha(b"good before")})
    assert (result.changed, result.removed) == ([], ["a.txt"])
    assert [(r.file, r.reason) for r in result.rejections] == [("a.txt", "invalid_utf8")]


def test_unchanged_documents_are_not_decoded_again(
    raw_dir: RawDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        raw_dir.add(f"d{i}.txt", f"document {i}")
    known = {f"d{i}.txt": sha(f"document {i}".encode()) for i in range(5)}
    decoded: list[str] = []
    real = ingest_module.normalise_text
    monkeypatch.setattr(
        ingest_module, "normalise_text", lambda text, fmt: decoded.append(text) or real(text, fmt)
    )
    result = run(raw_dir, known)
    assert (len(result.unchanged), decoded) == (5, [])
