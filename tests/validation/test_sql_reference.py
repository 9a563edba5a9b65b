"""The optimized SQL checks (checks/sql/) return exactly the rows of their straightforward
reference queries (reference_sql/, see its README) on random ledgers built to hit the edges:
duplicate claim ids and whole duplicate rows, NaN and infinite bounds, excluded ends, reversed
periods, claims whose document is missing, plans, scopes within scopes, two units, qualifiers
(ordinals are floors), claims dated by their own words or by their publication day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from checks import CHECKS_DIR
from flows.catalogue import load_catalogue
from flows.runtime.settings import Settings
from flows.validate import prepare_staging

REFERENCE_DIR = Path(__file__).parent / "reference_sql"
CHECKS = sorted(p.stem.removeprefix("assert_") for p in REFERENCE_DIR.glob("assert_*.sql"))
RELATED = [
    ["markets_count", "new_markets", "market_entry_ordinal", "test_markets_subset"],
    ["stores_count", "new_stores"],
    ["customers_count", "paying_customers_count", "new_customers"],
    ["cumulative_deliveries", "test_deliveries_added"],
    ["fleet_count", "new_fleet", "fleet_ordinal"],
]
# global with its parts Europe, Asia and international (a segment), Asia's China and Japan,
# Europe's Germany; and a scope that is not in the catalogue
SCOPES = ["global", "Europe", "Asia", "international", "China", "Japan", "Germany", "Atlantis"]
WORLD = ["global", "Europe", "Asia", "China", "Japan"]  # totals with two or more parts each
LEDGERS = 200  # each its own entities, documents and claim ids, in one warehouse
QUALIFIERS = ["exact"] * 6 + ["over", "at_least", "about", "nearly", "range", "ordinal"]


def random_claims(
    rng: random.Random, ledger: int, metrics: list[str], published: dict[str, date]
) -> list[list]:
    base = date(2024, 1, 1)
    entities = [f"l{ledger}e{k}" for k in range(rng.randint(1, 3))]
    # The catalogue's metrics are sampled by a generator of their own, so that a metric added to
    # the catalogue changes which metrics a ledger draws, not every ledger's draws after it.
    picker = random.Random(rng.random())
    chosen = (
        rng.choice(RELATED) if rng.random() < 0.6 else picker.sample(metrics, rng.randint(2, 8))
    )
    scopes = rng.choice([["global"], ["global", "China"], SCOPES])
    days = 8
    if rng.random() < 0.3:  # totals and their parts on a few days: parts that sum, or not
        chosen, scopes, days = ["stores_count"], WORLD, 2
    rows = []
    count = rng.randint(5, 60)
    for i in range(count):
        lo = float(rng.randint(0, 12))
        hi = float("inf") if rng.random() < 0.1 else lo + rng.choice([0, 0, 0, 1, 2, 5])
        if rng.random() < 0.03:
            lo = float("nan")
        start = base + timedelta(days=rng.randint(0, days))
        end = start + timedelta(days=rng.choice([0, 0, 0, 1, 3]))
        if rng.random() < 0.05:
            end = start - timedelta(days=1)
        doc_id = f"l{ledger}d{rng.randint(0, 3)}"  # d3 has no document
        if doc_id in published and rng.random() < 0.3:  # dated by its publication day
            start = end = published[doc_id]
        number = rng.randint(0, count) if rng.random() < 0.2 else i  # some ids repeat
        row = [
            f"l{ledger}c{number}",
            doc_id,
            f"f{rng.randint(0, 2)}",
            rng.choice(entities),
            rng.choice(chosen),
            rng.choice(scopes),
            lo,
            hi,
            rng.random() < 0.2,
            rng.random() < 0.2,
            rng.choice(QUALIFIERS),
            "u" if rng.random() < 0.95 else "v",
            str(lo),
            start,
            end,
            None if rng.random() < 0.7 else "on that day",
            "reported" if rng.random() < 0.9 else "planned",
            f"q{rng.randint(0, 3)}",
            0,
            1,
            "test",
            None,
            None,
            "load",
        ]
        rows.append(row)
        if rng.random() < 0.1:
            rows.append(list(row))  # a whole duplicate row
    return rows


def build_random_ledgers():
    """The random ledgers in one in-memory warehouse, staged as a validate run stages them."""
    from flows.warehouse import connect

    con = connect(":memory:")
    catalogue = load_catalogue(Settings().catalogue_dir)
    metrics = sorted(catalogue.metrics)
    rng = random.Random(20261121)
    for ledger in range(LEDGERS):
        published = {}
        for d in range(3):
            published[f"l{ledger}d{d}"] = date(2024, 1, 1 + rng.randint(0, 10))
            con.execute(
                "insert into raw.documents values (?, ?, ?, null, null, null, null, 'txt', 1,"
                " 'x', now(), 'load')",
                [f"l{ledger}d{d}", f"l{ledger}d{d}.txt", published[f"l{ledger}d{d}"]],
            )
        con.executemany(
            f"insert into raw.claims values ({', '.join('?' * 24)})",
            random_claims(rng, ledger, metrics, published),
        )
    prepare_staging(con, catalogue, [], date(2026, 11, 1))
    # a subset of a cumulative superset, and a flow adding to a stock that cannot fall, which
    # the catalogue has none of today: the subset check's comparison with later superset
    # claims and the flow check's with claims before and after the implied start run too
    con.execute(
        """
        insert into staging.metric_catalogue by name
        select 'test_markets_subset' as metric, 'markets' as family, 'markets' as unit,
            'stock' as kind, false as can_fall, true as cumulative, 'markets_count' as subset_of,
            0.05 as about_tolerance
        union all
        select 'test_deliveries_added', 'deliveries', 'units', 'flow', null, false, null, 0.05
        """
    )
    con.execute(
        """
        update staging.metric_catalogue set stock_of = 'cumulative_deliveries'
        where metric = 'test_deliveries_added'
        """
    )
    return con


@pytest.fixture(scope="module")
def random_ledgers():
    con = build_random_ledgers()
    yield con
    con.close()


def rows_of(con, path: Path) -> list[str]:
    query = path.read_text(encoding="utf-8").strip().rstrip(";")
    return sorted(
        r[0] for r in con.execute(f"select to_json(t)::varchar from ({query}) as t").fetchall()
    )


@pytest.mark.parametrize("check_id", CHECKS)
def test_check_returns_exactly_the_reference_rows(random_ledgers, check_id: str) -> None:
    expected = rows_of(random_ledgers, REFERENCE_DIR / f"assert_{check_id}.sql")
    found = rows_of(random_ledgers, CHECKS_DIR / "sql" / f"assert_{check_id}.sql")
    assert len(expected) > 10  # the ledgers do break the rule, many times
    assert found == expected


def test_gx_series_reduction_names_exactly_the_reference_negative_headrooms(random_ledgers) -> None:
    """GX's series frame holds the claims below an earlier floor, found by a join; the window
    it replaced computed every claim's headroom: the negative ones must be the same rows."""
    from checks.engines.gx import SERIES_SQL

    reference = (REFERENCE_DIR / "gx_cumulative_series.sql").read_text(encoding="utf-8")
    reference = "\n".join(line for line in reference.splitlines() if not line.startswith("--"))
    everything = 10**9
    expected = random_ledgers.execute(
        f"select * from ({reference.format(table='raw.claims', limit=everything)}) "
        "where headroom < 0 order by headroom, claim_id"
    ).fetchall()
    found = random_ledgers.execute(
        SERIES_SQL.format(table="raw.claims", limit=everything)
    ).fetchall()
    assert len(expected) > 10  # the ledgers do fall below earlier floors, many times
    assert found == expected
