"""The report page as a browser reads it (parsed, not matched as text): a Content-Security-Policy
that names the inline style and script by hash, no inline event handlers, charts that label
their values and axes, a line for a series that states one value, and bidi and invisible
characters from documents shown as code points."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_CHINA,
    SMART_DECREASE,
    Doc,
    Fact,
    Warehouse,
    settings_for,
)
from report_html import Element, parse
from test_report import RUN_1, RUN_2, run_and_report

from flows.report import ReportResult, markdown_summary
from flows.report_assets.visible import visible

RLO, PDF, LRI, RLM, ZWSP = "\u202e", "\u202c", "\u2066", "\u200f", "\u200b"

# The deliveries since launch fall, as in SMART_DECREASE, in a document whose title, quote,
# publisher and file name carry a right-to-left override and zero-width characters.
SMART_DECREASE_BIDI = Doc(
    f"e_2026_{RLO}txt.exe",
    "2026-02-01",
    f"Analysts wrote: smart has delivered 140,000 cars{ZWSP} since launch {RLO}(ylno swen){PDF}.",
    facts=(Fact(f"140,000 cars{ZWSP} since launch", "cumulative_deliveries", 140000),),
    publisher=f"Wire {LRI}Daily{RLM}",
    title=f"Deliveries {RLO}llef{PDF} {ZWSP}fast",
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(settings_for(tmp_path))


@pytest.fixture
def failing(warehouse: Warehouse) -> ReportResult:
    run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    return run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE, SMART_CHINA), RUN_2)


def page_of(report: ReportResult) -> Element:
    return parse(report.html_path.read_text(encoding="utf-8"))


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(page: Element) -> dict[str, list[str]]:
    """The page's Content-Security-Policy: directive → its sources."""
    (meta,) = page.find_all("meta", http_equiv="Content-Security-Policy")
    directives = [d.split() for d in meta.attrs["content"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


# --- the policy and the page's own code --------------------------------------------------------


def test_the_policy_allows_the_inline_style_and_script_by_their_hashes_and_nothing_else(
    failing: ReportResult,
) -> None:
    page = page_of(failing)
    (style,) = page.find_all("style")
    (script,) = page.find_all("script")
    assert policy(page) == {
        "default-src": ["'none'"],
        "style-src": [sha256_source(style.text())],
        "script-src": [sha256_source(script.text())],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    assert "unsafe-inline" not in failing.html_path.read_text(encoding="utf-8")


def test_no_inline_event_handlers_styles_or_script_urls(failing: ReportResult) -> None:
    """The policy would block them; the page's script binds its handlers itself."""
    elements = list(page_of(failing).iter())
    assert len(elements) > 400  # the whole page was parsed
    attributes = [(e.tag, name, value or "") for e in elements for name, value in e.attrs.items()]
    assert [a for a in attributes if a[1].startswith("on")] == []
    assert [a for a in attributes if a[1] == "style"] == []
    assert [a for a in attributes if "javascript:" in a[2].lower()] == []


# --- charts --------------------------------------------------------------------------------------


def chart(page: Element, series: str) -> Element:
    return page.find("svg", aria_label=f"smart {series} over time")


def texts(svg: Element, cls: str) -> list[str]:
    return [t.text() for t in svg.find_all("text", cls)]


def test_each_bar_is_labelled_with_its_value_above_it(failing: ReportResult) -> None:
    svg = chart(page_of(failing), "cumulative_deliveries")
    assert texts(svg, "value") == ["150,000", "140,000"]
    bars = [g.find("rect", "bar") for g in svg.find_all("g", "claim")]
    labels = svg.find_all("text", "value")
    for bar, label in zip(bars, labels, strict=True):
        left, width = float(bar.attrs["x"]), float(bar.attrs["width"])
        assert left <= float(label.attrs["x"]) <= left + width
        assert float(label.attrs["y"]) < float(bar.attrs["y"])  # above the bar's top


def test_claims_stating_one_point_share_a_label_and_implied_points_are_labelled(
    failing: ReportResult,
) -> None:
    """22, 38 (b_2025 and c_2025_wire, one label), 40, and the 31 that 38 and 'seven new
    markets' imply (a reconciled point no claim states)."""
    svg = chart(page_of(failing), "markets_count")
    assert texts(svg, "value") == ["22", "38 (2 claims)", "40", "31 (implied)"]


def test_axes_name_the_unit_dates_and_round_values(failing: ReportResult) -> None:
    svg = chart(page_of(failing), "cumulative_deliveries")
    assert texts(svg, "unit") == ["units"]
    ticks = texts(svg, "tick")
    assert ticks == [
        *("0", "50,000", "100,000", "150,000", "200,000"),
        *("Jan 2026", "Feb 2026", "Mar 2026"),
    ]
    markets = texts(chart(page_of(failing), "markets_count"), "tick")
    assert markets[markets.index("50") + 1 :] == [
        *("Jan 2023", "Jul 2023", "Jan 2024", "Jul 2024", "Jan 2025", "Jul 2025", "Jan 2026"),
    ]


def test_a_series_that_states_one_value_is_a_line_not_a_chart(failing: ReportResult) -> None:
    page = page_of(failing)
    charted = {svg.attrs["aria-label"] for svg in page.find_all("svg")}
    assert charted == {
        "smart cumulative_deliveries over time",
        "smart markets_count over time",
    }
    lines = [p.text() for p in page.find_all("p", "series-line")]
    assert lines == [
        "new_markets (markets): 7 from 2025-01-01 to 2025-06-30, “seven new markets” (b_2025.txt).",
        "new_stores in China (stores): 20 from 2025-01-01 to 2025-06-30, “20 new stores” "
        "(f_2025_china.txt).",
        "stores_count in China (stores): 131 as of 2025-06-30, “131 stores” "
        "(f_2025_china.txt). Reconciled, not stated: 111 on 2025-01-01 (implied).",
        "stores_count (stores): over 580 as of 2025-06-30, “over 580 stores” (b_2025.txt).",
    ]


def test_a_large_value_has_thousands_separators_in_its_line(warehouse: Warehouse) -> None:
    funded = Doc(
        "k_2024_funding.txt",
        "2024-01-19",
        "smart raised 1234567 dollars from investors.",
        facts=(Fact("1234567 dollars", "funding_usd", 1234567),),
    )
    report = run_and_report(warehouse, (*CONSISTENT_CORPUS, funded), RUN_1)
    (line,) = [
        p.text()
        for p in page_of(report).find_all("p", "series-line")
        if p.text().startswith("funding_usd")
    ]
    assert line.startswith("funding_usd (USD): 1,234,567 as of 2024-01-19, “1234567 dollars”")


# --- bidi and invisible characters -------------------------------------------------------------


def test_bidi_and_zero_width_characters_from_documents_are_shown_as_code_points(
    warehouse: Warehouse,
) -> None:
    run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    report = run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE_BIDI), RUN_2)
    raw = report.html_path.read_text(encoding="utf-8")
    for character in (RLO, PDF, LRI, RLM, ZWSP):
        assert character not in raw, f"U+{ord(character):04X} reached the page"
    page = parse(raw)
    quote = "140,000 cars‹U+200B› since launch"
    assert quote in [m.text() for m in page.find_all("mark")]
    assert "Deliveries ‹U+202E›llef‹U+202C› ‹U+200B›fast" in page.text()
    assert "Wire ‹U+2066›Daily‹U+200F›" in page.text()
    assert "e_2026_‹U+202E›txt.exe" in page.text()
    # in an attribute-like place too: the chart bar's tooltip (an SVG <title>)
    tips = [t.text() for t in chart(page, "cumulative_deliveries").find_all("title")]
    assert any(quote in tip and "e_2026_‹U+202E›txt.exe" in tip for tip in tips), tips
    # the data is never altered: report.json keeps the text as the document has it
    data = json.loads(report.json_path.read_text(encoding="utf-8"))
    (failure,) = data["failures"]
    sides = failure["groups"][0]["violations"][0]["sides"]
    assert f"140,000 cars{ZWSP} since launch" in [s["quote"] for s in sides]
    assert f"Deliveries {RLO}llef{PDF} {ZWSP}fast" in [s["title"] for s in sides]
    # and the Markdown artifact shows them as the page does
    summary = markdown_summary(report)
    assert RLO not in summary and ZWSP not in summary and "‹U+200B›" in summary


@pytest.mark.parametrize(
    "character",
    [
        *"\u202a\u202b\u202c\u202d\u202e",  # embeddings and overrides
        *"\u2066\u2067\u2068\u2069",  # isolates
        *"\u200e\u200f\u061c",  # marks
        *"\u200b\u200c\u200d\u2060\ufeff",  # zero-width and the byte order mark
        *"\u00ad\u2061\U000e0041",  # other format characters: soft hyphen, function, tag
        *"\x00\x1b\x7f\x85",  # controls
    ],
)
def test_visible_shows_each_format_and_control_character_as_its_code_point(
    character: str,
) -> None:
    assert visible(f"a{character}b") == f"a‹U+{ord(character):04X}›b"


def test_visible_leaves_layout_and_every_script_as_it_is() -> None:
    text = "38 markets\tin 2025,\r\nسمارت 在中国 स्मार्ट 🚗 café ‹U+202E›"
    assert visible(text) == text
