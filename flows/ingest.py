"""Ingest: read data/raw/documents and manifest.csv into Documents. Pure reading, no database.

Every bad input becomes a Rejection (file, reason code, one sentence) and the run goes on;
only a missing or unusable manifest stops it (IngestError). Files are opened read-only.

Which document counts as what, given `known` (file → doc_id already in raw.documents):
- new:       accepted now, file not known;
- changed:   accepted now, file known with another doc_id;
- unchanged: file known with the same doc_id (its text is not decoded again);
- removed:   file known but not accepted now (gone, unlisted, or rejected this run), so the
             warehouse mirrors the accepted input and never keeps a stale version.
Hidden files and directories (".DS_Store", ".gitkeep") are OS and tool metadata, not
documents: they are skipped, not rejected, unless the manifest lists them.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from flows.model import Document, Rejection
from flows.settings import Settings

FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html"}
MANIFEST_REQUIRED = ("file", "published_at", "title", "publisher", "url")
MANIFEST_OPTIONAL = ("entity",)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# C0 controls other than tab, LF, VT, FF, CR, plus DEL. UTF-8 multibyte sequences never
# contain bytes below 0x80, so searching the raw bytes finds exactly these characters.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
# The same bytes as one string, for bytes.translate: deleting them is a cheaper screen than a
# regex search (a document with none keeps its length), the regex then names the first one.
_CONTROL_BYTE_SET = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])


class IngestError(RuntimeError):
    """The run cannot ingest at all (no manifest, a required column missing)."""


@dataclass
class IngestResult:
    new: list[Document] = field(default_factory=list)
    changed: list[Document] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # files
    removed: list[str] = field(default_factory=list)  # files known but not accepted now
    rejections: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class ManifestRow:
    file: str
    published_at: date
    title: str | None
    publisher: str | None
    url: str | None
    entity_hint: str | None


@dataclass
class Manifest:
    rows: dict[str, ManifestRow]  # by normalised file
    listed: set[str]  # every file named by a row, good or bad (so no second "no row" rejection)
    rejections: list[Rejection]


# --- manifest -----------------------------------------------------------------------------


def read_manifest(manifest_path: Path, documents_dir: Path) -> Manifest:
    """Parse manifest.csv; bad rows become Rejections, a missing file or column raises."""
    if not manifest_path.is_file():
        raise IngestError(f"{manifest_path}: manifest not found (one row per document needed)")
    try:
        with manifest_path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in MANIFEST_REQUIRED if name not in header]
            if missing:
                raise IngestError(
                    f"{manifest_path}: missing required column(s) {', '.join(missing)} "
                    f"(header is {', '.join(header) or 'empty'})"
                )
            reader.fieldnames = header
            records = list(reader)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{manifest_path}: not valid UTF-8 at byte offset {exc.start}") from exc
    except csv.Error as exc:
        raise IngestError(f"{manifest_path}: unreadable CSV: {exc}") from exc

    manifest = Manifest(rows={}, listed=set(), rejections=[])
    first_row: dict[str, int] = {}
    real_dir = os.path.realpath(documents_dir)  # once, not once per row
    for row_number, record in enumerate(records, start=1):
        _read_manifest_row(record, row_number, documents_dir, real_dir, manifest, first_row)
    return manifest


def _read_manifest_row(
    record: dict[str, str | None],
    row_number: int,
    documents_dir: Path,
    real_dir: str,
    manifest: Manifest,
    first_row: dict[str, int],
) -> None:
    def reject(file: str, reason: str, detail: str) -> None:
        manifest.rejections.append(Rejection("manifest", file, reason, detail, row_number))

    raw_file = _cell(record, "file")
    if raw_file is None:
        reject("manifest.csv", "missing_file", f"manifest.csv row {row_number} names no file.")
        return
    file = normalise_relative_path(raw_file)
    entry_stat = _lstat_plain_entry(real_dir, file) if file is not None else None
    if file is None or (
        entry_stat is None and not _resolves_inside(documents_dir / file, documents_dir, real_dir)
    ):
        manifest.listed.add(file or raw_file)
        reject(
            raw_file,
            "path_outside_documents",
            f"manifest.csv row {row_number}: {raw_file!r} leads outside documents/; refused.",
        )
        return
    if file in first_row:
        reject(
            file,
            "duplicate_manifest_row",
            f"manifest.csv row {row_number} lists {file} again (first on row "
            f"{first_row[file]}); the later row is ignored.",
        )
        return
    first_row[file] = row_number
    manifest.listed.add(file)

    published = _cell(record, "published_at")
    if published is None:
        reject(file, "missing_published_at", f"{file} has no published_at in manifest.csv.")
        return
    published_at = parse_iso_date(published)
    if published_at is None:
        reject(
            file,
            "invalid_published_at",
            f"{file} has published_at {published!r} in manifest.csv, not an ISO date (YYYY-MM-DD).",
        )
        return
    if entry_stat is not None:
        is_file, exists = stat.S_ISREG(entry_stat.st_mode), True
    else:
        path = documents_dir / file
        is_file = path.is_file()
        exists = is_file or os.path.lexists(path)
    if not is_file:
        if exists:
            reject(file, "not_a_file", f"{file} is listed in manifest.csv but not a regular file.")
        else:
            reject(
                file, "file_not_found", f"{file} is listed in manifest.csv but not in documents/."
            )
        return
    manifest.rows[file] = ManifestRow(
        file=file,
        published_at=published_at,
        title=_cell(record, "title"),
        publisher=_cell(record, "publisher"),
        url=_cell(record, "url"),
        entity_hint=_cell(record, "entity"),
    )


def _cell(record: dict[str, str | None], column: str) -> str | None:
    value = (record.get(column) or "").strip()
    return value or None


def parse_iso_date(value: str) -> date | None:
    """A strict YYYY-MM-DD date (fromisoformat alone would also take "20250624")."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def normalise_relative_path(value: str) -> str | None:
    """A posix path under documents/, or None when it is absolute or climbs out with "..."."""
    if "/" not in value and value not in ("", ".", "..") and not value.startswith("\\"):
        return value  # a plain name: what PurePosixPath would give, without building one
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or value.startswith("\\"):
        return None
    normalised = str(path)
    return None if normalised in ("", ".") else normalised


def _resolves_inside(path: Path, directory: Path, real_dir: str | None = None) -> bool:
    """True when `path`, symlinks followed, stays under `directory` (real_dir: its realpath)."""
    real_dir = os.path.realpath(directory) if real_dir is None else real_dir
    return os.path.realpath(path).startswith(real_dir + os.sep)


def _lstat_plain_entry(real_dir: str, file: str) -> os.stat_result | None:
    """The lstat of documents/<file> when it is an entry of documents/ itself, not a symlink.

    Such a path is inside documents/ with no need for realpath, which lstats every component
    of the path from the root, twice per manifest row. None means "not shown this way": a
    nested path, a symlink, or an entry that cannot be stat'ed; the caller then asks realpath.
    """
    if "/" in file:
        return None
    try:
        found = os.lstat(os.path.join(real_dir, file))
    except OSError:
        return None
    return None if stat.S_ISLNK(found.st_mode) else found


# --- documents ----------------------------------------------------------------------------


def walk_documents(documents_dir: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(posix path under documents/, entry) for every non-directory: files by name, then subdirs.

    Symlinked directories are yielded, not descended into: the caller refuses those that
    point outside, and the ones inside are reached through their real path.
    """
    stack = [(documents_dir, "")]
    while stack:
        directory, prefix = stack.pop()
        with os.scandir(directory) as entries:
            found = sorted(entries, key=lambda e: e.name)
        subdirs = []
        for entry in found:
            relative = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                subdirs.append((Path(entry.path), relative + "/"))
            else:
                yield relative, entry
        stack.extend(reversed(subdirs))


@dataclass(frozen=True)
class _Candidate:
    file: str
    path: str
    data: bytes
    doc_id: str
    fmt: str
    row: ManifestRow


def ingest_documents(
    settings: Settings,
    known: dict[str, str],
    known_metadata: dict[str, ManifestRow] | None = None,
) -> IngestResult:
    """Read manifest and documents; classify each as new, changed, unchanged or rejected.

    known_metadata (file → the manifest row stored with it) makes a corrected manifest row
    count as a change even when the bytes are the same: periods are resolved against
    published_at, so the document must be extracted again.
    """
    documents_dir = settings.documents_dir
    if not documents_dir.is_dir():
        raise IngestError(f"{documents_dir}: documents directory not found")
    manifest = read_manifest(settings.manifest_path, documents_dir)
    result = IngestResult(rejections=list(manifest.rejections))
    candidates: list[_Candidate] = []
    for file, entry in walk_documents(documents_dir):
        candidate = _read_candidate(file, entry, documents_dir, manifest, settings, result)
        if candidate is not None:
            candidates.append(candidate)

    accepted: set[str] = set()
    for candidate in _without_duplicate_content(candidates, known, result):
        accepted.add(candidate.file)
        same_row = known_metadata is None or known_metadata.get(candidate.file) == candidate.row
        if known.get(candidate.file) == candidate.doc_id and same_row:
            # Unchanged bytes: skip decoding and normalising, which keeps re-runs cheap.
            result.unchanged.append(candidate.file)
            continue
        document = _to_document(candidate, result)
        if document is None:
            accepted.discard(candidate.file)
        elif candidate.file in known:
            result.changed.append(document)
        else:
            result.new.append(document)
    result.removed = sorted(file for file in known if file not in accepted)
    return result


def _read_candidate(
    file: str,
    entry: os.DirEntry[str],
    documents_dir: Path,
    manifest: Manifest,
    settings: Settings,
    result: IngestResult,
) -> _Candidate | None:
    """Checks that need no decoding: location, format, manifest row, size; then the bytes."""

    def reject(reason: str, detail: str) -> None:
        result.rejections.append(Rejection("ingest", file, reason, detail))

    if _is_hidden(file) and file not in manifest.listed:
        return None
    if entry.is_symlink() and not _resolves_inside(Path(entry.path), documents_dir):
        if file not in manifest.listed:  # a listed one was already refused by the manifest
            reject("path_outside_documents", f"{file} is a symlink leading outside documents/.")
        return None
    if entry.is_dir():
        return None  # a symlinked directory inside documents/: walked through its real path
    if not entry.is_file():  # a FIFO or socket: opening it could block the run for ever
        if file not in manifest.listed:  # a listed one was already refused by the manifest
            reject("not_a_file", f"{file} is not a regular file.")
        return None
    fmt = FORMATS.get(_suffix(file).lower())
    if fmt is None:
        reject(
            "unsupported_format",
            f"{file} is not .txt, .md, .html or .htm; only those formats are read.",
        )
        return None
    row = manifest.rows.get(file)
    if row is None:
        if file not in manifest.listed:
            reject("no_manifest_row", f"{file} has no row in manifest.csv.")
        return None
    try:
        size = entry.stat().st_size
        if size > settings.max_document_bytes:
            reject(
                "too_large",
                f"{file} is {size} bytes, over the limit of {settings.max_document_bytes}.",
            )
            return None
        with open(entry.path, "rb") as handle:  # read-only: raw files are never modified
            data = handle.read(settings.max_document_bytes + 1)
    except OSError as exc:
        reject("unreadable", f"{file} could not be read: {exc.strerror or exc}.")
        return None
    if len(data) > settings.max_document_bytes:  # grew between stat and read
        reject("too_large", f"{file} is over the limit of {settings.max_document_bytes} bytes.")
        return None
    doc_id = hashlib.sha256(data).hexdigest()
    return _Candidate(file, entry.path, data, doc_id, fmt, row)


def _suffix(file: str) -> str:
    """PurePosixPath(file).suffix without building a path object per document."""
    name = file.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _is_hidden(file: str) -> bool:
    return any(part.startswith(".") for part in file.split("/"))


def _without_duplicate_content(
    candidates: list[_Candidate], known: dict[str, str], result: IngestResult
) -> list[_Candidate]:
    """Keep one file per content hash: the one already in the warehouse, else the first."""
    keeper: dict[str, str] = {}
    for candidate in candidates:
        if known.get(candidate.file) == candidate.doc_id:
            keeper.setdefault(candidate.doc_id, candidate.file)
    kept = []
    for candidate in candidates:
        first = keeper.setdefault(candidate.doc_id, candidate.file)
        if first == candidate.file:
            kept.append(candidate)
        else:
            result.rejections.append(
                Rejection(
                    "ingest",
                    candidate.file,
                    "duplicate_content",
                    f"{candidate.file} has the same bytes as {first}; only {first} is loaded.",
                )
            )
    return kept


def _to_document(candidate: _Candidate, result: IngestResult) -> Document | None:
    """Decode and normalise; None (with a rejection) when the bytes are not usable text."""
    file, data = candidate.file, candidate.data

    def reject(reason: str, detail: str) -> None:
        result.rejections.append(Rejection("ingest", file, reason, detail))

    control = None
    if len(data.translate(None, _CONTROL_BYTE_SET)) != len(data):
        control = CONTROL_BYTES.search(data)
    if control is not None:
        reject(
            "binary",
            f"{file} contains control byte 0x{control.group()[0]:02x} at byte offset "
            f"{control.start()}; it is binary, not text.",
        )
        return None
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reject("invalid_utf8", f"{file} is not valid UTF-8 at byte offset {exc.start}.")
        return None
    text = normalise_text(decoded, candidate.fmt)
    if not text.strip():
        reject("empty", f"{file} has no text (empty or whitespace only).")
        return None
    row = candidate.row
    return Document(
        doc_id=candidate.doc_id,
        file=file,
        published_at=row.published_at,
        title=row.title,
        publisher=row.publisher,
        url=row.url,
        entity_hint=row.entity_hint,
        format=candidate.fmt,
        size_bytes=len(data),
        text=text,
    )


# --- text ---------------------------------------------------------------------------------


def normalise_text(decoded: str, fmt: str) -> str:
    """The stored text: every offset in raw.claims and raw.events refers to this string."""
    text = decoded.removeprefix("\ufeff")  # a UTF-8 BOM is encoding, not content
    # CRLF and lone CR become LF, so offsets do not depend on the editor that saved the file.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "html":
        return html_to_text(text)
    return text


# fmt: off
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
# fmt: on
LINE_TAGS = frozenset({"br"})
CELL_TAGS = frozenset({"td", "th"})
# Never readable text. `head` holds the title and metadata, which the manifest carries.
SKIPPED_TAGS = frozenset({"script", "style", "head", "noscript", "template", "svg"})
_WHITESPACE_RUN = re.compile(r"\s+")
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities arrive unescaped in handle_data
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip_depth = 0  # an unclosed <head> ends where the body starts
        if tag in SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in LINE_TAGS:
            self.parts.append("\n")
        elif tag in CELL_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and friends: no end tag to match, so a skipped one must not open a skip.
        if tag not in SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in CELL_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            # Source line breaks and indentation are layout, not text: one space each run.
            self.parts.append(_WHITESPACE_RUN.sub(" ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML page: blocks on their own lines, paragraphs apart."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    joined = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip(" ") for line in joined.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
