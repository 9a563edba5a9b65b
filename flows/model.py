"""The records that travel between stages. Column meanings: catalogue/columns.yaml."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

INF = float("inf")


def stable_id(*parts: object) -> str:
    """A short, stable id from its parts: re-running on the same input gives the same id."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


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
                stable_id(self.doc_id, self.char_start, self.char_end, self.metric),
            )


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
                stable_id(
                    self.doc_id, self.char_start, self.char_end, self.event_type, self.subject
                ),
            )


@dataclass(frozen=True)
class Rejection:
    """An input that was not loaded, and why. Recorded in audit.rejections; never raised."""

    stage: str  # manifest | ingest | extract | claims_csv
    file: str
    reason: str  # a short code: no_manifest_row, invalid_utf8, binary, empty, too_large, ...
    detail: str  # one sentence naming the problem, for people
    row_number: int | None = None
