"""A small warehouse for the publish and report tests, built by hand and checked for real.

Documents and claims are written straight into raw.* (independent of the extractor), then the
validate stage's SQL checks run on them, so audit.* and quarantine.* are the real thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from checks import CHECKS_DIR
from flows import audit
from flows.catalogue import load_catalogue
from flows.load import record_rejections
from flows.model import INF, Claim, Document, Event, Rejection, stable_id
from flows.publish import build_publication, make_current
from flows.report import ReportResult, write_report
from flows.runtime.settings import Settings
from flows.validate import validate
from flows.warehouse import connect, insert_records

AS_OF = date(2026, 11, 1)


@dataclass(frozen=True)
class Fact:
    """A claim stated by a document: the quote must occur in its text."""

    quote: str
    metric: str
    lo: float
    hi: float | None = None  # None: exact (hi = lo); INF: unbounded above
    period: tuple[str, str] | None = None  # default: the publication date
    lo_open: bool = False
    status: str = "reported"
    entity: str = "smart"
    occurrence: int = 0  # which appearance of the quote in the text (0 = the first)
    scope: str = "global"


@dataclass(frozen=True)
class Happening:
    quote: str
    event_type: str
    subject: str
    period: tuple[str, str]
    status: str = "reported"


@dataclass(frozen=True)
class Doc:
    file: str
    published_at: str
    text: str
    facts: tuple[Fact, ...] = ()
    happenings: tuple[Happening, ...] = ()
    publisher: str = "Test Wire"
    title: str | None = None


SMART_2023 = Doc(
    "a_2024.txt",
    "2024-01-19",
    "smart delivered cars last year. In 2023 the brand expanded its footprint to 22 countries "
    "and regions. It also signed a partnership with PROTON.",
    facts=(
        Fact("22 countries and regions", "markets_count", 22, period=("2023-01-01", "2023-12-31")),
    ),
    happenings=(
        Happening("partnership with PROTON", "partnership", "PROTON", ("2023-01-01", "2023-12-31")),
    ),
    publisher="DSF.my",
)
SMART_H1_2025 = Doc(
    "b_2025.txt",
    "2025-07-01",
    "In the first half of 2025, smart entered seven new markets. The brand now operates in 38 "
    "countries and regions with over 580 stores.",
    facts=(
        Fact("seven new markets", "new_markets", 7, period=("2025-01-01", "2025-06-30")),
        Fact("38 countries and regions", "markets_count", 38, period=("2025-06-30", "2025-06-30")),
        Fact(
            "over 580 stores",
            "stores_count",
            580,
            INF,
            period=("2025-06-30", "2025-06-30"),
            lo_open=True,
        ),
    ),
    publisher="The EV Report",
)
SMART_H1_2025_AGAIN = Doc(
    "c_2025_wire.txt",
    "2025-07-02",
    'A wire story: "smart is present in 38 markets" at the end of June 2025, said <b>the CEO</b>.',
    facts=(Fact("38 markets", "markets_count", 38, period=("2025-06-30", "2025-06-30")),),
    publisher="Other Wire",
)
SMART_2026 = Doc(
    "d_2026.txt",
    "2026-01-05",
    "smart entered Malaysia, its 40th global market. The #2 will debut in late 2026. The brand "
    "has delivered 150,000 cars since launch.",
    facts=(
        Fact("its 40th global market", "markets_count", 40),
        Fact("150,000 cars since launch", "cumulative_deliveries", 150000),
    ),
    happenings=(
        Happening(
            "The #2 will debut in late 2026",
            "launch",
            "#2",
            ("2026-09-01", "2026-12-31"),
            "planned",
        ),
    ),
    publisher="Company Press Release",
)
# Contradicts the deliveries since launch a month later, a count that cannot fall: one
# document against one, on different dates, so no resolution rule decides (a tie) and both
# claims are quarantined.
SMART_DECREASE = Doc(
    "e_2026_hostile.txt",
    "2026-02-01",
    'Analysts wrote: <script>alert("x")</script> & \'smart has delivered 140,000 cars since '
    "launch'.",
    facts=(Fact("140,000 cars since launch", "cumulative_deliveries", 140000),),
    publisher='Rumours & "Co" <Ltd>',
)

# Says 36 markets on the day two independent documents say 38 (b_2025, c_2025_wire): the
# two agreeing documents outweigh it, so only the 36 is quarantined and the 38 is published,
# disputed, with all three sources.
SMART_OUTLIER = Doc(
    "g_2025_outlier.txt",
    "2025-07-04",
    "A blog post: at the end of June 2025 smart was present in 36 markets <i>at most</i>.",
    facts=(Fact("36 markets", "markets_count", 36, period=("2025-06-30", "2025-06-30")),),
    publisher="Rumour Mill",
)

# Says 41 markets on the day of the company's own release saying 40 (d_2026): one document
# against one, so the company's own release is kept and the report is quarantined.
SMART_REPORT_SAME_DAY = Doc(
    "h_2026_report.txt",
    "2026-01-05",
    "A wire report: smart is now in 41 global markets.",
    facts=(Fact("41 global markets", "markets_count", 41),),
    publisher="Test Wire",
)

# Counts for one country: a series of their own, a part of the worldwide one (580 stores).
SMART_CHINA = Doc(
    "f_2025_china.txt",
    "2025-07-03",
    "In China, smart opened 20 new stores in the first half of 2025, for 131 stores there.",
    facts=(
        Fact("20 new stores", "new_stores", 20, period=("2025-01-01", "2025-06-30"), scope="China"),
        Fact("131 stores", "stores_count", 131, period=("2025-06-30", "2025-06-30"), scope="China"),
    ),
    publisher="China Wire",
)

CONSISTENT_CORPUS = (SMART_2023, SMART_H1_2025, SMART_H1_2025_AGAIN, SMART_2026)


@dataclass
class Warehouse:
    """A warehouse under settings.curated_dir; each `run` loads documents and validates."""

    settings: Settings
    runs: list[str] = field(default_factory=list)

    def run(
        self,
        docs: tuple[Doc, ...],
        run_id: str,
        as_of: date = AS_OF,
        checks_dir: Path = CHECKS_DIR,
        rejections: tuple[Rejection, ...] = (),
    ) -> str:
        """One run: replace raw.* with `docs`, record `rejections` (inputs the run refused),
        run the SQL checks, record the run."""
        con = connect(self.settings.warehouse_path)
        try:
            audit.start_run(con, run_id, self.settings.raw_dir)
            record_rejections(con, run_id, rejections)
            old = {f for (f,) in con.execute("select file from raw.documents").fetchall()}
            for table in ("raw.documents", "raw.claims", "raw.events"):
                con.execute(f"delete from {table}")
            for doc in docs:
                write_doc(con, doc, run_id)
            validate(
                con, self.settings, run_id, engines=("sql",), as_of=as_of, checks_dir=checks_dir
            )
            new = {d.file for d in docs}
            counts = {
                "documents_new": len(new - old),
                "documents_changed": 0,
                "documents_unchanged": len(new & old),
                "documents_removed": len(old - new),
                "documents_rejected": len({r.file for r in rejections if r.stage != "claims_csv"}),
                "claim_rows_rejected": sum(r.stage == "claims_csv" for r in rejections),
            }
            audit.finish_run(con, run_id, "completed", counts | audit.ledger_counts(con), None)
        finally:
            con.close()
        self.runs.append(run_id)
        return run_id


def write_doc(con: duckdb.DuckDBPyConnection, doc: Doc, run_id: str) -> None:
    document = Document(
        doc_id=stable_id("doc", doc.file, doc.text),
        file=doc.file,
        published_at=date.fromisoformat(doc.published_at),
        title=doc.title or f"Title of {doc.file}",
        publisher=doc.publisher,
        url=f"https://example.test/{doc.file}",
        entity_hint="smart",
        format="txt",
        size_bytes=len(doc.text.encode()),
        text=doc.text,
    )
    insert_records(
        con, "raw.documents", [document], {"ingested_at": "2026-11-01", "run_id": run_id}
    )
    units = load_catalogue(Settings().catalogue_dir)
    claims = [to_claim(document, fact, units.metric(fact.metric).unit) for fact in doc.facts]
    insert_records(con, "raw.claims", claims, {"run_id": run_id})
    events = [to_event(document, happening) for happening in doc.happenings]
    insert_records(con, "raw.events", events, {"run_id": run_id})


def to_claim(doc: Document, fact: Fact, unit: str) -> Claim:
    start = -1
    for _ in range(fact.occurrence + 1):
        start = doc.text.index(fact.quote, start + 1)
    period = fact.period or (doc.published_at.isoformat(),) * 2
    return Claim(
        doc_id=doc.doc_id,
        file=doc.file,
        entity=fact.entity,
        metric=fact.metric,
        scope=fact.scope,
        value_lo=fact.lo,
        value_hi=fact.lo if fact.hi is None else fact.hi,
        lo_open=fact.lo_open,
        hi_open=False,
        qualifier="exact" if fact.hi is None else "over",
        unit=unit,
        value_text=fact.quote,
        period_start=date.fromisoformat(period[0]),
        period_end=date.fromisoformat(period[1]),
        period_text=None,
        status=fact.status,
        quote=fact.quote,
        char_start=start,
        char_end=start + len(fact.quote),
        source="tests",
    )


def to_event(doc: Document, happening: Happening) -> Event:
    start = doc.text.index(happening.quote)
    return Event(
        doc_id=doc.doc_id,
        file=doc.file,
        entity="smart",
        event_type=happening.event_type,
        subject=happening.subject,
        period_start=date.fromisoformat(happening.period[0]),
        period_end=date.fromisoformat(happening.period[1]),
        period_text=None,
        status=happening.status,
        quote=happening.quote,
        char_start=start,
        char_end=start + len(happening.quote),
        source="tests",
    )


def settings_for(root: Path) -> Settings:
    return Settings(raw_dir=root / "raw", curated_dir=root / "curated")


def table_rows(database: Path, table: str) -> list[tuple]:
    """Every row of a published table in stored order (no ORDER BY: the order is the claim)."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * from {table}").fetchall()


def publish_and_report(settings: Settings, run_id: str) -> ReportResult:
    """What the pipeline does after validate: build the publication, write its report into
    it, make it current."""
    publication = build_publication(settings, run_id)
    report = write_report(settings, publication)
    make_current(settings, publication)
    return report
