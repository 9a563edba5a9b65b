"""Every SQL consistency check, both ways: a ledger that passes and one that fails, asserting
the exact violating rows (claim ids, quotes, dates)."""

from __future__ import annotations

from datetime import date

from validation.ledger import INF, Ledger, sql_check_rows

A = "a.txt"
B = "b.txt"


def two_documents(ledger: Ledger, text_a: str, published_a: str, text_b: str, published_b: str):
    ledger.document(A, published_a, text_a)
    ledger.document(B, published_b, text_b)


# --- cumulative_never_decreases -----------------------------------------------------------


def test_cumulative_over_580_then_600_passes(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "now operates over 580 markets",
        "2025-06-24",
        "it operates 600 markets",
        "2025-09-01",
    )
    ledger.claim(A, "over 580", "markets_count", 580, INF, lo_open=True)
    ledger.claim(B, "600", "markets_count", 600)
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


def test_cumulative_over_580_then_575_fails_naming_both(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "now operates over 580 markets",
        "2025-06-24",
        "it operates 575 markets",
        "2025-09-01",
    )
    a = ledger.claim(A, "over 580", "markets_count", 580, INF, lo_open=True)
    b = ledger.claim(B, "575", "markets_count", 575)
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [(r["claim_ids"], r["quotes"], r["files"]) for r in rows] == [
        ([a.claim_id, b.claim_id], ["over 580", "575"], [A, B])
    ]
    assert rows[0]["a_published_at"] == date(2025, 6, 24)
    assert rows[0]["b_period_start"] == date(2025, 9, 1)


def test_cumulative_excluded_bound_equal_value_fails(ledger: Ledger) -> None:
    # "over 580" then exactly 580: the later value is not above 580, so it decreased
    two_documents(ledger, "over 580 markets", "2025-06-24", "580 markets", "2025-09-01")
    a = ledger.claim(A, "over 580", "markets_count", 580, INF, lo_open=True)
    b = ledger.claim(B, "580", "markets_count", 580)
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [r["claim_ids"] for r in rows] == [[a.claim_id, b.claim_id]]


def test_cumulative_ignores_same_date_restatement_and_non_cumulative(ledger: Ledger) -> None:
    two_documents(
        ledger, "40 markets and 500 stores", "2026-01-05", "35 markets and 400 stores", "2026-01-05"
    )
    ledger.claim(A, "40", "markets_count", 40)
    ledger.claim(B, "35", "markets_count", 35)  # same date: a disagreement, not a decrease
    ledger.claim(A, "500", "stores_count", 500, period="2025-01-01")
    ledger.claim(B, "400", "stores_count", 400)  # stores can close: not cumulative
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


def test_cumulative_ignores_plans(ledger: Ledger) -> None:
    two_documents(ledger, "40 markets", "2026-01-05", "will be in 30 markets", "2026-02-01")
    ledger.claim(A, "40", "markets_count", 40)
    ledger.claim(B, "30", "markets_count", 30, period="2026-12-31", status="planned")
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


# --- same_time_claims_agree ---------------------------------------------------------------


def test_agreement_overlapping_intervals_pass(ledger: Ledger) -> None:
    two_documents(ledger, "over 580 stores", "2025-06-24", "600 stores", "2025-06-24")
    ledger.claim(A, "over 580", "stores_count", 580, INF, lo_open=True)
    ledger.claim(B, "600", "stores_count", 600)
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


def test_agreement_disjoint_intervals_fail(ledger: Ledger) -> None:
    two_documents(ledger, "over 580 stores", "2025-06-24", "570 stores", "2025-06-24")
    a = ledger.claim(A, "over 580", "stores_count", 580, INF, lo_open=True)
    b = ledger.claim(B, "570", "stores_count", 570)
    rows = sql_check_rows(ledger.con, "same_time_claims_agree")
    assert sorted(r["claim_ids"] for r in rows) == [sorted([a.claim_id, b.claim_id])]
    (row,) = rows
    assert sorted(row["quotes"]) == ["570", "over 580"]


def test_agreement_touching_at_an_excluded_point_fails(ledger: Ledger) -> None:
    two_documents(ledger, "over 580 stores", "2025-06-24", "580 stores", "2025-07-01")
    a = ledger.claim(A, "over 580", "stores_count", 580, INF, lo_open=True, period="2025-06-24")
    b = ledger.claim(B, "580", "stores_count", 580, period="2025-06-24")
    rows = sql_check_rows(ledger.con, "same_time_claims_agree")
    assert [(r["claim_ids"], r["quotes"]) for r in rows] == [
        ([a.claim_id, b.claim_id], ["over 580", "580"])
    ]


def test_agreement_different_periods_are_not_compared(ledger: Ledger) -> None:
    two_documents(ledger, "7 new markets", "2025-06-24", "3 new markets", "2025-12-31")
    ledger.claim(A, "7", "new_markets", 7, period=("2025-01-01", "2025-06-24"))
    ledger.claim(B, "3", "new_markets", 3, period=("2025-07-01", "2025-12-31"))
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


# --- flow_matches_stock -------------------------------------------------------------------

H1_2025 = ("2025-01-01", "2025-06-24")
SEEDLIKE = "In H1, it entered seven new markets and now operates in 38 countries."


def test_flow_and_stock_imply_31_which_agrees_with_22_before_and_40_after(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", SEEDLIKE)
    ledger.document(B, "2024-01-19", "footprint of 22 countries in 2023")
    ledger.document("c.txt", "2026-01-05", "its 40th market")
    ledger.document("d.txt", "2025-01-02", "31 markets at the start of the year")
    ledger.claim(A, "seven", "new_markets", 7, period=H1_2025)
    ledger.claim(A, "38", "markets_count", 38)
    ledger.claim(B, "22", "markets_count", 22, period=("2023-01-01", "2023-12-31"))
    ledger.claim("c.txt", "40th", "markets_count", 40)
    ledger.claim("d.txt", "31", "markets_count", 31, period="2024-12-31")
    assert sql_check_rows(ledger.con, "flow_matches_stock") == []


def test_implied_start_contradicting_a_stated_start_fails(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", SEEDLIKE)
    ledger.document(B, "2025-01-02", "we start the year in 35 markets")
    flow = ledger.claim(A, "seven", "new_markets", 7, period=H1_2025)
    stock = ledger.claim(A, "38", "markets_count", 38)
    other = ledger.claim(B, "35", "markets_count", 35, period="2025-01-01")
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["quotes"], r["relation"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id, other.claim_id], ["seven", "38", "35"], "same time")
    ]
    assert (rows[0]["implied_lo"], rows[0]["implied_hi"]) == (31, 31)
    assert rows[0]["implied_at"] == date(2025, 1, 1)


def test_implied_start_below_an_earlier_cumulative_claim_fails(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", SEEDLIKE)
    ledger.document(B, "2024-01-19", "footprint of 33 countries in 2023")
    flow = ledger.claim(A, "seven", "new_markets", 7, period=H1_2025)
    stock = ledger.claim(A, "38", "markets_count", 38)
    earlier = ledger.claim(B, "33", "markets_count", 33, period=("2023-01-01", "2023-12-31"))
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["relation"], r["other_quote"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id, earlier.claim_id], "before", "33")
    ]


def test_flow_larger_than_its_end_stock_fails(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", "it entered 40 new markets and operates in 38 countries")
    flow = ledger.claim(A, "40", "new_markets", 40, period=H1_2025)
    stock = ledger.claim(A, "38", "markets_count", 38)
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["quotes"], r["relation"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id], ["40", "38"], "negative")
    ]


# --- part_within_total and parts_sum_to_total ---------------------------------------------

STORES = "580 stores: 300 in China, 200 in Europe and 80 elsewhere; 700 in Europe"


def stores_document(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", STORES)


def test_parts_within_and_summing_to_total_pass(ledger: Ledger) -> None:
    stores_document(ledger)
    ledger.claim(A, "580", "stores_count", 580)
    ledger.claim(A, "300", "stores_china", 300)
    ledger.claim(A, "200", "stores_europe", 200)
    ledger.claim(A, "80", "stores_other", 80)
    assert sql_check_rows(ledger.con, "part_within_total") == []
    assert sql_check_rows(ledger.con, "parts_sum_to_total") == []


def test_part_exceeding_total_fails(ledger: Ledger) -> None:
    stores_document(ledger)
    total = ledger.claim(A, "580", "stores_count", 580)
    part = ledger.claim(A, "700", "stores_europe", 700)
    rows = sql_check_rows(ledger.con, "part_within_total")
    assert [(r["claim_ids"], r["quotes"]) for r in rows] == [
        ([part.claim_id, total.claim_id], ["700", "580"])
    ]


def test_parts_not_summing_to_total_fail_only_when_all_parts_known(ledger: Ledger) -> None:
    stores_document(ledger)
    total = ledger.claim(A, "580", "stores_count", 580)
    china = ledger.claim(A, "300", "stores_china", 300)
    europe = ledger.claim(A, "200", "stores_europe", 200)
    assert sql_check_rows(ledger.con, "parts_sum_to_total") == []  # stores_other unknown
    other = ledger.claim(A, "80", "stores_other", 30)  # 300 + 200 + 30 = 530, not 580
    rows = sql_check_rows(ledger.con, "parts_sum_to_total")
    assert [(r["claim_ids"], r["quotes"], r["lo"], r["hi"]) for r in rows] == [
        (
            [total.claim_id, china.claim_id, europe.claim_id, other.claim_id],
            ["580", "300", "200", "80"],
            530,
            530,
        )
    ]


# --- subset_within_superset ---------------------------------------------------------------

EUROPE = "38 markets, 25 of them in Europe; 40 European markets"


def test_subset_within_superset_passes(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", EUROPE)
    ledger.claim(A, "38", "markets_count", 38)
    ledger.claim(A, "25", "european_markets_count", 25)
    assert sql_check_rows(ledger.con, "subset_within_superset") == []


def test_subset_exceeding_superset_fails_same_time_and_later(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", EUROPE)
    ledger.document(B, "2025-09-01", "now in 39 markets")
    total = ledger.claim(A, "38", "markets_count", 38)
    europe = ledger.claim(A, "40", "european_markets_count", 40)
    later = ledger.claim(B, "39", "markets_count", 39)  # markets only grow: still < 40
    rows = sql_check_rows(ledger.con, "subset_within_superset")
    assert [(r["claim_ids"], r["quotes"]) for r in rows] == [
        ([europe.claim_id, total.claim_id], ["40", "38"]),
        ([europe.claim_id, later.claim_id], ["40", "39"]),
    ]


# --- time ---------------------------------------------------------------------------------


def test_reported_claim_about_the_past_passes(ledger: Ledger) -> None:
    ledger.document(A, "2024-01-19", "delivered 70,000 cars in 2023")
    ledger.claim(A, "70,000", "deliveries", 70000, period=("2023-01-01", "2023-12-31"))
    assert sql_check_rows(ledger.con, "reported_claim_not_after_publication") == []


def test_reported_claim_about_the_future_fails(ledger: Ledger) -> None:
    ledger.document(A, "2024-01-19", "delivered 70,000 cars in 2024")
    claim = ledger.claim(A, "70,000", "deliveries", 70000, period=("2024-01-01", "2024-12-31"))
    rows = sql_check_rows(ledger.con, "reported_claim_not_after_publication")
    assert [(r["claim_ids"], r["quotes"], r["a_published_at"]) for r in rows] == [
        ([claim.claim_id], ["70,000"], date(2024, 1, 19))
    ]


def test_reported_event_after_publication_is_flagged(ledger: Ledger) -> None:
    ledger.document(A, "2026-01-05", "the #2 debuted in Europe in late 2026")
    past = ledger.event(A, "the #2 debuted", "launch", "#2", ("2025-10-01", "2025-12-31"))
    assert sql_check_rows(ledger.con, "reported_event_not_after_publication") == []
    future = ledger.event(A, "#2 debuted in Europe", "launch", "#2", ("2026-10-01", "2026-12-31"))
    rows = sql_check_rows(ledger.con, "reported_event_not_after_publication")
    assert [r["claim_ids"] for r in rows] == [[future.event_id]]
    assert past.event_id != future.event_id


def test_plan_not_yet_due_or_confirmed_passes(ledger: Ledger) -> None:
    ledger.document(
        A, "2026-01-05", "The #6 EHD is planned for launch by mid-2026. 50 markets by 2026"
    )
    ledger.document(B, "2026-08-01", "The #6 EHD launched in China with 52 markets")
    ledger.event(
        A,
        "The #6 EHD is planned",
        "launch",
        "#6 EHD",
        ("2026-01-01", "2026-06-30"),
        status="planned",
    )
    ledger.claim(
        A, "50", "markets_count", 50, period=("2026-12-31", "2026-12-31"), status="planned"
    )
    assert sql_check_rows(ledger.con, "planned_confirmed_when_due", as_of="2026-03-01") == []
    ledger.event(B, "The #6 EHD launched", "launch", "#6 EHD", ("2026-07-20", "2026-07-31"))
    assert sql_check_rows(ledger.con, "planned_confirmed_when_due", as_of="2026-11-01") == []


def test_plan_passed_without_confirmation_warns(ledger: Ledger) -> None:
    ledger.document(
        A, "2026-01-05", "The #6 EHD is planned for launch by mid-2026. 50 markets by 2026"
    )
    ledger.document(B, "2027-02-01", "now in 45 markets")
    plan = ledger.event(
        A,
        "The #6 EHD is planned",
        "launch",
        "#6 EHD",
        ("2026-01-01", "2026-06-30"),
        status="planned",
    )
    target = ledger.claim(A, "50", "markets_count", 50, period="2026-12-31", status="planned")
    ledger.claim(B, "45", "markets_count", 45)  # reported after the plan, but short of it
    rows = sql_check_rows(ledger.con, "planned_confirmed_when_due", as_of="2027-03-01")
    expected = sorted(
        [
            ([target.claim_id], "claim", ["50"]),
            ([plan.event_id], "event", ["The #6 EHD is planned"]),
        ]
    )  # the check orders by file, then id
    assert [(r["claim_ids"], r["kind"], r["quotes"]) for r in rows] == expected
