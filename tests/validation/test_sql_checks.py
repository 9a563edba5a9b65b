"""Every SQL consistency check, both ways: a ledger that passes and one that fails, asserting
the exact violating rows (claim ids, quotes, dates)."""

from __future__ import annotations

from datetime import date

from checks import CHECKS_DIR
from checks.engines.sql import violating_rows
from checks.registry import load_check_catalogue
from validation.ledger import INF, Ledger, sql_check_rows

A = "a.txt"
B = "b.txt"


def two_documents(ledger: Ledger, text_a: str, published_a: str, text_b: str, published_b: str):
    ledger.document(A, published_a, text_a)
    ledger.document(B, published_b, text_b)


# --- cumulative_never_decreases -----------------------------------------------------------
# A count that cannot fall (can_fall: false): units delivered since launch, the Nth market.


def test_cumulative_over_580_then_600_passes(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "has delivered over 580 cars since launch",
        "2025-06-24",
        "it has delivered 600 cars since launch",
        "2025-09-01",
    )
    ledger.claim(A, "over 580", "cumulative_deliveries", 580, INF, lo_open=True)
    ledger.claim(B, "600", "cumulative_deliveries", 600)
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


def test_cumulative_over_580_then_575_fails_naming_both(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "has delivered over 580 cars since launch",
        "2025-06-24",
        "it has delivered 575 cars since launch",
        "2025-09-01",
    )
    a = ledger.claim(A, "over 580", "cumulative_deliveries", 580, INF, lo_open=True)
    b = ledger.claim(B, "575", "cumulative_deliveries", 575)
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [(r["claim_ids"], r["quotes"], r["files"]) for r in rows] == [
        ([a.claim_id, b.claim_id], ["over 580", "575"], [A, B])
    ]
    assert rows[0]["a_published_at"] == date(2025, 6, 24)
    assert rows[0]["b_period_start"] == date(2025, 9, 1)


def test_cumulative_excluded_bound_equal_value_fails(ledger: Ledger) -> None:
    # "over 580" then exactly 580: the later value is not above 580, so it decreased
    two_documents(ledger, "over 580 delivered", "2025-06-24", "580 delivered", "2025-09-01")
    a = ledger.claim(A, "over 580", "cumulative_deliveries", 580, INF, lo_open=True)
    b = ledger.claim(B, "580", "cumulative_deliveries", 580)
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [r["claim_ids"] for r in rows] == [[a.claim_id, b.claim_id]]


def test_cumulative_ignores_same_date_restatement_and_counts_that_can_fall(
    ledger: Ledger,
) -> None:
    two_documents(
        ledger,
        "40 markets, 500 stores, 900 cars delivered",
        "2026-01-05",
        "35 markets, 400 stores, 800 cars delivered",
        "2026-01-05",
    )
    ledger.claim(A, "900", "cumulative_deliveries", 900)
    ledger.claim(B, "800", "cumulative_deliveries", 800)  # same date: a disagreement
    ledger.claim(A, "40", "markets_count", 40, period="2025-01-01")
    ledger.claim(B, "35", "markets_count", 35)  # markets are left: count_fell's, a warning
    ledger.claim(A, "500", "stores_count", 500, period="2025-01-01")
    ledger.claim(B, "400", "stores_count", 400)  # stores close: likewise
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


def test_cumulative_ignores_plans(ledger: Ledger) -> None:
    two_documents(ledger, "900 delivered", "2026-01-05", "will have delivered 800", "2026-02-01")
    ledger.claim(A, "900", "cumulative_deliveries", 900)
    ledger.claim(B, "800", "cumulative_deliveries", 800, period="2026-12-31", status="planned")
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []


def test_cumulative_series_are_per_scope(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "380 delivered, 250 in Europe",
        "2025-06-24",
        "220 delivered in Europe",
        "2025-09-01",
    )
    ledger.claim(A, "380", "cumulative_deliveries", 380)
    europe = ledger.claim(A, "250", "cumulative_deliveries", 250, scope="Europe")
    # 220 in Europe after 380 worldwide is no fall; after 250 in Europe it is
    later = ledger.claim(B, "220", "cumulative_deliveries", 220, scope="Europe")
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [(r["claim_ids"], r["scope"]) for r in rows] == [
        ([europe.claim_id, later.claim_id], "Europe")
    ]
    assert rows[0]["message"].startswith('smart cumulative_deliveries in Europe fell from "250"')


MILESTONES = "It all started with our first store; today we celebrate our 500th store."


def test_a_later_smaller_milestone_is_a_floor_not_a_fall(ledger: Ledger) -> None:
    """ "Its 500th store" in 2011, then "our first store" and "our 30,000th store" in 2019:
    the first is history the 2019 document recalls (its highest milestone that day is the
    30,000th), and a milestone with no words for its date only holds by publication."""
    two_documents(ledger, "its 500th store", "2011-10-25", MILESTONES, "2019-03-18")
    ledger.claim(A, "500th", "store_ordinal", 500, qualifier="ordinal", period_text="today")
    ledger.claim(B, "first", "store_ordinal", 1, qualifier="ordinal", period_text="today")
    ledger.claim(B, "500th", "store_ordinal", 500, qualifier="ordinal", period_text="today")
    ledger.document("c.txt", "2020-01-01", "its 3rd store")
    ledger.claim("c.txt", "3rd", "store_ordinal", 3, qualifier="ordinal")  # by publication
    assert sql_check_rows(ledger.con, "cumulative_never_decreases") == []
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


def test_a_milestone_that_dates_itself_below_an_earlier_one_fails(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "its 40th market",
        "2025-06-24",
        "On 1 March it entered its 38th market",
        "2026-03-05",
    )
    fortieth = ledger.claim(A, "40th", "market_entry_ordinal", 40, qualifier="ordinal")
    thirty_eighth = ledger.claim(
        B,
        "38th",
        "market_entry_ordinal",
        38,
        period="2026-03-01",
        period_text="On 1 March",
        qualifier="ordinal",
    )
    rows = sql_check_rows(ledger.con, "cumulative_never_decreases")
    assert [(r["claim_ids"], r["quotes"]) for r in rows] == [
        ([fortieth.claim_id, thirty_eighth.claim_id], ["40th", "38th"])
    ]
    # the same 40th dated twice is a date disagreement (milestone_date_disagree), no fall
    ledger.con.execute("delete from raw.claims where claim_id = ?", [thirty_eighth.claim_id])
    ledger.claim(
        B,
        "entered its",
        "market_entry_ordinal",
        40,
        period="2026-03-01",
        period_text="On 1 March",
        qualifier="ordinal",
    )
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


def test_agreement_is_judged_within_one_scope(ledger: Ledger) -> None:
    two_documents(
        ledger, "580 stores, 131 in China", "2025-06-24", "140 stores in China", "2025-06-24"
    )
    ledger.claim(A, "580", "stores_count", 580)
    china = ledger.claim(A, "131", "stores_count", 131, scope="China")
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []  # China is not the world
    other = ledger.claim(B, "140", "stores_count", 140, scope="China")
    rows = sql_check_rows(ledger.con, "same_time_claims_agree")
    assert [(sorted(r["claim_ids"]), r["scope"]) for r in rows] == [
        (sorted([china.claim_id, other.claim_id]), "China")
    ]
    assert "smart stores_count in China for 2025-06-24" in rows[0]["message"]


def test_amounts_in_two_currencies_are_not_compared(ledger: Ledger) -> None:
    two_documents(ledger, "revenue of 100 million", "2025-06-24", "revenue of 90", "2025-06-24")
    year = ("2024-01-01", "2024-12-31")
    ledger.claim(A, "100", "revenue", 100, period=year, unit="EUR")
    ledger.claim(B, "90", "revenue", 90, period=year, unit="GBP")
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []
    ledger.claim(B, "90", "revenue_usd", 90, period=year)  # not the same metric either
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


def test_one_document_against_itself_is_a_warning_not_this_error(ledger: Ledger) -> None:
    ledger.document(A, "2020-09-22", "120 of the stations were swaps; 209 of the stations")
    a = ledger.claim(A, "120", "stores_count", 120, scope="US")
    b = ledger.claim(A, "209", "stores_count", 209, scope="US")
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []
    rows = sql_check_rows(ledger.con, "document_agrees_with_itself")
    assert [(r["claim_ids"], r["relation"]) for r in rows] == [
        ([a.claim_id, b.claim_id], "disagrees")
    ]


def test_floors_never_disagree_but_bound_a_flow_from_below(ledger: Ledger) -> None:
    year = ("2025-01-01", "2025-08-21")
    two_documents(
        ledger,
        "its 40th market; its 100th new store",
        "2025-08-21",
        "its 42nd market; 95 new stores",
        "2025-08-21",
    )
    ledger.claim(A, "40th", "market_entry_ordinal", 40, qualifier="ordinal")
    ledger.claim(B, "42nd", "market_entry_ordinal", 42, qualifier="ordinal")
    hundredth = ledger.claim(A, "100th", "new_stores", 100, period=year, qualifier="ordinal")
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []
    fewer = ledger.claim(B, "95", "new_stores", 95, period=year)  # not even 100 this year
    rows = sql_check_rows(ledger.con, "same_time_claims_agree")
    assert [sorted(r["claim_ids"]) for r in rows] == [sorted([hundredth.claim_id, fewer.claim_id])]


def test_two_reports_of_now_published_a_day_apart_must_agree(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "is currently available in 93 countries",
        "2021-02-22",
        "345 million users across 95 countries",
        "2021-02-23",
    )
    a = ledger.claim(A, "93", "markets_count", 93, period_text="currently")
    b = ledger.claim(B, "95", "markets_count", 95)
    rows = sql_check_rows(ledger.con, "same_time_claims_agree")
    assert [(r["claim_ids"], r["relation"]) for r in rows] == [
        ([a.claim_id, b.claim_id], "published a day apart")
    ]
    assert rows[0]["message"] == (
        'smart markets_count: "93" (a.txt, as of 2021-02-22) disagrees with "95" (b.txt, '
        "as of 2021-02-23), documents published a day apart about the same moment"
    )


def test_reports_two_days_apart_or_about_another_day_are_not_compared(ledger: Ledger) -> None:
    two_documents(
        ledger,
        "is currently available in 93 countries",
        "2021-02-22",
        "95 countries; 96 countries at the end of 2020",
        "2021-02-24",
    )
    ledger.claim(A, "93", "markets_count", 93)
    ledger.claim(B, "95", "markets_count", 95)  # two days later: it may have grown
    ledger.document("c.txt", "2021-02-23", "it had 91 countries on February 1")
    ledger.claim("c.txt", "91", "markets_count", 91, period="2021-02-01")  # its own date
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
    ledger.document(B, "2025-01-02", "we start the year in 30 markets")
    flow = ledger.claim(A, "seven", "new_markets", 7, period=H1_2025)
    stock = ledger.claim(A, "38", "markets_count", 38)
    other = ledger.claim(B, "30", "markets_count", 30, period="2025-01-01")
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["quotes"], r["relation"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id, other.claim_id], ["seven", "38", "30"], "same time")
    ]
    # markets can be left, so seven entered and 38 at the end say at least 31 at the start
    assert (rows[0]["implied_lo"], rows[0]["implied_hi"]) == (31, INF)
    assert rows[0]["implied_at"] == date(2025, 1, 1)


def test_a_start_above_the_implied_floor_passes_for_a_count_that_can_fall(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", SEEDLIKE)
    ledger.document(B, "2025-01-02", "we start the year in 35 markets")
    ledger.claim(A, "seven", "new_markets", 7, period=H1_2025)
    ledger.claim(A, "38", "markets_count", 38)
    ledger.claim(B, "35", "markets_count", 35, period="2025-01-01")  # 35 + 7 - 4 left = 38
    assert sql_check_rows(ledger.con, "flow_matches_stock") == []


DELIVERED = "In H1 it delivered 7,000 cars, 38,000 since launch; 40,000 cars a year"


def test_implied_start_below_an_earlier_claim_of_a_count_that_cannot_fall_fails(
    ledger: Ledger,
) -> None:
    ledger.document(A, "2025-06-24", DELIVERED)
    ledger.document(B, "2024-01-19", "33,000 cars delivered since launch by the end of 2023")
    flow = ledger.claim(A, "7,000", "deliveries", 7000, period=H1_2025)
    stock = ledger.claim(A, "38,000", "cumulative_deliveries", 38000)
    earlier = ledger.claim(B, "33,000", "cumulative_deliveries", 33000, period="2023-12-31")
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["relation"], r["other_quote"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id, earlier.claim_id], "before", "33,000")
    ]
    assert (rows[0]["implied_lo"], rows[0]["implied_hi"]) == (31000, 31000)


def test_flow_larger_than_its_end_stock_fails(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", "it delivered 40,000 cars, 38,000 since launch")
    flow = ledger.claim(A, "40,000", "deliveries", 40000, period=H1_2025)
    stock = ledger.claim(A, "38,000", "cumulative_deliveries", 38000)
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["claim_ids"], r["quotes"], r["relation"]) for r in rows] == [
        ([flow.claim_id, stock.claim_id], ["40,000", "38,000"], "negative")
    ]


def test_more_markets_entered_than_operated_in_passes(ledger: Ledger) -> None:
    # 40 entered in H1 and 38 at its end: at least two were left, which markets can be
    ledger.document(A, "2025-06-24", "it entered 40 new markets and operates in 38 countries")
    ledger.claim(A, "40", "new_markets", 40, period=H1_2025)
    ledger.claim(A, "38", "markets_count", 38)
    assert sql_check_rows(ledger.con, "flow_matches_stock") == []


def test_a_flow_with_no_period_of_its_own_implies_no_start(ledger: Ledger) -> None:
    # "delivered 40,000 cars" with no words for when: dated by publication, not a day's flow
    ledger.document(A, "2025-06-24", "it delivered 40,000 cars, 38,000 since launch")
    ledger.claim(A, "40,000", "deliveries", 40000)
    ledger.claim(A, "38,000", "cumulative_deliveries", 38000)
    assert sql_check_rows(ledger.con, "flow_matches_stock") == []


def test_a_flow_implies_a_start_in_its_own_scope(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", "it delivered 7 cars in Europe; 3 ... and 5 in Europe")
    ledger.claim(A, "7", "deliveries", 7, period=H1_2025, scope="Europe")
    ledger.claim(A, "3", "cumulative_deliveries", 3)  # worldwide: 3 - 7 would be negative
    assert sql_check_rows(ledger.con, "flow_matches_stock") == []
    europe = ledger.claim(A, "5", "cumulative_deliveries", 5, scope="Europe")  # 5 - 7 is
    rows = sql_check_rows(ledger.con, "flow_matches_stock")
    assert [(r["quotes"], r["relation"], r["scope"]) for r in rows] == [
        (["7", "5"], "negative", "Europe")
    ]
    assert europe.claim_id in rows[0]["claim_ids"]
    assert rows[0]["message"].startswith('smart cumulative_deliveries in Europe: "7"')


# --- part_within_total and parts_sum_within_total ------------------------------------------

STORES = "580 stores: 300 in China, 200 in Europe and 80 elsewhere; 700 in Europe, 250 in Asia"


def stores_document(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", STORES)


def test_parts_within_and_summing_within_total_pass(ledger: Ledger) -> None:
    stores_document(ledger)
    ledger.claim(A, "580", "stores_count", 580)
    ledger.claim(A, "300", "stores_count", 300, scope="China")
    ledger.claim(A, "200", "stores_count", 200, scope="Europe")
    ledger.claim(A, "80", "stores_count", 80, scope="international")  # a segment: not summed
    assert sql_check_rows(ledger.con, "part_within_total") == []
    assert sql_check_rows(ledger.con, "parts_sum_within_total") == []
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


def test_a_china_count_above_the_global_count_fails(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", "580 stores worldwide")
    ledger.document(B, "2025-06-24", "700 stores in China")
    total = ledger.claim(A, "580", "stores_count", 580)
    china = ledger.claim(B, "700", "stores_count", 700, scope="China")
    rows = sql_check_rows(ledger.con, "part_within_total")
    assert [
        (r["claim_ids"], r["quotes"], r["files"], r["a_scope"], r["b_scope"]) for r in rows
    ] == [([china.claim_id, total.claim_id], ["700", "580"], [B, A], "China", "global")]
    assert rows[0]["message"] == (
        'smart: stores_count "700" in China (b.txt) exceeds "580" worldwide (a.txt) '
        "for 2025-06-24 to 2025-06-24"
    )
    # a different number for China and for the world is no disagreement about one fact
    assert sql_check_rows(ledger.con, "same_time_claims_agree") == []


def test_a_part_is_checked_against_every_scope_it_lies_within(ledger: Ledger) -> None:
    stores_document(ledger)
    ledger.document(B, "2025-06-24", "300 stores in China")
    world = ledger.claim(A, "580", "stores_count", 580)
    asia = ledger.claim(A, "250", "stores_count", 250, scope="Asia")
    china = ledger.claim(B, "300", "stores_count", 300, scope="China")  # within Asia: > 250
    rows = sql_check_rows(ledger.con, "part_within_total")
    assert [(r["claim_ids"], r["b_scope"]) for r in rows] == [
        ([china.claim_id, asia.claim_id], "Asia")
    ]
    assert world.claim_id not in rows[0]["claim_ids"]


def test_a_part_above_its_total_in_one_document_is_a_warning(ledger: Ledger) -> None:
    # "its 1,250 U.S. gyms ... nearly 100 clubs now open in Canada, Australia, ...": the
    # list of countries read as the world; the document does not mean a part above its total
    ledger.document(A, "2010-05-01", "its 1,250 U.S. gyms; nearly 100 clubs in five countries")
    us = ledger.claim(A, "1,250", "stores_count", 1250, scope="US")
    world = ledger.claim(A, "nearly 100", "stores_count", 95, 100, hi_open=True, qualifier="nearly")
    assert sql_check_rows(ledger.con, "part_within_total") == []
    rows = sql_check_rows(ledger.con, "document_agrees_with_itself")
    assert [(r["claim_ids"], r["relation"], r["quotes"]) for r in rows] == [
        ([us.claim_id, world.claim_id], "part exceeds total", ["1,250", "nearly 100"])
    ]


def test_no_part_exceeds_a_total_that_is_a_floor(ledger: Ledger) -> None:
    two_documents(ledger, "its 7th store in Beijing", "2011-10-25", "its 5th store", "2011-10-25")
    ledger.claim(A, "7th", "store_ordinal", 7, scope="Beijing", qualifier="ordinal")
    ledger.claim(B, "5th", "store_ordinal", 5, qualifier="ordinal")  # at least 5 worldwide
    assert sql_check_rows(ledger.con, "part_within_total") == []


def test_parts_are_compared_only_with_their_totals_at_the_same_time_and_metric(
    ledger: Ledger,
) -> None:
    ledger.document(A, "2025-06-24", "580 stores and 12 new stores; 700 stores in China")
    ledger.claim(A, "580", "stores_count", 580, period="2025-06-30")
    ledger.claim(A, "12", "new_stores", 12, period=("2025-01-01", "2025-06-24"))
    ledger.claim(A, "700", "stores_count", 700, scope="China")  # another date
    # 700 new stores worldwide: a flow, not a part of the stock of China
    ledger.claim(A, "700", "new_stores", 700, period=("2025-01-01", "2025-06-24"))
    assert sql_check_rows(ledger.con, "part_within_total") == []


def test_an_excluded_bound_at_the_total_fails(ledger: Ledger) -> None:
    two_documents(ledger, "over 580 stores in Europe", "2025-06-24", "580 stores", "2025-06-24")
    part = ledger.claim(A, "over 580", "stores_count", 580, INF, lo_open=True, scope="Europe")
    total = ledger.claim(B, "580", "stores_count", 580)
    rows = sql_check_rows(ledger.con, "part_within_total")
    assert [r["claim_ids"] for r in rows] == [[part.claim_id, total.claim_id]]


def test_parts_summing_past_their_total_fail(ledger: Ledger) -> None:
    stores_document(ledger)
    total = ledger.claim(A, "580", "stores_count", 580)
    china = ledger.claim(A, "300", "stores_count", 300, scope="China")  # within Asia, not global
    europe = ledger.claim(A, "200", "stores_count", 200, scope="Europe")
    assert sql_check_rows(ledger.con, "parts_sum_within_total") == []  # 200 alone: no sum
    asia = ledger.claim(A, "250", "stores_count", 250, scope="Asia")
    assert sql_check_rows(ledger.con, "parts_sum_within_total") == []  # 200 + 250 <= 580
    ledger.document(B, "2025-06-24", "400 stores in Asia")
    more_asia = ledger.claim(B, "400", "stores_count", 400, scope="Asia")  # 200 + 250 <= 580
    assert sql_check_rows(ledger.con, "parts_sum_within_total") == []  # Asia's lowest counts
    ledger.con.execute("delete from raw.claims where claim_id = ?", [asia.claim_id])
    rows = sql_check_rows(ledger.con, "parts_sum_within_total")  # 200 + 400 > 580
    assert [(r["claim_ids"], r["quotes"], r["lo"], r["total_scope"]) for r in rows] == [
        (
            [total.claim_id, more_asia.claim_id, europe.claim_id],
            ["580", "400", "200"],
            600,
            "global",
        )
    ]
    assert rows[0]["message"] == (
        'smart: stores_count "580" worldwide (a.txt) for 2025-06-24 to 2025-06-24 is below its '
        'parts Asia "400" + Europe "200", at least 600.0 together'
    )
    assert china.claim_id not in rows[0]["claim_ids"]


def test_parts_of_a_region_sum_within_it(ledger: Ledger) -> None:
    stores_document(ledger)
    asia = ledger.claim(A, "250", "stores_count", 250, scope="Asia")
    china = ledger.claim(A, "200", "stores_count", 200, scope="China", occurrence=1)
    assert sql_check_rows(ledger.con, "parts_sum_within_total") == []
    ledger.document(B, "2025-06-24", "80 stores in Japan")
    japan = ledger.claim(B, "80", "stores_count", 80, scope="Japan")  # 200 + 80 > 250
    rows = sql_check_rows(ledger.con, "parts_sum_within_total")
    assert [r["claim_ids"] for r in rows] == [[asia.claim_id, china.claim_id, japan.claim_id]]
    assert sql_check_rows(ledger.con, "part_within_total") == []  # each part alone fits


# --- subset_within_superset ---------------------------------------------------------------

CUSTOMERS = "38 million users, 25 million of them paying; 40 million paying users; UK: 50"


def test_subset_within_superset_passes(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", CUSTOMERS)
    ledger.claim(A, "38", "customers_count", 38)
    ledger.claim(A, "25", "paying_customers_count", 25)
    # paying customers in the UK are compared with customers in the UK only
    ledger.claim(A, "50", "paying_customers_count", 50, scope="UK")
    assert sql_check_rows(ledger.con, "subset_within_superset") == []


def test_subset_exceeding_superset_fails_in_its_scope(ledger: Ledger) -> None:
    ledger.document(A, "2025-06-24", CUSTOMERS)
    ledger.document(B, "2025-06-24", "39 million UK users")
    total = ledger.claim(A, "38", "customers_count", 38)
    paying = ledger.claim(A, "40", "paying_customers_count", 40)
    uk_total = ledger.claim(B, "39", "customers_count", 39, scope="UK")
    uk_paying = ledger.claim(A, "50", "paying_customers_count", 50, scope="UK")
    rows = sql_check_rows(ledger.con, "subset_within_superset")
    assert [(r["claim_ids"], r["quotes"], r["scope"]) for r in rows] == [
        ([uk_paying.claim_id, uk_total.claim_id], ["50", "39"], "UK"),
        ([paying.claim_id, total.claim_id], ["40", "38"], "global"),
    ]


def test_subset_against_a_later_superset_that_cannot_fall(ledger: Ledger) -> None:
    # no catalogue metric is a subset of one that cannot fall today: one made for the test
    ledger.document(A, "2025-06-24", "40 cars delivered to fleets; 38 cars delivered")
    ledger.document(B, "2025-09-01", "now 39 cars delivered")
    fleets = ledger.claim(A, "40", "cumulative_deliveries", 40)
    total = ledger.claim(A, "38", "cumulative_deliveries", 38, occurrence=1)
    later = ledger.claim(B, "39", "cumulative_deliveries", 39)  # deliveries only grow: < 40
    ledger.con.execute(
        "update raw.claims set metric = 'fleet_deliveries' where claim_id = ?", [fleets.claim_id]
    )
    prepare = sql_check_rows(ledger.con, "subset_within_superset")  # loads the catalogue
    assert prepare == []
    ledger.con.execute(
        """
        insert into staging.metric_catalogue by name
        select 'fleet_deliveries' as metric, 'deliveries' as family, 'units' as unit,
            'stock' as kind, false as can_fall, true as cumulative,
            'cumulative_deliveries' as subset_of
        """
    )
    spec = next(s for s in load_check_catalogue(CHECKS_DIR) if s.id == "subset_within_superset")
    relation = violating_rows(ledger.con, spec, CHECKS_DIR)
    rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert [(r["claim_ids"], r["quotes"]) for r in rows] == [
        ([fleets.claim_id, total.claim_id], ["40", "38"]),
        ([fleets.claim_id, later.claim_id], ["40", "39"]),
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


def test_a_plan_is_confirmed_only_in_its_scope(ledger: Ledger) -> None:
    ledger.document(A, "2026-01-05", "10 markets in Europe by 2026")
    ledger.document(B, "2027-02-01", "now in 10 markets; 10 in Europe")
    plan = ledger.claim(
        A, "10", "markets_count", 10, period="2026-12-31", status="planned", scope="Europe"
    )
    ledger.claim(B, "10", "markets_count", 10)  # worldwide: no confirmation
    rows = sql_check_rows(ledger.con, "planned_confirmed_when_due", as_of="2027-03-01")
    assert [(r["claim_ids"], r["plan_words"]) for r in rows] == [
        ([plan.claim_id], 'markets_count in Europe "10"')
    ]
    ledger.claim(B, "10", "markets_count", 10, scope="Europe", occurrence=2)
    assert sql_check_rows(ledger.con, "planned_confirmed_when_due", as_of="2027-03-01") == []


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
