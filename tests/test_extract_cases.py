"""Golden cases: tests/cases/extract/<name>.yaml holds a document (or names one) and every row
the extractor must produce from it, in text order. An extra, missing or different row fails."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.catalogue import load_catalogue
from flows.extract import Extractor
from flows.model import Claim, Document, Event

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases" / "extract"
CLAIM_KEYS = (
    "metric",
    "scope",
    "entity",
    "value_lo",
    "value_hi",
    "lo_open",
    "hi_open",
    "qualifier",
    "period_start",
    "period_end",
    "status",
    "quote",
)
EVENT_KEYS = ("event_type", "subject", "entity", "period_start", "period_end", "status", "quote")
OPTIONAL_DEFAULTS = {"hi_open": False, "lo_open": False, "scope": "global"}


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.yaml"))


def load_case(name: str) -> tuple[Document, dict[str, Any]]:
    spec = yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))
    path = REPO / spec["document"] if "document" in spec else CASES / f"{name}.txt"
    text = path.read_text(encoding="utf-8")
    doc = Document(
        doc_id=f"case-{name}",
        file=path.name,
        published_at=spec["published_at"],
        title=None,
        publisher=None,
        url=None,
        entity_hint=spec.get("entity"),
        format="txt",
        size_bytes=len(text.encode()),
        text=text,
    )
    return doc, spec


def project(row: Claim | Event, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(row, k) for k in keys}


def expected_rows(specs: list[dict] | None, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for spec in specs or []:
        row = {k: spec.get(k, OPTIONAL_DEFAULTS.get(k)) for k in keys}
        for k in ("value_lo", "value_hi"):
            if k in row:
                row[k] = float(row[k])
        for k in ("period_start", "period_end"):
            if isinstance(row[k], str):
                row[k] = date.fromisoformat(row[k])
        rows.append(row)
    return rows


def same_row(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    for k, want in expected.items():
        got = actual[k]
        if isinstance(want, float) and not (
            math.isclose(got, want, rel_tol=1e-9) or (math.isinf(got) and math.isinf(want))
        ):
            return False
        if not isinstance(want, float) and got != want:
            return False
    return True


def assert_rows(actual: list[dict], expected: list[dict], what: str) -> None:
    report = [f"{what}: {len(actual)} extracted, {len(expected)} expected"]
    for i in range(max(len(actual), len(expected))):
        got = actual[i] if i < len(actual) else None
        want = expected[i] if i < len(expected) else None
        if got is None or want is None or not same_row(got, want):
            report.append(f"  row {i}:\n    got  {got}\n    want {want}")
    assert len(report) == 1, "\n".join(report)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_catalogue(REPO / "catalogue"))


def test_there_are_golden_cases_for_the_seeds_and_at_least_twelve_more() -> None:
    names = case_names()
    assert sum(n.startswith("seed_") for n in names) == 3
    assert len([n for n in names if not n.startswith("seed_")]) >= 12


@pytest.mark.parametrize("name", case_names())
def test_case(name: str, extractor: Extractor) -> None:
    doc, spec = load_case(name)
    found = extractor.extract(doc)
    for row in [*found.claims, *found.events]:
        assert row.quote == doc.text[row.char_start : row.char_end]
        assert row.source == "rules" and row.rule_id
        assert row.period_start <= row.period_end
    assert_rows(
        [project(c, CLAIM_KEYS) for c in found.claims],
        expected_rows(spec.get("claims"), CLAIM_KEYS),
        f"{name} claims",
    )
    assert_rows(
        [project(e, EVENT_KEYS) for e in found.events],
        expected_rows(spec.get("events"), EVENT_KEYS),
        f"{name} events",
    )
