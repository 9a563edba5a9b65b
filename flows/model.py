"""The records that travel between stages. Column meanings: catalogue/columns.yaml."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

INF = float("inf")
_sha256 = hashlib.sha256
_R = TypeVar("_R")


def stable_id(*parts: object) -> str:
    """A short, stable id from its parts: re-running on the same input gives the same id."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def claim_id_of(doc_id: str, char_start: int, char_end: int, metric: str) -> str:
    """A claim's id (DESIGN.md): its document, its span and its metric.

    stable_id(doc_id, char_start, char_end, metric), with the joined string written out: the
    extractor makes ~10 rows per document, and *args, map and join were 40% of the id's cost.
    """
    joined = f"{doc_id}\x1f{char_start}\x1f{char_end}\x1f{metric}"
    return _sha256(joined.encode()).hexdigest()[:16]


def event_id_of(doc_id: str, char_start: int, char_end: int, event_type: str, subject: str) -> str:
    """An event's id: its document, its span, its type and its subject (as claim_id_of)."""
    joined = f"{doc_id}\x1f{char_start}\x1f{char_end}\x1f{event_type}\x1f{subject}"
    return _sha256(joined.encode()).hexdigest()[:16]


def _without_init(cls: type[_R], fields: dict[str, object]) -> _R:
    """An instance of a frozen dataclass holding `fields` (every field, in declaration order).

    What the generated __init__ stores, without its object.__setattr__ per field: for a claim
    that was 10 of its 12 µs, and the extractor makes about ten rows per document.
    """
    record = object.__new__(cls)
    record.__dict__.update(fields)
    return record


@dataclass(frozen=True)
class Document:
    doc_id: str  # sha256 of the file's bytes
    file: str  # path under documents/, posix separators
    published_at: date
    title: str | None
    publisher: str | None
    url: str | None
    entity_hint: str | None
    format: str  # txt | md | html
    size_bytes: int
    text: str  # the stored text; every char offset refers to it


@dataclass(frozen=True)
class Claim:
    doc_id: str
    file: str
    entity: str
    metric: str
    # where the number holds, a scope of catalogue/scopes.yaml ("China"); keyword-only, so
    # the positional order of the other fields is unchanged. Not part of the claim's id.
    scope: str = field(default="global", kw_only=True)
    value_lo: float
    value_hi: float  # INF when unbounded above
    lo_open: bool  # "over 580": lo=580, lo_open=True
    hi_open: bool
    qualifier: str  # exact | over | at_least | about | nearly | up_to | ordinal ...
    unit: str
    value_text: str
    period_start: date
    period_end: date
    period_text: str | None
    status: str  # reported | planned
    quote: str
    char_start: int
    char_end: int
    source: str  # "rules" or the claims CSV it came from, e.g. "claims/hand.csv"
    rule_id: str | None = None
    source_row: int | None = None
    claim_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.claim_id:
            object.__setattr__(
                self,
                "claim_id",
                claim_id_of(self.doc_id, self.char_start, self.char_end, self.metric),
            )

    @classmethod
    def new(
        cls,
        doc_id: str,
        file: str,
        entity: str,
        metric: str,
        value_lo: float,
        value_hi: float,
        lo_open: bool,
        hi_open: bool,
        qualifier: str,
        unit: str,
        value_text: str,
        period_start: date,
        period_end: date,
        period_text: str | None,
        status: str,
        quote: str,
        char_start: int,
        char_end: int,
        source: str,
        rule_id: str | None = None,
        source_row: int | None = None,
        *,
        scope: str = "global",
    ) -> Claim:
        """The same claim as Claim(...) with these arguments, several times cheaper to make."""
        return _without_init(cls, {
            "doc_id": doc_id, "file": file, "entity": entity, "metric": metric, "scope": scope,
            "value_lo": value_lo, "value_hi": value_hi, "lo_open": lo_open, "hi_open": hi_open,
            "qualifier": qualifier, "unit": unit, "value_text": value_text,
            "period_start": period_start, "period_end": period_end, "period_text": period_text,
            "status": status, "quote": quote, "char_start": char_start, "char_end": char_end,
            "source": source, "rule_id": rule_id, "source_row": source_row,
            "claim_id": claim_id_of(doc_id, char_start, char_end, metric),
        })  # fmt: skip

    def with_period(self, start: date, end: date, text: str | None) -> Claim:
        """This claim with another period: what dataclasses.replace gives (the id does not
        depend on the period), without the generated __init__ (see new)."""
        fields = {**self.__dict__, "period_start": start, "period_end": end, "period_text": text}
        return _without_init(Claim, fields)


@dataclass(frozen=True)
class Event:
    doc_id: str
    file: str
    entity: str
    event_type: str  # launch | partnership | market_entry
    subject: str  # the model, partner, or region/country
    period_start: date
    period_end: date
    period_text: str | None
    status: str  # reported | planned
    quote: str
    char_start: int
    char_end: int
    source: str
    rule_id: str | None = None
    event_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.event_id:
            object.__setattr__(
                self,
                "event_id",
                event_id_of(
                    self.doc_id, self.char_start, self.char_end, self.event_type, self.subject
                ),
            )

    @classmethod
    def new(
        cls,
        doc_id: str,
        file: str,
        entity: str,
        event_type: str,
        subject: str,
        period_start: date,
        period_end: date,
        period_text: str | None,
        status: str,
        quote: str,
        char_start: int,
        char_end: int,
        source: str,
        rule_id: str | None = None,
    ) -> Event:
        """The same event as Event(...) with these arguments, several times cheaper to make."""
        return _without_init(cls, {
            "doc_id": doc_id, "file": file, "entity": entity, "event_type": event_type,
            "subject": subject, "period_start": period_start, "period_end": period_end,
            "period_text": period_text, "status": status, "quote": quote,
            "char_start": char_start, "char_end": char_end, "source": source, "rule_id": rule_id,
            "event_id": event_id_of(doc_id, char_start, char_end, event_type, subject),
        })  # fmt: skip


@dataclass(frozen=True)
class Rejection:
    """An input that was not loaded, and why. Recorded in audit.rejections; never raised."""

    stage: str  # manifest | ingest | extract | claims_csv
    file: str
    reason: str  # a short code: no_manifest_row, invalid_utf8, binary, empty, too_large, ...
    detail: str  # one sentence naming the problem, for people
    row_number: int | None = None
