"""`factledger evaluate`: the scorer on a tiny hand-made corpus, the corpus reader, the quote
documents, and one end-to-end run of the command."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from flows.evaluate.corpus import Corpus, EvaluationError, Fact, quote_document, read_corpus
from flows.evaluate.run import write_raw_dir
from flows.evaluate.scoring import (
    ELSEWHERE,
    IN_QUOTE,
    NO_SUCH_FACT,
    WRONG_COMPANY,
    Claim,
    Violation,
    matches,
    period_interval,
    score_conflicts,
    score_extraction,
)

FAMILIES = {
    "stores_count": "stores",
    "new_stores": "stores",
    "store_ordinal": "stores",
    "markets_count": "markets",
    "market_entry_ordinal": "markets",
    "states_count": "markets",
    "employees": "employees",
}

A_TEXT = """Acme Coffee opens its 200th store

Acme Coffee today opened its 200th store in Lisbon. The company now runs 200 stores in 12 countries.
Rival Beanery operates 90 stores in the region. Acme Coffee plans to open 30 new stores in 2024.
"""
B_TEXT = """Acme Coffee enters Spain

Acme Coffee entered Spain, its 11th market, in October. Founded in 1998, the company employs
5,000 people. Acme Coffee expects to reach 250 stores by the end of 2024. It will open in
several new markets next year.
"""
# The first fact's quote is on one line in facts.csv and wrapped here.
C_TEXT = """Volt Charging passes 1,000 chargers

Volt Charging has installed more than
1,000 chargers across 3 states. With over 1,000 chargers, Volt is growing fast.
"""
TEXTS = {"a.txt": A_TEXT, "b.txt": B_TEXT, "c.txt": C_TEXT}

MANIFEST = [
    ("a.txt", "Acme Coffee opens its 200th store", "2024-03-10", "Acme Coffee"),
    ("b.txt", "Acme Coffee enters Spain", "2023-11", "Acme Coffee"),
    ("c.txt", "Volt Charging passes 1,000 chargers", "2024-06-01", "Volt Charging"),
]
Q_A1 = "Acme Coffee today opened its 200th store in Lisbon"
Q_A2 = "The company now runs 200 stores in 12 countries"
Q_A4 = "Rival Beanery operates 90 stores in the region"
Q_A5 = "Acme Coffee plans to open 30 new stores in 2024"
Q_B6 = "Acme Coffee entered Spain, its 11th market, in October"
Q_B7 = "the company employs 5,000 people"
Q_B8 = "Acme Coffee expects to reach 250 stores by the end of 2024"
Q_B9 = "It will open in several new markets next year"
Q_C10 = "Volt Charging has installed more than 1,000 chargers across 3 states"
Q_C12 = "With over 1,000 chargers, Volt is growing fast"
ACME, VOLT = "Acme Coffee", "Volt Charging"
# file, entity, metric, value_text, lo, hi, period, quote, status
FACTS = [
    ("a.txt", ACME, "store_ordinal", "200th", "200", "200", "2024-03-10", Q_A1, "reported"),
    ("a.txt", ACME, "stores_count", "200", "200", "200", "2024-03-10", Q_A2, "reported"),
    ("a.txt", ACME, "markets_count", "12", "12", "12", "2024-03-10", Q_A2, "reported"),
    ("a.txt", "Beanery", "stores_count", "90", "90", "90", "2024-03-10", Q_A4, "reported"),
    ("a.txt", ACME, "new_stores", "30", "30", "30", "2024", Q_A5, "planned"),
    ("b.txt", ACME, "market_entry_ordinal", "11th", "11", "11", "2023-10", Q_B6, "reported"),
    ("b.txt", ACME, "employees", "5,000", "5000", "5000", "2023-11", Q_B7, "reported"),
    ("b.txt", ACME, "stores_count", "250", "250", "250", "2024-12-31", Q_B8, "planned"),
    ("b.txt", ACME, "new_markets", "several", "", "", "2024", Q_B9, "planned"),
    ("c.txt", VOLT, "stores_count", "more than 1,000", "1000", "", "2024-06-01", Q_C10, "reported"),
    ("c.txt", VOLT, "states_count", "3", "3", "3", "", Q_C10, "reported"),
]  # fmt: skip
FACT_HEADER = (
    "file,entity,metric,value_text,value_lo,value_hi,period_or_as_of,quote,scope,status,notes"
)


def write_corpus(root: Path, facts_header: str = FACT_HEADER) -> Path:
    (root / "documents").mkdir(parents=True)
    for file, text in TEXTS.items():
        (root / "documents" / file).write_text(text, encoding="utf-8")
    with (root / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "title", "source_url", "publisher", "published_at", "entity"])
        for file, title, published, entity in MANIFEST:
            writer.writerow(
                [file, title, f"https://example.test/{file}", "Wire", published, entity]
            )
    with (root / "facts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(facts_header.split(","))
        for file, entity, metric, text, lo, hi, period, quote, status in FACTS:
            writer.writerow(
                [file, entity, metric, text, lo, hi, period, quote, "global", status, ""]
            )
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return read_corpus(write_corpus(tmp_path / "corpus"))


def claim(
    claim_id: str,
    file: str,
    metric: str,
    lo: float,
    at: str,
    *,
    hi: float | None = None,
    entity: str = "Acme Coffee",
    period: tuple[str, str] = ("2024-03-10", "2024-03-10"),
    status: str = "reported",
) -> Claim:
    """A claim whose span is the first occurrence of `at` in its document."""
    start = TEXTS[file].index(at)
    return Claim(
        claim_id=claim_id,
        file=file,
        entity=entity,
        metric=metric,
        value_lo=lo,
        value_hi=lo if hi is None else hi,
        value_text=at,
        quote=at,
        char_start=start,
        char_end=start + len(at),
        period_start=date.fromisoformat(period[0]),
        period_end=date.fromisoformat(period[1]),
        status=status,
    )


CLAIMS = [
    claim("c1", "a.txt", "store_ordinal", 200, "its 200th store in Lisbon", entity="acme coffee"),
    # Another metric of the stores family, in the second fact's quote: that quote's fact is
    # found by this claim, not by c1, which comes first in the document.
    claim("c2", "a.txt", "new_stores", 200, "200 stores in 12"),
    claim("c4", "a.txt", "stores_count", 90, "90 stores"),  # the rival's stores, as Acme's
    claim("c5", "a.txt", "new_stores", 30, "30 new stores", period=("2024-01-01", "2024-12-31")),
    claim("c6", "b.txt", "market_entry_ordinal", 11, "its 11th market",
          period=("2023-11-01", "2023-11-30")),  # the fact says October
    claim("c7", "b.txt", "employees", 4990, "5,000 people", period=("2023-11-01", "2023-11-30")),
    claim("c8", "b.txt", "stores_count", 250, "250 stores", period=("2024-12-31", "2024-12-31"),
          status="planned"),
    claim("c9", "b.txt", "employees", 1998, "1998", period=("2023-11-01", "2023-11-01")),
    claim("c10", "c.txt", "stores_count", 1000, "over 1,000 chargers", hi=math.inf,
          entity="Volt Charging", period=("2024-06-01", "2024-06-01")),
    claim("c11", "c.txt", "states_count", 3, "3 states", entity="Volt Charging",
          period=("2024-06-01", "2024-06-01")),
]  # fmt: skip


def test_recall_counts_facts_of_the_documents_entity_with_a_value(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    assert (scores.facts_total, scores.distractors, scores.without_value) == (11, 1, 1)
    assert (len(scores.found), len(scores.matches)) == (8, 9)
    assert scores.recall == 8 / 9


def test_a_miss_is_counted_and_listed(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    assert [
        (m.fact.file, m.fact.metric, m.fact.value_text, m.fact.quote) for m in scores.misses
    ] == [("a.txt", "markets_count", "12", Q_A2)]


def test_wrong_claims_no_such_fact_and_the_wrong_company(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    assert [(v.claim.claim_id, v.why) for v in scores.wrong] == [
        ("c4", WRONG_COMPANY),  # matches only the distractor fact about Beanery
        ("c9", NO_SUCH_FACT),  # a founding year
    ]
    assert scores.precision == 8 / 10
    assert scores.matched_claims == 9
    assert scores.company_accuracy == 8 / 9


def test_a_claim_within_half_a_percent_of_a_bound_matches(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    employees = next(m for m in scores.matches if m.fact.metric == "employees")
    assert employees.claim is not None and employees.claim.claim_id == "c7"  # 4,990 for 5,000


def test_an_approximate_claim_matches_by_its_middle() -> None:
    fact = Fact(
        1,
        "a.txt",
        "Acme Coffee",
        "stores_count",
        "about 320",
        320.0,
        320.0,
        "2024",
        "about 320 stores",
        "global",
        "reported",
    )
    band = claim("b", "a.txt", "stores_count", 304, "90 stores", hi=336)  # "about 320": 5% band
    wider = claim("w", "a.txt", "stores_count", 300, "90 stores", hi=330)  # its middle is 315
    assert matches(band, fact, lambda metric: metric)
    assert not matches(wider, fact, lambda metric: metric)


def test_a_claim_in_the_facts_quote_is_preferred(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    found = {(m.fact.row, m.claim.claim_id, m.way) for m in scores.found}
    assert found == {
        (1, "c1", IN_QUOTE),
        (2, "c2", IN_QUOTE),
        (5, "c5", IN_QUOTE),
        (6, "c6", IN_QUOTE),
        (7, "c7", IN_QUOTE),
        (8, "c8", IN_QUOTE),
        (10, "c10", ELSEWHERE),  # "over 1,000" stated again in the next sentence
        (11, "c11", IN_QUOTE),  # its quote is wrapped in the document
    }
    assert scores.quotes_not_found == []


def test_period_and_status_mismatches_are_counted_over_found_facts(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    assert [(m.fact.row, m.claim.claim_id) for m in scores.period_mismatches] == [(6, "c6")]
    assert [m.fact.row for m in scores.period_unscorable] == [11]  # no period annotated
    assert (scores.period_scored, scores.period_accuracy) == (7, 6 / 7)
    assert [(m.fact.row, m.claim.status) for m in scores.status_mismatches] == [(5, "reported")]
    assert scores.status_accuracy == 7 / 8


def test_recall_and_precision_per_family(corpus: Corpus) -> None:
    scores = score_extraction(corpus, TEXTS, CLAIMS, FAMILIES)
    table = [(f.family, f.facts, f.found, f.claims, f.right) for f in scores.families]
    assert table == [
        ("employees", 1, 1, 2, 1),
        ("markets", 3, 2, 2, 2),
        ("stores", 5, 5, 6, 5),
    ]
    stores = scores.families[2]
    assert (stores.recall, stores.precision) == (1.0, 5 / 6)


def test_a_metric_the_catalogue_lacks_is_its_own_family(corpus: Corpus) -> None:
    # Without families, the new_stores claim in its quote no longer finds the stores_count fact.
    scores = score_extraction(corpus, TEXTS, CLAIMS, {})
    assert [m.fact.row for m in scores.misses] == [2, 3]
    assert [f.family for f in scores.families] == [
        "employees",
        "market_entry_ordinal",
        "markets_count",
        "new_stores",
        "states_count",
        "store_ordinal",
        "stores_count",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", ("2025-01-01", "2025-12-31")),
        ("2025-H2", ("2025-07-01", "2025-12-31")),
        ("2024-Q1", ("2024-01-01", "2024-03-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023-07-18", ("2023-07-18", "2023-07-18")),
        ("2016/2023-03-02", ("2016-01-01", "2023-03-02")),
        ("2020-06/2020-08", ("2020-06-01", "2020-08-31")),
        ("", None),
        ("cumulative to 2023-03-02", None),
        ("2023-13", None),
    ],
)
def test_period_interval(text: str, expected: tuple[str, str] | None) -> None:
    interval = period_interval(text)
    assert (interval and tuple(d.isoformat() for d in interval)) == expected


def pair(row: int, flag: str, file_a: str, quote_a: str, file_b: str, quote_b: str):
    from flows.evaluate.corpus import ConflictPair

    return ConflictPair(row, f"p{row}", "same_time_disagree", "Acme Coffee", "stores_count",
                        file_a, quote_a, file_b, quote_b, flag)  # fmt: skip


def violation(check: str, severity: str, files: tuple[str, ...], *quotes: str) -> Violation:
    ids = tuple(f"{check}-{i}" for i in range(len(quotes)))
    return Violation(check, severity, "fail", ids, quotes, files, f"{check} says so")


def test_conflict_pairs_against_the_runs_violations() -> None:
    pairs = [
        pair(1, "error", "a.txt", Q_A2, "b.txt", Q_B8),
        pair(2, "warn", "a.txt", Q_A1, "a.txt", Q_A2),
        pair(3, "no", "b.txt", Q_B6, "a.txt", Q_A2),
        pair(4, "error", "c.txt", Q_C10, "c.txt", Q_C12),
        pair(5, "warn", "b.txt", Q_B7, "b.txt", Q_B8),
    ]
    v1 = violation("same_time", "error", ("a.txt", "b.txt"), "200 stores", "250  stores")
    v2 = violation("decrease", "warn", ("a.txt",), "200th store", "200 stores")
    v3 = violation("ordinal", "error", ("b.txt", "a.txt"), "its 11th market", Q_A2)
    v4 = violation("stray", "error", ("a.txt", "b.txt"), "200th store", "5,000 people")
    v5 = violation("one_claim", "error", ("b.txt",), "1998")
    v6 = violation("drift", "warn", ("c.txt",), "more than\n1,000 chargers", "over 1,000 chargers")
    # the pair's two quotes must be two different quotes of the violation
    v7 = violation("same_quote", "error", ("c.txt",), "1,000 chargers")
    scores = score_conflicts(pairs, [v1, v2, v3, v4, v5, v6, v7])

    assert [[v.check_id for v in o.covered_by] for o in scores.outcomes] == [
        ["same_time"],
        ["decrease"],
        ["ordinal"],
        ["drift"],
        [],
    ]
    assert [o.pair.row for o in scores.errors_reported] == [1]  # 4: reported as a warning only
    assert [o.pair.row for o in scores.warns_reported] == [2]
    assert [o.pair.row for o in scores.false_alarms] == [3]
    assert [v.check_id for v in scores.unmatched_alarms] == ["stray"]  # one_claim names 1


def test_the_reader_rejects_a_facts_file_missing_a_column(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus", FACT_HEADER.replace(",status", ""))
    with pytest.raises(EvaluationError) as error:
        read_corpus(root)
    assert str(error.value) == f"{root / 'facts.csv'}: missing column(s) status"


def test_the_reader_rejects_a_published_at_that_is_no_date(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus")
    manifest = root / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("2023-11", "November"))
    with pytest.raises(EvaluationError, match=r"manifest\.csv row 2: published_at 'November'"):
        read_corpus(root)


def test_quote_documents_are_the_title_then_each_quote(corpus: Corpus, tmp_path: Path) -> None:
    doc = corpus.documents["a.txt"]
    assert quote_document(doc, corpus.facts_of("a.txt")) == (
        f"Acme Coffee opens its 200th store\n\n{Q_A1}\n\n{Q_A2}\n\n{Q_A4}\n\n{Q_A5}\n"
    )
    raw = tmp_path / "raw"
    write_raw_dir(corpus, raw, quotes_only=True)
    assert (raw / "documents" / "c.txt").read_text() == (
        f"Volt Charging passes 1,000 chargers\n\n{Q_C10}\n"
    )
    with (raw / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["published_at"], r["entity"]) for r in rows] == [
        ("a.txt", "2024-03-10", "Acme Coffee"),
        ("b.txt", "2023-11-01", "Acme Coffee"),  # a month only: its first day
        ("c.txt", "2024-06-01", "Volt Charging"),
    ]
    assert list(rows[0]) == ["file", "published_at", "title", "publisher", "url", "entity"]


def test_full_texts_are_copied_as_they_are(corpus: Corpus, tmp_path: Path) -> None:
    write_raw_dir(corpus, tmp_path / "raw")
    assert (tmp_path / "raw" / "documents" / "b.txt").read_text() == B_TEXT


@pytest.mark.integration
def test_factledger_evaluate_prints_recall_and_precision(tmp_path: Path) -> None:
    """The console script, under Prefect's temporary server, on a 2-document corpus."""
    root = tmp_path / "corpus"
    (root / "documents").mkdir(parents=True)
    (root / "documents" / "one.txt").write_text(
        "Northwind Books opens in Denver\n\n"
        "Northwind Books now operates 42 stores in 5 countries.\n"
    )
    (root / "documents" / "two.txt").write_text(
        "Northwind Books grows\n\nNorthwind Books opened 6 new stores in 2024.\n"
    )
    (root / "manifest.csv").write_text(
        "file,title,source_url,publisher,published_at,entity\n"
        "one.txt,Northwind Books opens in Denver,https://example.test/1,Wire,2025-02-03,"
        "Northwind Books\n"
        "two.txt,Northwind Books grows,https://example.test/2,Wire,2025-01,Northwind Books\n"
    )
    (root / "facts.csv").write_text(
        FACT_HEADER + "\n"
        "one.txt,Northwind Books,stores_count,42,42,42,2025-02-03,"
        "Northwind Books now operates 42 stores in 5 countries,global,reported,\n"
        "one.txt,Northwind Books,markets_count,5,5,5,2025-02-03,"
        "Northwind Books now operates 42 stores in 5 countries,global,reported,\n"
        "two.txt,Northwind Books,new_stores,6,6,6,2024,"
        "Northwind Books opened 6 new stores in 2024,global,reported,\n"
    )
    out = tmp_path / "out" / "quality.json"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("factledger")), "evaluate", "--corpus", str(root),
         "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PREFECT_HOME": str(tmp_path / "prefect"),
             "HOME": str(tmp_path), **{k: v for k, v in os.environ.items()
                                       if k.startswith("FACTLEDGER_")}},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "Prefect's log reaches the terminal only with -vv"
    assert re.search(r"^recall     \d/3 = ", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^precision  \d+/\d+ = ", done.stdout, re.MULTILINE), done.stdout
    figures = json.loads(out.read_text())["figures"]
    assert figures["recall"]["whole"] == 3
    assert json.loads(out.read_text())["conflicts"] is None  # no conflicts.csv
