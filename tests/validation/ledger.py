"""Fixtures for the checks: a real in-memory warehouse and a small hand-built ledger.

Claims are built by hand (Claim records placed at their quote in the document's text) so the
checks are tested independently of the extractor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from checks import CHECKS_DIR
from checks.engines.sql import violating_rows
from checks.registry import load_check_catalogue
from flows.catalogue import load_catalogue
from flows.model import INF, Claim, Document, Event
from flows.runtime.settings import Settings
from flows.validate import prepare_staging
from flows.warehouse import connect, insert_records

REPO = Path(__file__).resolve().parents[2]
SEED_DOCUMENTS = REPO / "data" / "raw" / "documents"
SMART_2026 = "001_bc59e844c230bfbc.txt"  # the 40th market, published 2026-01-05


@dataclass
class Ledger:
    """Documents, claims and events written straight into raw.* of a real DuckDB."""

    con: duckdb.DuckDBPyConnection
    documents: dict[str, Document] = field(default_factory=dict)

    def document(self, file: str, published_at: str, text: str) -> Document:
        doc = Document(
            doc_id=f"doc-{file}",
            file=file,
            published_at=date.fromisoformat(published_at),
            title=None,
            publisher=None,
            url=None,
            entity_hint="smart",
            format="txt",
            size_bytes=len(text.encode()),
            text=text,
        )
        insert_records(
            self.con, "raw.documents", [doc], {"ingested_at": "2026-11-01", "run_id": "load"}
        )
        self.documents[file] = doc
        return doc

    def seed_document(self, file: str, published_at: str) -> Document:
        return self.document(
            file, published_at, (SEED_DOCUMENTS / file).read_text(encoding="utf-8")
        )

    def claim(
        self,
        file: str,
        quote: str,
        metric: str,
        lo: float,
        hi: float | None = None,
        *,
        period: tuple[str, str] | str | None = None,
        lo_open: bool = False,
        hi_open: bool = False,
        status: str = "reported",
        unit: str | None = None,
        entity: str = "smart",
        occurrence: int = 1,
        scope: str = "global",
        qualifier: str | None = None,
        period_text: str | None = None,
    ) -> Claim:
        """A claim placed at the `occurrence`-th appearance of `quote` in the document; the
        period defaults to the document's publication date (with no words for it unless
        `period_text` gives them), the qualifier to exact (over when `hi` is given)."""
        doc = self.documents[file]
        start = -1
        for _ in range(occurrence):
            start = doc.text.index(quote, start + 1)
        if period is None:
            period = (doc.published_at.isoformat(),) * 2
        elif isinstance(period, str):
            period = (period, period)
        claim = Claim(
            doc_id=doc.doc_id,
            file=file,
            entity=entity,
            metric=metric,
            scope=scope,
            value_lo=lo,
            value_hi=lo if hi is None else hi,
            lo_open=lo_open,
            hi_open=hi_open,
            qualifier=qualifier or ("exact" if hi is None else "over"),
            unit=unit or load_catalogue(Settings().catalogue_dir).metric(metric).unit,
            value_text=quote,
            period_start=date.fromisoformat(period[0]),
            period_end=date.fromisoformat(period[1]),
            period_text=period_text,
            status=status,
            quote=quote,
            char_start=start,
            char_end=start + len(quote),
            source="tests",
        )
        insert_records(self.con, "raw.claims", [claim], {"run_id": "load"})
        return claim

    def event(
        self,
        file: str,
        quote: str,
        event_type: str,
        subject: str,
        period: tuple[str, str],
        status: str = "reported",
    ) -> Event:
        doc = self.documents[file]
        start = doc.text.index(quote)
        event = Event(
            doc_id=doc.doc_id,
            file=file,
            entity="smart",
            event_type=event_type,
            subject=subject,
            period_start=date.fromisoformat(period[0]),
            period_end=date.fromisoformat(period[1]),
            period_text=None,
            status=status,
            quote=quote,
            char_start=start,
            char_end=start + len(quote),
            source="tests",
        )
        insert_records(self.con, "raw.events", [event], {"run_id": "load"})
        return event


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def ledger(con: duckdb.DuckDBPyConnection) -> Ledger:
    return Ledger(con)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(raw_dir=tmp_path / "raw", curated_dir=tmp_path / "curated")


def sql_check_rows(
    con: duckdb.DuckDBPyConnection, check_id: str, as_of: str = "2026-11-01"
) -> list[dict]:
    """The rows a SQL check returns, as dicts, after loading what it reads besides raw.*."""
    prepare_staging(con, load_catalogue(Settings().catalogue_dir), [], date.fromisoformat(as_of))
    spec = next(s for s in load_check_catalogue(CHECKS_DIR) if s.id == check_id)
    relation = violating_rows(con, spec, CHECKS_DIR)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


__all__ = ["INF", "SMART_2026", "Ledger", "sql_check_rows"]
