"""The report: files and the latest link, the summary, failures in context, changes between runs,
escaping of document text, no network, and a run with 5,000 violations."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import duckdb
import pytest
from markupsafe import escape
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_CHINA,
    SMART_DECREASE,
    Doc,
    Fact,
    Warehouse,
    publish_and_report,
    settings_for,
)
from report_html import parse

from flows.ingest import ingest_documents
from flows.model import Rejection
from flows.publish import Publication, build_publication
from flows.report import (
    ReportError,
    ReportResult,
    failures_table,
    markdown_summary,
    write_report,
)
from tests.conftest import RawDir

RUN_1, RUN_2, RUN_3 = (
    "20260101T000000Z-aaaaaa",
    "20260201T000000Z-bbbbbb",
    "20260301T000000Z-cccccc",
)


def run_and_report(warehouse: Warehouse, docs: tuple[Doc, ...], run_id: str) -> ReportResult:
    return publish_and_report(warehouse.settings, warehouse.run(docs, run_id))


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(settings_for(tmp_path))


@pytest.fixture
def failing(warehouse: Warehouse) -> ReportResult:
    """Run 1 consistent; run 2 adds a document whose claim contradicts the deliveries since
    launch of the company's release a month before (one against one: a tie)."""
    run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    return run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE), RUN_2)


def test_the_report_is_written_into_its_publication_and_goes_live_with_it(
    warehouse: Warehouse, failing: ReportResult
) -> None:
    curated = warehouse.settings.curated_dir
    version = failing.html_path.parent.parent
    assert failing.html_path == curated / "publications" / version.name / "report" / "index.html"
    assert version.name.endswith(f".{RUN_2}")
    assert failing.json_path.read_text(encoding="utf-8")
    assert (curated / "current").resolve() == version.resolve()
    assert (curated / "report" / "index.html").read_text() == failing.html_path.read_text()
    # the previous publication, report and all, stays for its readers
    versions = sorted((curated / "publications").iterdir())
    assert [v.name.split(".", 1)[1] for v in versions] == [RUN_1, RUN_2]
    assert (versions[0] / "report" / "index.html").exists()


def test_json_twin_holds_the_verdict_counts_and_failures(failing: ReportResult) -> None:
    data = json.loads(failing.json_path.read_text(encoding="utf-8"))
    assert data["verdict"] == "fail"
    assert data["documents"] | {"published": 0} == {
        "new": 1,
        "changed": 0,
        "unchanged": 4,
        "rejected": 0,
        "published": 0,
    }
    assert data["claims"] == {
        "total": 8,
        "published": 6,
        "warned": 0,
        "quarantined": 2,
        "events": 2,
    }
    assert data["check_summary"]["error"]["fail"] == 1
    (failure,) = data["failures"]
    assert failure["check_id"] == "cumulative_never_decreases"
    (group,) = failure["groups"]
    (violation,) = group["violations"]
    assert [s["quote"] for s in violation["sides"]] == [
        "150,000 cars since launch",
        "140,000 cars since launch",
    ]
    # unbounded upper bounds are null in JSON (which has no infinity)
    stores = next(t for t in data["timelines"] if t["metric"] == "stores_count")
    assert stores["claims"][0]["value_hi"] is None


def test_a_country_has_its_own_timeline_named_after_its_scope(warehouse: Warehouse) -> None:
    result = run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_CHINA), RUN_1)
    data = json.loads(result.json_path.read_text(encoding="utf-8"))
    stores = [
        (t["scope"], [c["quote"] for c in t["claims"]], len(t["reconciled"]))
        for t in data["timelines"]
        if t["metric"] == "stores_count"
    ]
    assert stores == [("China", ["131 stores"], 2), ("global", ["over 580 stores"], 1)]
    # each states one value: a line each (not a chart), named after its scope or not
    lines = [p.text() for p in parse(result.html_path.read_text()).find_all("p", "series-line")]
    assert any(line.startswith("stores_count in China (stores): 131 as of") for line in lines)
    assert any(line.startswith("stores_count (stores): over 580 as of") for line in lines)


def test_top_of_the_page_says_what_passed_and_failed(failing: ReportResult) -> None:
    page = failing.html_path.read_text(encoding="utf-8")
    top = page[: page.index('id="failures"')]
    assert re.search(r'class="verdict fail".*<strong>FAIL</strong>', top)
    assert "1 error-severity failed (cumulative_never_decreases)" in top
    for label, n in (("new", 1), ("changed", 0), ("unchanged", 4), ("rejected", 0)):
        assert f"<tr><td>{label}</td><td>{n}</td></tr>" in top
    assert "<tr><td>quarantined</td><td>2</td></tr>" in top


def test_each_failure_shows_both_quotes_in_their_sentences_with_source_and_rule(
    failing: ReportResult,
) -> None:
    page = failing.html_path.read_text(encoding="utf-8")
    section = page[page.index('id="check-cumulative_never_decreases"') :]
    assert "<mark>150,000 cars since launch</mark>" in section
    assert "The brand has delivered <mark>150,000 cars since launch</mark>." in section
    assert "<mark>140,000 cars since launch</mark>" in section
    assert "Company Press Release · 2026-01-05" in section
    assert escape('Rumours & "Co" <Ltd>') + " · 2026-02-01" in section
    (check,) = failing.data["failures"]
    assert f"<strong>Rule:</strong> {escape(check['description'])}" in section


def test_document_text_is_escaped_everywhere(failing: ReportResult) -> None:
    page = failing.html_path.read_text(encoding="utf-8")
    assert '<script>alert("x")</script>' not in page
    assert escape('<script>alert("x")</script>') in page  # as text: &lt;script&gt;…
    assert page.count("<script") == 1  # ours, at the end
    assert "<b>" not in page and "<i>" not in page  # markup in documents stays text


def test_the_page_needs_no_network(failing: ReportResult) -> None:
    page = failing.html_path.read_text(encoding="utf-8")
    assert not re.search(r"\ssrc=", page)
    # links only within the page or to files beside it, nothing with a host
    assert all("//" not in href and ":" not in href for href in re.findall(r'href="([^"]*)"', page))
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the browser is told to fetch nothing


def test_gx_results_are_in_the_page_with_no_link_that_needs_the_network(
    warehouse: Warehouse,
) -> None:
    """GX's Data Docs fetch their styles and icons from the network: the page shows the GX
    results itself (each failed expectation) and links to nothing but its own sections."""
    run_id = warehouse.run(CONSISTENT_CORPUS, RUN_1)
    message = "ExpectColumnValuesToBeInSet on status: expected {'value_set': ['reported']}"
    with duckdb.connect(str(warehouse.settings.warehouse_path)) as con:
        con.execute(
            "insert into audit.check_results values (?, 'gx_claims_contract', 'gx', 'error',"
            " 'raw.claims', 'fail', 1, 0, 12.0, null, now()), (?, 'gx_events_contract', 'gx',"
            " 'error', 'raw.events', 'pass', 0, 0, 8.0, null, now())",
            [run_id, run_id],
        )
        con.execute(
            "insert into audit.violations values (?, 'gx_claims_contract', 'error', 'fail', [],"
            " [], [], ?, ?, null, now())",
            [run_id, message, json.dumps({"expectation": "ExpectColumnValuesToBeInSet"})],
        )
    report = publish_and_report(warehouse.settings, run_id)
    page = report.html_path.read_text(encoding="utf-8")
    assert [r["check_id"] for r in report.data["gx_results"]] == [
        "gx_claims_contract",
        "gx_events_contract",
    ]
    section = page[page.index('id="gx"') :]
    assert escape(message) in section and "every expectation met" in section
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert all(link.startswith("#") for link in links), links
    assert "url(" not in page and "@import" not in page


def test_changes_list_new_and_resolved_violations(warehouse: Warehouse) -> None:
    first = run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    assert first.data["changes"] == {"previous_run_id": None, "new": [], "resolved": []}
    second = run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE), RUN_2)
    assert second.data["changes"]["previous_run_id"] == RUN_1
    assert [v["check_id"] for v in second.data["changes"]["new"]] == ["cumulative_never_decreases"]
    third = run_and_report(warehouse, CONSISTENT_CORPUS, RUN_3)
    assert third.data["changes"]["new"] == []
    assert [v["check_id"] for v in third.data["changes"]["resolved"]] == [
        "cumulative_never_decreases"
    ]
    page = third.html_path.read_text(encoding="utf-8")
    assert "<strong>0</strong> new violation(s), <strong>1</strong> resolved" in page
    assert third.verdict == "pass"


def test_timeline_chart_marks_the_conflict(failing: ReportResult) -> None:
    page = failing.html_path.read_text(encoding="utf-8")
    label = 'aria-label="smart cumulative_deliveries over time"'
    charts = re.findall(rf"<svg[^>]*{label}.*?</svg>", page, re.S)
    assert len(charts) == 1
    assert charts[0].count('class="conflict"') == 2  # 150,000 and then 140,000
    assert charts[0].count('class="claim"') == 2
    assert charts[0].count('class="reconciled"') == 0  # both are quarantined
    (markets,) = re.findall(
        r'<svg[^>]*aria-label="smart markets_count over time".*?</svg>', page, re.S
    )
    assert markets.count('class="conflict"') == 0
    assert markets.count('class="reconciled"') == 4  # 22, 31 implied, 38, 40


def test_markdown_summary_and_failures_table(failing: ReportResult) -> None:
    text = markdown_summary(failing)
    assert text.startswith(f"## factledger run `{RUN_2}`: FAIL")
    assert "| 1 | 0 | 4 | 0 | 6 | 2 |" in text
    assert failing.html_path.resolve().as_uri() in text
    (row,) = failures_table(failing)
    assert row["check"] == "cumulative_never_decreases" and row["violations"] == 1
    assert row["rule"] == failing.data["failures"][0]["description"]


def test_report_without_its_publication_says_so(tmp_path: Path) -> None:
    missing = Publication(RUN_1, tmp_path / "publications" / f"x.{RUN_1}", {})
    with pytest.raises(ReportError, match=f"no publication at {missing.database}"):
        write_report(settings_for(tmp_path), missing)


def many_conflicts(entities: int, claims_each: int) -> tuple[Doc, ...]:
    """Claims that pairwise disagree on the same date, each entity's n-th claim in document n:
    n(n-1)/2 violations per entity, and no two sides to them (every value against every other)."""
    docs = []
    for n in range(1, claims_each + 1):
        quotes = [f"Entity{e} has {n} markets" for e in range(entities)]
        facts = tuple(
            Fact(quote, "markets_count", n, entity=f"entity{e}") for e, quote in enumerate(quotes)
        )
        text = " ".join(f"{quote} <i>today</i>." for quote in quotes)
        docs.append(Doc(f"many_{n:03d}.txt", "2026-03-01", text, facts=facts))
    return tuple(docs)


def test_a_run_with_5000_violations_stays_readable(warehouse: Warehouse) -> None:
    docs = many_conflicts(entities=4, claims_each=51)  # 4 × 1275 = 5100 violations
    publication = build_publication(warehouse.settings, warehouse.run(docs, RUN_1))
    started = time.perf_counter()
    report = write_report(warehouse.settings, publication)
    elapsed = time.perf_counter() - started
    (failure,) = [f for f in report.data["failures"] if f["check_id"] == "same_time_claims_agree"]
    assert failure["violation_count"] == 5100
    assert [g["entity"] for g in failure["groups"]] == [f"entity{e}" for e in range(4)]
    page = report.html_path.read_text(encoding="utf-8")
    # one cause per entity: every value against every other, no two sides (a tie)
    assert [c["card_id"].startswith("dispute-") for c in report.data["cards"]] == [True] * 4
    assert page.count('<details class="group cause"') == 4
    assert page.count('<details class="group') == 4  # no violation outside a card
    assert page.count('class="violation"') == 4 * 25  # capped per card, the rest counted
    assert page.count("… and 1250 more violation(s)") == 4
    assert len(page) < 2_000_000
    assert elapsed < 30, f"report took {elapsed:.1f}s"
    data = json.loads(report.json_path.read_text(encoding="utf-8"))
    assert sum(len(g["violations"]) for g in data["failures"][0]["groups"]) == 5100
    assert html.escape("<i>today</i>") in page


def test_every_rejection_is_listed_with_its_file_row_and_reason(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A manifest date typo (2025-13-24), refused by the real ingest, and a claims-table row:
    report.json and the page name each file, its row and the reason, not just a count."""
    raw = RawDir(tmp_path / "typo" / "raw")
    raw.add("good.txt", "smart now operates in 38 countries and regions.\n")
    raw.add("typo.txt", "smart entered Japan.\n", published_at="2025-13-24")
    refused = ingest_documents(raw.settings, {}).rejections
    assert [r.file for r in refused] == ["typo.txt"]
    bad_row = Rejection(
        "claims_csv", "claims/hand.csv", "quote_not_in_document", "row 3: no such quote.", 3
    )
    report = publish_and_report(
        warehouse.settings,
        warehouse.run(CONSISTENT_CORPUS, RUN_1, rejections=(*refused, bad_row)),
    )
    data = json.loads(report.json_path.read_text(encoding="utf-8"))
    assert [(r["file"], r["row_number"], r["reason"]) for r in data["rejections"]] == [
        ("claims/hand.csv", 3, "quote_not_in_document"),
        ("typo.txt", 2, "invalid_published_at"),
    ]
    assert "2025-13-24" in data["rejections"][1]["detail"]
    page = report.html_path.read_text(encoding="utf-8")
    section = page[page.index('id="rejections"') :]
    for text in ("typo.txt", "invalid_published_at", "2025-13-24", "claims/hand.csv"):
        assert html.escape(text) in section, text
    assert 'href="#rejections"' in page
    summary = markdown_summary(report)
    assert "`typo.txt` row 2: invalid_published_at" in summary


def test_no_rejection_no_section(failing: ReportResult) -> None:
    assert json.loads(failing.json_path.read_text(encoding="utf-8"))["rejections"] == []
    assert 'id="rejections"' not in failing.html_path.read_text(encoding="utf-8")
