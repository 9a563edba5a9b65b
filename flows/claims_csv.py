"""Claim tables derived elsewhere: data/raw/claims/*.csv rows checked and turned into Claims.

A row that does not hold is rejected with its row number (1 = first data row) and the first
problem found; the other rows load. A file without the required columns, or not UTF-8, is
rejected whole; so is an entry of claims/ that is not a regular file (a directory named
`x.csv`, a FIFO) or a symlink leading outside claims/, the rule documents/ has. A `reported`
row whose period ends after the run's date (plus a day for time zones) is rejected: nothing
reported can be about a time that has not come, and such a typo (2099) would load and make
correct claims look wrong. Intervals: `over` / `more_than` make the lower bound open, `under` /
`less_than` / `nearly` the upper one; an empty qualifier means `exact` (lo = hi) or `range`.
An optional `scope` column says where the number holds: a scope of catalogue/scopes.yaml, by
name or alias; empty or absent, `global`. A metric whose unit is `currency` takes the
amount's currency code (EUR) as its unit.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.catalogue import CURRENCY_UNIT, GLOBAL_SCOPE, MAX_VALUE, Catalogue
from flows.ingest import (
    PUBLICATION_DATE_SLACK,
    NotARegularFile,
    document_name,
    open_regular_file,
    parse_iso_date,
    resolves_inside,
)
from flows.model import Claim, Document, Rejection, stable_id
from flows.runtime.settings import Settings

REQUIRED_COLUMNS = (
    "file",
    "entity",
    "metric",
    "value_lo",
    "value_hi",
    "qualifier",
    "unit",
    "value_text",
    "period_start",
    "period_end",
    "status",
    "quote",
)
OPTIONAL_COLUMNS = ("char_start", "scope")
STATUSES = ("reported", "planned")
LO_OPEN = frozenset({"over", "more_than"})
HI_OPEN = frozenset({"under", "less_than", "nearly"})


class RowError(ValueError):
    """One row's first problem: a reason code and a sentence."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Table:
    source: str  # "claims/<name>.csv": the claims' source and the rejections' file
    documents: dict[str, Document]
    catalogue: Catalogue
    entities: dict[str, str]  # alias or canonical name → canonical name
    scopes: dict[str, str]  # alias or name of a scope → its name
    today: date  # the run's date: no reported fact is about a time after it (plus the slack)


def read_claim_tables(
    settings: Settings,
    documents: dict[str, Document],
    catalogue: Catalogue,
    today: date | None = None,
) -> tuple[list[Claim], list[Rejection]]:
    """Read every claims/*.csv (sorted by name) against the stored documents, by file.

    `today`: the run's date (default: the machine's). Hidden files (".hand.csv", macOS's
    "._hand.csv") are OS and editor metadata, not tables: skipped, as in documents/.
    """
    claims: list[Claim] = []
    rejections: list[Rejection] = []
    if not settings.claims_dir.is_dir():
        return claims, rejections
    entities = entity_names(catalogue)
    scopes = scope_names(catalogue)
    for path in table_files(settings.claims_dir):
        source = f"claims/{path.name}"
        table = _Table(source, documents, catalogue, entities, scopes, today or date.today())
        found, rejected = read_claim_table(path, table)
        claims.extend(found)
        rejections.extend(rejected)
    return claims, rejections


def table_files(claims_dir: Path) -> list[Path]:
    """The claims/*.csv entries by name, hidden ones left out; each is checked as it is read."""
    with os.scandir(claims_dir) as entries:
        names = [e.name for e in entries if e.name.endswith(".csv") and not e.name.startswith(".")]
    return [claims_dir / name for name in sorted(names)]


def entity_names(catalogue: Catalogue) -> dict[str, str]:
    names = {}
    for entity in catalogue.entities.values():
        names.update({alias: entity.name for alias in entity.aliases})
        names[entity.name] = entity.name
    return names


def scope_names(catalogue: Catalogue) -> dict[str, str]:
    names = {}
    for scope in catalogue.scopes.values():
        names.update({alias: scope.name for alias in scope.aliases})
    names.update({name: name for name in catalogue.scopes})  # a name wins over an alias
    return names


def read_claim_table(path: Path, table: _Table) -> tuple[list[Claim], list[Rejection]]:
    def whole_file(reason: str, detail: str) -> tuple[list[Claim], list[Rejection]]:
        return [], [Rejection("claims_csv", table.source, reason, detail)]

    if path.is_symlink() and not resolves_inside(path, path.parent):
        return whole_file(
            "path_outside_claims", f"{table.source} is a symlink leading outside claims/; refused."
        )
    try:
        with open_regular_file(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            reader.fieldnames = header
            records = list(reader)
    except NotARegularFile as exc:
        return whole_file("not_a_file", f"{table.source} is {exc.kind}, not a file; not read.")
    except UnicodeDecodeError as exc:
        return whole_file(
            "invalid_utf8", f"{table.source} is not valid UTF-8 at byte offset {exc.start}."
        )
    except csv.Error as exc:
        return whole_file("malformed_csv", f"{table.source} is not readable CSV: {exc}.")
    except OSError as exc:
        return whole_file("unreadable", f"{table.source} could not be read: {exc.strerror}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return whole_file(
            "missing_column",
            f"{table.source} lacks required column(s) {', '.join(missing)}; no row loaded.",
        )

    claims: list[Claim] = []
    rejections: list[Rejection] = []
    first_row: dict[str, int] = {}  # claim_id → row that produced it
    for row_number, record in enumerate(records, start=1):
        try:
            claim = claim_from_row(record, row_number, table)
            if claim.claim_id in first_row:
                raise RowError(
                    "duplicate_row",
                    f"the same claim (quote, position and metric) as row "
                    f"{first_row[claim.claim_id]}",
                )
        except RowError as exc:
            rejections.append(
                Rejection(
                    "claims_csv",
                    table.source,
                    exc.reason,
                    f"{table.source} row {row_number}: {exc.detail}.",
                    row_number,
                )
            )
            continue
        first_row[claim.claim_id] = row_number
        claims.append(claim)
    return claims, rejections


def claim_from_row(record: dict[str, str | None], row_number: int, table: _Table) -> Claim:
    """One CSV row as a Claim, or RowError naming the first problem."""
    if None in record:
        columns = len(record) - 1  # one key per column of the header, and None for the rest
        raise RowError(
            "malformed_row",
            f"found {columns + len(record[None] or [])} cells; expected {columns}, one per "
            "column of the header (quote a cell that holds a comma)",
        )
    file = document_name(_required(record, "file"))
    document = table.documents.get(file)
    if document is None:
        raise RowError(
            "unknown_document",
            f"document {file!r} is not in raw.documents (not listed, or rejected at ingest)",
        )
    metric_id = _required(record, "metric")
    metric = table.catalogue.metrics.get(metric_id)
    if metric is None:
        raise RowError("unknown_metric", f"metric {metric_id!r} is not in the catalogue")
    unit = _cell(record, "unit") or metric.unit  # empty: the catalogue's unit
    if not metric.accepts_unit(unit):
        expected = (
            "a currency code such as EUR" if metric.unit == CURRENCY_UNIT else repr(metric.unit)
        )
        raise RowError("unit_mismatch", f"unit {unit!r} is not {metric_id}'s unit {expected}")
    scope_text = _cell(record, "scope") or GLOBAL_SCOPE
    scope = table.scopes.get(scope_text)
    if scope is None:
        raise RowError(
            "unknown_scope",
            f"scope {scope_text!r} is not in the catalogue (catalogue/scopes.yaml, by name or "
            "alias)",
        )
    value_lo, value_hi = _bounds(record)
    top = value_lo if value_hi == math.inf else value_hi
    if top > metric.max_value:
        raise RowError(
            "value_out_of_range",
            f"value {top:g} is above {metric_id}'s max_value {metric.max_value:g}"
            " (catalogue/metrics.yaml)",
        )
    period_start, period_end = _period(record)
    status = _required(record, "status")
    if status not in STATUSES:
        raise RowError("invalid_status", f"status {status!r} is not reported or planned")
    if status == "reported" and period_end > table.today + PUBLICATION_DATE_SLACK:
        raise RowError(
            "reported_after_the_run",
            f"status reported with period_end {period_end}, after the run's date "
            f"({table.today}) plus one day; expected a reported fact about a time that has "
            "come, or status planned",
        )
    char_start, char_end, quote = _locate_quote(record, document)
    entity = _cell(record, "entity") or document.entity_hint
    if entity is None:
        raise RowError("missing_value", "entity is empty and the document has no entity hint")
    qualifier = _cell(record, "qualifier") or ("exact" if value_lo == value_hi else "range")
    return Claim(
        doc_id=document.doc_id,
        file=document.file,
        entity=table.entities.get(entity, entity),
        metric=metric_id,
        scope=scope,
        value_lo=value_lo,
        value_hi=value_hi,
        lo_open=qualifier in LO_OPEN,
        hi_open=qualifier in HI_OPEN,
        qualifier=qualifier,
        unit=unit,
        value_text=_cell(record, "value_text") or "",
        period_start=period_start,
        period_end=period_end,
        period_text=None,
        status=status,
        quote=quote,
        char_start=char_start,
        char_end=char_end,
        source=table.source,
        source_row=row_number,
        # The source is part of the id so that a table row and an extracted claim on the
        # same span and metric stay two distinct rows (each checked on its own).
        claim_id=stable_id(document.doc_id, char_start, char_end, metric_id, table.source),
    )


def _cell(record: dict[str, str | None], column: str) -> str | None:
    value = (record.get(column) or "").strip()
    return value or None


def _required(record: dict[str, str | None], column: str) -> str:
    value = _cell(record, column)
    if value is None:
        raise RowError("missing_value", f"{column} is empty")
    return value


def _bounds(record: dict[str, str | None]) -> tuple[float, float]:
    lo = _number(record, "value_lo", allow_inf=False)
    hi = _number(record, "value_hi", allow_inf=True)
    if lo > hi:
        raise RowError("lo_greater_than_hi", f"value_lo {lo:g} is greater than value_hi {hi:g}")
    return lo, hi


def _number(record: dict[str, str | None], column: str, allow_inf: bool) -> float:
    text = _required(record, column)
    try:
        value = float(text)
    except ValueError:
        raise RowError("invalid_number", f"{column} {text!r} is not a number") from None
    if math.isnan(value) or (math.isinf(value) and not (allow_inf and value > 0)):
        allowed = " (only value_hi may be inf)" if math.isinf(value) else ""
        raise RowError("invalid_number", f"{column} {text!r} is not a finite number{allowed}")
    # A count or an amount is never negative, and none reaches MAX_VALUE: such a cell is a typo
    # that would pull right claims into quarantine. A metric may declare a lower max_value.
    if value < 0:
        raise RowError(
            "negative_value", f"{column} {text!r} is negative; expected a count or amount >= 0"
        )
    if MAX_VALUE < value < math.inf:
        raise RowError(
            "implausible_value",
            f"{column} {text!r} is above {MAX_VALUE:g}; expected a count or amount",
        )
    return value


def _period(record: dict[str, str | None]) -> tuple[date, date]:
    start, end = (_date(record, column) for column in ("period_start", "period_end"))
    if start > end:
        raise RowError("period_reversed", f"period_start {start} is after period_end {end}")
    return start, end


def _date(record: dict[str, str | None], column: str) -> date:
    text = _required(record, column)
    value = parse_iso_date(text)
    if value is None:
        raise RowError("invalid_date", f"{column} {text!r} is not an ISO date (YYYY-MM-DD)")
    return value


def _locate_quote(record: dict[str, str | None], document: Document) -> tuple[int, int, str]:
    """(char_start, char_end, quote) in the stored text; char_start picks among repeats."""
    raw_quote = record.get("quote") or ""
    # The stored text has LF line ends (see ingest.normalise_text); a quote typed on an
    # editor that writes CRLF must match it too.
    quote = raw_quote.replace("\r\n", "\n").replace("\r", "\n")
    if not quote.strip():
        raise RowError("missing_value", "quote is empty")
    hint = _cell(record, "char_start")
    if hint is None:
        start = document.text.find(quote)  # the first occurrence when it repeats
        if start < 0:
            raise RowError("quote_not_found", f"quote {quote!r} is not in {document.file}")
        return start, start + len(quote), quote
    try:
        start = int(hint)
    except ValueError:
        raise RowError("invalid_number", f"char_start {hint!r} is not a whole number") from None
    if document.text[start : start + len(quote)] != quote or start < 0:
        if quote not in document.text:
            raise RowError("quote_not_found", f"quote {quote!r} is not in {document.file}")
        raise RowError(
            "quote_not_at_char_start",
            f"quote {quote!r} is in {document.file} but not at char_start {start}",
        )
    return start, start + len(quote), quote
