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

At the door: only regular files are opened (open_regular_file: a FIFO, a socket, a device or
a directory is rejected, never read), a symlink leading outside documents/ is refused, a
manifest row is a typed model (ManifestRow: a bad cell is rejected naming its row, line,
column, found and expected; a publication date after the run's date plus a day, or a row
with a cell too many, too), and file names are compared in Unicode NFC (document_name).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from flows.model import Document, Rejection
from flows.model_errors import did_you_mean, expected
from flows.runtime.settings import Settings

FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html"}
MANIFEST_REQUIRED = ("file", "published_at", "title", "publisher", "url")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A publication date may be one day after the run's date: somewhere on Earth it is already
# tomorrow. A later one is a typo (2099 for 2025) that would load, date the document's claims
# after every other, and pull correct claims into quarantine.
PUBLICATION_DATE_SLACK = timedelta(days=1)
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


# --- manifest -----------------------------------------------------------------------------


def document_name(value: str) -> str:
    """A file name as documents are matched and stored: Unicode NFC, so that "café" typed on
    one system and "café" saved by another (NFD, as macOS does) are one file."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def manifest_file(value: str) -> str:
    """The manifest's `file` cell as a path under documents/ (posix, NFC), or an error whose
    type is the rejection's reason."""
    value = value.strip()
    if not value:
        raise PydanticCustomError("missing_file", "a path under documents/ (the cell is empty)")
    file = normalise_relative_path(value)
    if file is None:
        raise PydanticCustomError(
            "path_outside_documents", "a path under documents/ (relative, without '..')"
        )
    return document_name(file)


def _published_at(value: object) -> object:
    """A strict YYYY-MM-DD text (a date object, as the warehouse returns it, passes)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise PydanticCustomError("missing_published_at", "an ISO date (YYYY-MM-DD)")
    parsed = parse_iso_date(value.strip())
    if parsed is None:
        raise PydanticCustomError("invalid_published_at", "an ISO date (YYYY-MM-DD)")
    return parsed


def _text_or_none(value: object) -> object:
    """A cell's text without surrounding spaces; an empty cell is None."""
    return (value.strip() or None) if isinstance(value, str) else value


_Text = Annotated[str | None, BeforeValidator(_text_or_none)]


class ManifestRow(BaseModel):
    """One row of manifest.csv (data/raw/README.md says what each column holds). Columns by
    their names in the file; `entity` is the document's entity hint."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    file: Annotated[str, BeforeValidator(manifest_file)]
    published_at: Annotated[date, BeforeValidator(_published_at)]
    title: _Text = None
    publisher: _Text = None
    url: _Text = None
    entity_hint: _Text = Field(default=None, alias="entity")

    @field_validator("published_at")
    @classmethod
    def _not_after_the_run(cls, value: date, info: ValidationInfo) -> date:
        """Rows read for a run carry its date in the context (`today`); rows read back from
        the warehouse do not, and are not judged again."""
        today = (info.context or {}).get("today")
        if today is not None and value > today + PUBLICATION_DATE_SLACK:
            latest = today + PUBLICATION_DATE_SLACK
            raise PydanticCustomError(
                "future_published_at",
                "a date no later than {latest} (the run's date, {today}, plus one day for "
                "time zones)",
                {"latest": str(latest), "today": str(today)},
            )
        return value


MANIFEST_COLUMNS = tuple(f.alias or name for name, f in ManifestRow.model_fields.items())


@dataclass
class Manifest:
    rows: dict[str, ManifestRow]  # by file (normalised: see manifest_file)
    listed: set[str]  # every file named by a row, good or bad (so no second "no row" rejection)
    rejections: list[Rejection]
    row_numbers: dict[str, int] = field(default_factory=dict)  # file → the first row naming it


def read_manifest(manifest_path: Path, documents_dir: Path, today: date | None = None) -> Manifest:
    """Parse manifest.csv; bad rows become Rejections, a missing file or column raises.

    `today` is the run's date (default: the machine's), which no publication date may pass by
    more than PUBLICATION_DATE_SLACK.
    """
    if not manifest_path.is_file():
        found = "not a regular file" if manifest_path.exists() else "manifest not found"
        raise IngestError(f"{manifest_path}: {found} (one row per document needed)")
    try:
        with open_regular_file(manifest_path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            _check_header(manifest_path, header)
            reader.fieldnames = header
            records = [(record, reader.line_num) for record in reader]
    except UnicodeDecodeError as exc:
        raise IngestError(f"{manifest_path}: not valid UTF-8 at byte offset {exc.start}") from exc
    except csv.Error as exc:
        raise IngestError(f"{manifest_path}: unreadable CSV: {exc}") from exc

    manifest = Manifest(rows={}, listed=set(), rejections=[])
    reading = _ManifestReading(
        manifest, documents_dir, os.path.realpath(documents_dir), len(header), today
    )
    for row_number, (record, line) in enumerate(records, start=1):
        reading.row(record, row_number, line)
    return manifest


def _check_header(manifest_path: Path, header: list[str]) -> None:
    """Every required column, and no column the manifest does not have (a typo)."""
    missing = [name for name in MANIFEST_REQUIRED if name not in header]
    if missing:
        raise IngestError(
            f"{manifest_path}: missing required column(s) {', '.join(missing)} "
            f"(header is {', '.join(header) or 'empty'})"
        )
    unknown = [name for name in header if name not in MANIFEST_COLUMNS]
    if unknown:
        raise IngestError(
            f"{manifest_path}: unknown column {unknown[0]!r}"
            f"{did_you_mean(unknown[0], MANIFEST_COLUMNS)}; expected the columns "
            f"{', '.join(MANIFEST_COLUMNS)}"
        )


class _Refused(Exception):
    """A manifest row's first problem: the file it concerns, the reason code, a sentence."""

    def __init__(self, file: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.file, self.reason, self.detail = file, reason, detail


@dataclass
class _ManifestReading:
    """One pass over the manifest's rows: each becomes a ManifestRow or a Rejection, its
    checks in the order a person would fix them (the file, then its cells, then the disk)."""

    manifest: Manifest
    documents_dir: Path
    real_dir: str  # realpath of documents_dir, once and not once per row
    columns: int
    today: date | None

    def row(self, record: dict[str | None, Any], row_number: int, line: int) -> None:
        where = f"manifest.csv row {row_number} (line {line})"
        try:
            file = self._file(record, where)
            on_disk, entry_stat = self._inside_documents(file, record, where)
            self._first_listing(file, row_number, where)
            row = self._validated(record, file, where)
            self._is_a_regular_file(file, on_disk, entry_stat)
        except _Refused as refused:
            self.manifest.rejections.append(
                Rejection("manifest", refused.file, refused.reason, refused.detail, row_number)
            )
            return
        self.manifest.rows[file] = row

    def _file(self, record: dict[str | None, Any], where: str) -> str:
        """The row's file (normalised), when the row has one and no cell too many."""
        raw_file = _cell(record, "file") or ""
        try:
            file = manifest_file(raw_file)
        except PydanticCustomError as exc:
            if exc.type == "missing_file":
                raise _Refused("manifest.csv", exc.type, f"{where} names no file.") from None
            self.manifest.listed.add(raw_file)
            raise _Refused(raw_file, exc.type, _outside(where, raw_file)) from None
        extra_cells = record.get(None)
        if extra_cells is not None:
            self.manifest.listed.add(file)  # the row names it: no second "no row" rejection
            raise _Refused(
                file,
                "malformed_row",
                f"{where} of {file}: found {self.columns + len(extra_cells)} cells; expected "
                f"{self.columns}, one per column of the header (quote a cell that holds a "
                "comma).",
            )
        return file

    def _inside_documents(
        self, file: str, record: dict[str | None, Any], where: str
    ) -> tuple[str, os.stat_result | None]:
        """The file's name on disk and, for a plain entry of documents/, its lstat; refused
        when it leads outside documents/ (a symlink)."""
        on_disk = _on_disk(self.real_dir, file)
        entry_stat = _lstat_plain_entry(self.real_dir, on_disk)
        if entry_stat is None and not resolves_inside(
            self.documents_dir / on_disk, self.documents_dir, self.real_dir
        ):
            self.manifest.listed.add(file)
            raw_file = _cell(record, "file") or file
            raise _Refused(raw_file, "path_outside_documents", _outside(where, raw_file))
        return on_disk, entry_stat

    def _first_listing(self, file: str, row_number: int, where: str) -> None:
        first = self.manifest.row_numbers.setdefault(file, row_number)
        if first != row_number:
            raise _Refused(
                file,
                "duplicate_manifest_row",
                f"{where} lists {file} again (first on row {first}); the later row is ignored.",
            )
        self.manifest.listed.add(file)

    def _validated(self, record: dict[str | None, Any], file: str, where: str) -> ManifestRow:
        """The row as a ManifestRow, or its first bad cell: column, found and expected."""
        try:
            return ManifestRow.model_validate(
                {name: value for name, value in record.items() if name is not None},
                context={"today": self.today or date.today()},
            )
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            found = repr(error["input"]) if error["input"] else "an empty cell"
            raise _Refused(
                file,
                error["type"],
                f"{where}, column {str(error['loc'][0])!r} of {file}: found {found}; expected "
                f"{expected(error)}.",
            ) from None

    def _is_a_regular_file(
        self, file: str, on_disk: str, entry_stat: os.stat_result | None
    ) -> None:
        if entry_stat is not None:
            is_file, exists = stat.S_ISREG(entry_stat.st_mode), True
        else:
            path = self.documents_dir / on_disk
            is_file = path.is_file()
            exists = is_file or os.path.lexists(path)
        if is_file:
            return
        if exists:
            raise _Refused(
                file, "not_a_file", f"{file} is listed in manifest.csv but not a regular file."
            )
        raise _Refused(
            file, "file_not_found", f"{file} is listed in manifest.csv but not in documents/."
        )


def _outside(where: str, raw_file: str) -> str:
    return f"{where}: {raw_file!r} leads outside documents/; refused."


def _cell(record: dict[str | None, Any], column: str) -> str | None:
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


def resolves_inside(path: Path, directory: Path, real_dir: str | None = None) -> bool:
    """True when `path`, symlinks followed, stays under `directory` (real_dir: its realpath)."""
    real_dir = os.path.realpath(directory) if real_dir is None else real_dir
    return os.path.realpath(path).startswith(real_dir + os.sep)


def _on_disk(real_dir: str, file: str) -> str:
    """How `file` (NFC) is spelt in documents/: as given, or in NFD when only that exists (a
    name saved on macOS). The filesystem compares bytes, so the two spellings differ there."""
    if file.isascii() or os.path.lexists(os.path.join(real_dir, file)):
        return file
    decomposed = unicodedata.normalize("NFD", file)
    return decomposed if os.path.lexists(os.path.join(real_dir, decomposed)) else file


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


# --- reading only regular files -------------------------------------------------------------


class NotARegularFile(OSError):
    """A path that names a directory, a FIFO, a socket or a device: never read as input."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a file")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a stat mode names, in words ("a directory"), for a message."""
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def open_regular_file(
    path: Path | str, encoding: str | None = None, newline: str | None = None
) -> IO[Any]:
    """`path` opened read-only (binary, or text in `encoding`) when it is a regular file,
    symlinks followed; NotARegularFile otherwise. The one way input files are opened.

    A stat first, so that nothing else is opened at all (opening a device can act on it);
    then O_NONBLOCK, so that a FIFO put there since does not make the open wait for a writer
    for ever, and fstat of what was opened. O_NONBLOCK changes nothing for a regular file.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotARegularFile(path, file_kind(mode))
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(path, file_kind(mode))
        if encoding is None:
            return os.fdopen(descriptor, "rb")
        return os.fdopen(descriptor, "r", encoding=encoding, newline=newline)
    except BaseException:
        os.close(descriptor)
        raise


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
    *,
    today: date | None = None,
) -> IngestResult:
    """Read manifest and documents; classify each as new, changed, unchanged or rejected.

    known_metadata (file → the manifest row stored with it) makes a corrected manifest row
    count as a change even when the bytes are the same: periods are resolved against
    published_at, so the document must be extracted again. `today`: the run's date (see
    read_manifest).
    """
    documents_dir = settings.documents_dir
    if not documents_dir.is_dir():
        raise IngestError(f"{documents_dir}: documents directory not found")
    manifest = read_manifest(settings.manifest_path, documents_dir, today)
    result = IngestResult(rejections=list(manifest.rejections))
    candidates: list[_Candidate] = []
    spelt: dict[str, str] = {}  # file (NFC) → its name on disk, the first one found
    for on_disk, entry in walk_documents(documents_dir):
        file = document_name(on_disk)
        if spelt.setdefault(file, on_disk) != on_disk:
            result.rejections.append(_duplicate_name(file))
            continue
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
    result.rejections = [with_row_number(r, manifest.row_numbers) for r in result.rejections]
    return result


def with_row_number(rejection: Rejection, row_numbers: dict[str, int]) -> Rejection:
    """The rejection of a listed document's bytes, with the manifest row that lists it."""
    if rejection.row_number is not None or rejection.file not in row_numbers:
        return rejection
    return replace(rejection, row_number=row_numbers[rejection.file])


def _duplicate_name(file: str) -> Rejection:
    return Rejection(
        "ingest",
        file,
        "duplicate_name",
        f"{file} is the name of two files in documents/, spelt in two Unicode forms (NFC and "
        "NFD); only the first is read.",
    )


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
    if entry.is_symlink() and not resolves_inside(Path(entry.path), documents_dir):
        if file not in manifest.listed:  # a listed one was already refused by the manifest
            reject("path_outside_documents", f"{file} is a symlink leading outside documents/.")
        return None
    if entry.is_dir():
        return None  # a symlinked directory inside documents/: walked through its real path
    if not entry.is_file():  # a FIFO or socket: opening it could block the run for ever
        if file not in manifest.listed:  # a listed one was already refused by the manifest
            reject("not_a_file", f"{file} is {file_kind(entry.stat().st_mode)}, not a file.")
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
        with open_regular_file(entry.path) as handle:  # read-only: raw files never change
            data = handle.read(settings.max_document_bytes + 1)
    except NotARegularFile as exc:  # replaced by a FIFO or a directory since the walk saw it
        reject("not_a_file", f"{file} is {exc.kind}, not a file.")
        return None
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
