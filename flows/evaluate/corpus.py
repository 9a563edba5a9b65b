"""An annotated corpus (manifest.csv, documents/, facts.csv, conflicts.csv) as typed records."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MANIFEST_COLUMNS = ("file", "title", "source_url", "publisher", "published_at", "entity")
FACT_COLUMNS = (
    "file",
    "entity",
    "metric",
    "value_text",
    "value_lo",
    "value_hi",
    "period_or_as_of",
    "quote",
    "scope",
    "status",
)
CONFLICT_COLUMNS = (
    "conflict_id",
    "kind",
    "entity",
    "metric",
    "file_a",
    "quote_a",
    "file_b",
    "quote_b",
    "should_flag",
)
SHOULD_FLAG = ("error", "warn", "no")
_MONTH = re.compile(r"\d{4}-\d{2}")


class EvaluationError(ValueError):
    """The corpus cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class CorpusDocument:
    file: str
    title: str
    url: str
    publisher: str
    published_at: str  # as written in the corpus: YYYY-MM-DD, or YYYY-MM for a month
    entity: str
    kind: str = ""


@dataclass(frozen=True)
class Fact:
    """One annotated mention (a row of facts.csv); `row` is its data row number, from 1."""

    row: int
    file: str
    entity: str
    metric: str
    value_text: str
    value_lo: float | None
    value_hi: float | None
    period: str
    quote: str
    scope: str
    status: str
    notes: str = ""

    @property
    def bounds(self) -> tuple[float, ...]:
        return tuple(v for v in (self.value_lo, self.value_hi) if v is not None)


@dataclass(frozen=True)
class ConflictPair:
    """A row of conflicts.csv: two mentions a checker could compare, and what it should say."""

    row: int
    conflict_id: str
    kind: str
    entity: str
    metric: str
    file_a: str
    quote_a: str
    file_b: str
    quote_b: str
    should_flag: str  # error | warn | no
    note: str = ""


@dataclass(frozen=True)
class Corpus:
    directory: Path
    documents: dict[str, CorpusDocument]  # by file, in manifest order
    facts: list[Fact]
    conflicts: list[ConflictPair] | None  # None: the corpus has no conflicts.csv

    def facts_of(self, file: str) -> list[Fact]:
        return [fact for fact in self.facts if fact.file == file]


def read_corpus(directory: Path) -> Corpus:
    """Read an annotated corpus directory; a missing file or column raises EvaluationError."""
    directory = Path(directory)
    if not directory.is_dir():
        raise EvaluationError(f"{directory}: corpus directory not found")
    if not (directory / "documents").is_dir():
        raise EvaluationError(f"{directory / 'documents'}: documents directory not found")
    documents: dict[str, CorpusDocument] = {}
    for n, row in _rows(directory / "manifest.csv", MANIFEST_COLUMNS):
        if not (directory / "documents" / row["file"]).is_file():
            raise EvaluationError(
                f"{directory / 'manifest.csv'} row {n}: {row['file']!r} is not in documents/"
            )
        pipeline_date(row["published_at"], f"{directory / 'manifest.csv'} row {n}")
        documents[row["file"]] = CorpusDocument(
            file=row["file"],
            title=row["title"],
            url=row["source_url"],
            publisher=row["publisher"],
            published_at=row["published_at"],
            entity=row["entity"],
            kind=row.get("kind") or "",
        )
    facts_path = directory / "facts.csv"
    facts = [_fact(n, row, facts_path, documents) for n, row in _rows(facts_path, FACT_COLUMNS)]
    conflicts_path = directory / "conflicts.csv"
    conflicts = None
    if conflicts_path.exists():
        conflicts = [
            _conflict(n, row, conflicts_path) for n, row in _rows(conflicts_path, CONFLICT_COLUMNS)
        ]
    return Corpus(directory, documents, facts, conflicts)


def pipeline_date(published_at: str, where: str = "published_at") -> date:
    """The publication date given to the pipeline: a month only ("2010-05") becomes its first
    day, since the pipeline's manifest needs a whole date."""
    value = published_at.strip()
    try:
        if _MONTH.fullmatch(value):
            return date.fromisoformat(value + "-01")
        return date.fromisoformat(value)
    except ValueError:
        pass
    raise EvaluationError(f"{where}: published_at {published_at!r} is not YYYY-MM-DD or YYYY-MM")


def quote_document(document: CorpusDocument, facts: list[Fact]) -> str:
    """The "quote document" of a document: its manifest title, then each distinct annotated
    quote of its facts (distractors' too) as its own paragraph, in facts.csv order."""
    quotes = list(dict.fromkeys(fact.quote for fact in facts if fact.file == document.file))
    return "\n\n".join([document.title, *quotes]) + "\n"


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise EvaluationError(f"{path}: file not found")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise EvaluationError(f"{path}: missing column(s) {', '.join(missing)}")
            # an absent trailing cell reads as None: make every cell a string
            return [
                (n, {k: (v or "").strip() for k, v in row.items() if k is not None})
                for n, row in enumerate(reader, start=1)
            ]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationError(f"{path}: unreadable CSV: {exc}") from exc


def _number(value: str, path: Path, n: int, column: str) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", ""))
    except ValueError:
        raise EvaluationError(f"{path} row {n}: {column} {value!r} is not a number") from None


def _fact(n: int, row: dict[str, str], path: Path, documents: dict[str, CorpusDocument]) -> Fact:
    if row["file"] not in documents:
        raise EvaluationError(f"{path} row {n}: file {row['file']!r} is not in manifest.csv")
    return Fact(
        row=n,
        file=row["file"],
        entity=row["entity"],
        metric=row["metric"],
        value_text=row["value_text"],
        value_lo=_number(row["value_lo"], path, n, "value_lo"),
        value_hi=_number(row["value_hi"], path, n, "value_hi"),
        period=row["period_or_as_of"],
        quote=row["quote"],
        scope=row["scope"],
        status=row["status"],
        notes=row.get("notes", ""),
    )


def _conflict(n: int, row: dict[str, str], path: Path) -> ConflictPair:
    if row["should_flag"] not in SHOULD_FLAG:
        raise EvaluationError(
            f"{path} row {n}: should_flag {row['should_flag']!r} is not one of "
            f"{', '.join(SHOULD_FLAG)}"
        )
    return ConflictPair(
        row=n,
        conflict_id=row["conflict_id"],
        kind=row["kind"],
        entity=row["entity"],
        metric=row["metric"],
        file_a=row["file_a"],
        quote_a=row["quote_a"],
        file_b=row["file_b"],
        quote_b=row["quote_b"],
        should_flag=row["should_flag"],
        note=row.get("note", ""),
    )
