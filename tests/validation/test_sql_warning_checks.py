"""The warning checks of issue 14, both ways: a suspicious pair is reported with its claims,
quotes and relation, and a look-alike consistent pair is not (count_fell, plan_vs_actual,
qualifier_drift, milestone_date_disagree, segment_equals_total, document_agrees_with_itself).
Each warns: it quarantines nothing (checks/catalogue.yaml)."""

from __future__ import annotations

from checks import CHECKS_DIR
from checks.registry import load_check_catalogue
from validation.ledger import INF, Ledger, sql_check_rows

A = "a.txt"
B = "b.txt"
C = "c.txt"
FIVE_YEARS = {"2023": ("2018-08-22", "2023-08-22"), "2024": ("2019-07-17", "2024-07-17")}


def named(rows: list[dict]) -> list[tuple]:
    return [(r["claim_ids"], r["quotes"], r.get("relation")) for r in rows]


def test_the_new_checks_warn() -> None:
    severities = {s.id: s.severity for s in load_check_catalogue(CHECKS_DIR)}
    new = [
        "count_fell",
        "plan_vs_actual",
        "qualifier_drift",
        "milestone_date_disagree",
        "segment_equals_total",
        "document_agrees_with_itself",
    ]
    assert {check: severities[check] for check in new} == dict.fromkeys(new, "warn")


# --- count_fell ---------------------------------------------------------------------------


def test_countries_operated_in_falling_warns(ledger: Ledger) -> None:
    ledger.document(A, "2022-08-10", "in all 50 states and 70 countries")
    ledger.document(B, "2023-08-22", "in all 50 states and 60 countries")
    seventy = ledger.claim(A, "70 countries", "markets_count", 70)
    sixty = ledger.claim(B, "60 countries", "markets_count", 60)
    rows = sql_check_rows(ledger.con, "count_fell")
    assert named(rows) == [
        ([seventy.claim_id, sixty.claim_id], ["70 countries", "60 countries"], "level fell")
    ]
    assert rows[0]["message"] == (
        'smart: markets_count "60 countries" (2023-08-22 to 2023-08-22, b.txt) fell below '
        'markets_count "70 countries" (2022-08-10 to 2022-08-10, a.txt)'
    )


def test_a_figure_written_lower_warns_though_the_intervals_overlap(ledger: Ledger) -> None:
    # "over 60" allows 70, but a writer with 70 to tell would have said so
    ledger.document(A, "2022-08-10", "70 countries")
    ledger.document(B, "2025-08-21", "in over 60 countries; nearly 5,200 stores")
    ledger.claim(A, "70", "markets_count", 70)
    over_sixty = ledger.claim(B, "over 60", "markets_count", 60, INF, lo_open=True)
    assert [r["claim_ids"][1] for r in sql_check_rows(ledger.con, "count_fell")] == [
        over_sixty.claim_id
    ]


def test_a_count_that_grows_or_is_restated_the_same_day_passes(ledger: Ledger) -> None:
    ledger.document(A, "2022-08-10", "70 countries; 60 countries in Europe")
    ledger.document(B, "2023-08-22", "over 70 countries, 75 countries")
    ledger.claim(A, "70 countries", "markets_count", 70)
    ledger.claim(A, "60 countries", "markets_count", 60, scope="Europe")  # another series
    ledger.claim(B, "over 70", "markets_count", 70, INF, lo_open=True)  # as written: no fall
    ledger.claim(B, "75", "markets_count", 75)
    ledger.claim(B, "70 countries", "markets_count", 65, period="2022-08-10")  # same day
    assert sql_check_rows(ledger.con, "count_fell") == []


def test_a_fall_proved_for_a_count_that_cannot_fall_is_the_error_alone(ledger: Ledger) -> None:
    ledger.document(A, "2024-01-19", "900 cars delivered since launch")
    ledger.document(B, "2025-01-19", "800 cars delivered since launch")
    ledger.claim(A, "900", "cumulative_deliveries", 900)
    ledger.claim(B, "800", "cumulative_deliveries", 800)
    assert sql_check_rows(ledger.con, "count_fell") == []
    assert len(sql_check_rows(ledger.con, "cumulative_never_decreases")) == 1


MILESTONE_DAY = "Today it celebrated its 30,000th store. Today, with more than 25,000 stores"


def test_a_level_below_a_milestone_of_the_same_day_warns_once(ledger: Ledger) -> None:
    ledger.document(A, "2019-03-18", MILESTONE_DAY + "; its 30,000th store")
    milestone = ledger.claim(A, "30,000th", "store_ordinal", 30000, qualifier="ordinal")
    again = ledger.claim(A, "30,000th", "store_ordinal", 30000, qualifier="ordinal", occurrence=2)
    level = ledger.claim(A, "more than 25,000", "stores_count", 25000, INF, lo_open=True)
    rows = sql_check_rows(ledger.con, "count_fell")
    # two mentions of one milestone in one document are one fact: one row names both
    assert [(sorted(r["claim_ids"][:2]), r["claim_ids"][2:], r["relation"]) for r in rows] == [
        (sorted([milestone.claim_id, again.claim_id]), [level.claim_id], "below a milestone")
    ]


def test_a_level_above_or_before_the_milestone_passes(ledger: Ledger) -> None:
    ledger.document(A, "2019-03-18", MILESTONE_DAY)
    ledger.document(B, "2018-01-02", "more than 25,000 stores")
    ledger.claim(A, "30,000th", "store_ordinal", 30000, qualifier="ordinal")
    ledger.claim(B, "more than 25,000", "stores_count", 25000, INF, lo_open=True)  # before
    ledger.claim(A, "25,000", "stores_count", 30500)  # at least the 30,000th: no fall
    assert sql_check_rows(ledger.con, "count_fell") == []


ROLLING = "has opened more than 1,100 stores in the past five years"


def test_a_rolling_window_falling_warns(ledger: Ledger) -> None:
    ledger.document(A, "2023-08-22", ROLLING)
    ledger.document(B, "2024-07-17", "has opened more than 900 new stores in the past five years")
    earlier = ledger.claim(
        A, "more than 1,100", "new_stores", 1100, INF, lo_open=True, period=FIVE_YEARS["2023"]
    )
    later = ledger.claim(
        B, "more than 900", "new_stores", 900, INF, lo_open=True, period=FIVE_YEARS["2024"]
    )
    assert named(sql_check_rows(ledger.con, "count_fell")) == [
        ([earlier.claim_id, later.claim_id], ["more than 1,100", "more than 900"], "window fell")
    ]


def test_flows_of_other_lengths_or_disjoint_windows_are_not_compared(ledger: Ledger) -> None:
    ledger.document(A, "2023-08-22", ROLLING)
    ledger.document(B, "2024-07-17", "111 new stores; its 100th new store; 203 last year")
    ledger.claim(
        A, "more than 1,100", "new_stores", 1100, INF, lo_open=True, period=FIVE_YEARS["2023"]
    )
    ledger.claim(B, "111", "new_stores", 111, period=("2024-01-01", "2024-06-30"))  # half-year
    ledger.claim(  # a year to date: another kind of count
        B, "100th", "new_stores", 100, period=("2024-01-01", "2024-07-17"), qualifier="ordinal"
    )
    ledger.claim(B, "203", "new_stores", 203, period=("2023-01-01", "2023-12-31"))
    ledger.document(C, "2025-01-02", "150 new stores in 2024")  # the next year: may slow
    ledger.claim(C, "150", "new_stores", 150, period=("2024-01-01", "2024-12-31"))
    assert sql_check_rows(ledger.con, "count_fell") == []


# --- plan_vs_actual -----------------------------------------------------------------------

HIRING = "doubled to more than 3000 employees, hiring 700 more employees by the end of 2022"


def hiring_plan(ledger: Ledger, later_text: str, later: float, hi: float | None = None):
    ledger.document(A, "2022-08-30", HIRING)
    ledger.document(B, "2023-07-18", later_text)
    start = ledger.claim(A, "more than 3000", "employees", 3000, INF, lo_open=True)
    plan = ledger.claim(
        A,
        "700 more employees",
        "new_jobs",
        700,
        period=("2022-08-30", "2022-12-31"),
        status="planned",
    )
    actual = ledger.claim(
        B, later_text.split(" employees")[0], "employees", later, hi, lo_open=hi is not None
    )
    return plan, start, actual


def test_a_planned_hiring_not_seen_in_the_later_headcount_warns(ledger: Ledger) -> None:
    plan, start, actual = hiring_plan(ledger, "over 3,000 employees", 3000, INF)
    rows = sql_check_rows(ledger.con, "plan_vs_actual", as_of="2026-11-01")
    assert named(rows) == [
        (
            [plan.claim_id, start.claim_id, actual.claim_id],
            ["700 more employees", "more than 3000", "over 3,000"],
            "level below plan and start",
        )
    ]
    assert rows[0]["expected"] == 3700
    assert rows[0]["message"] == (
        'smart: planned new_jobs "700 more employees" by 2022-12-31 (a.txt) on top of '
        'employees "more than 3000" (2022-08-30, a.txt), but employees "over 3,000" '
        "(2023-07-18 to 2023-07-18, b.txt) is below 3700.0"
    )


def test_a_plan_met_or_not_yet_due_passes(ledger: Ledger) -> None:
    hiring_plan(ledger, "4,000 employees", 4000)
    assert sql_check_rows(ledger.con, "plan_vs_actual", as_of="2026-11-01") == []
    assert sql_check_rows(ledger.con, "plan_vs_actual", as_of="2022-12-01") == []


EXPANSION = (
    "in 18 countries; plans to add another five countries in the coming weeks; agreements "
    "signed for 9 additional countries; five countries added"
)
COMING_WEEKS = ("2022-04-14", "2022-05-05")


def expansion_plan(ledger: Ledger, later: float):
    ledger.document(A, "2022-04-14", EXPANSION)
    ledger.document(B, "2023-02-15", f"across {later:.0f} countries")
    base = ledger.claim(A, "18 countries", "markets_count", 18)
    plan = ledger.claim(
        A, "another five countries", "new_markets", 5, period=COMING_WEEKS, status="planned"
    )
    added = ledger.claim(A, "9 additional countries", "new_markets", 9)
    ledger.claim(A, "five countries added", "new_markets", 5)  # the plan again: not added twice
    actual = ledger.claim(B, f"{later:.0f} countries", "markets_count", later)
    return plan, base, added, actual


def test_additions_announced_beside_a_plan_count_toward_it(ledger: Ledger) -> None:
    plan, base, added, actual = expansion_plan(ledger, 27)  # 18 + 5 + 9 = 32 expected
    rows = sql_check_rows(ledger.con, "plan_vs_actual")
    assert named(rows) == [
        (
            [plan.claim_id, base.claim_id, added.claim_id, actual.claim_id],
            ["another five countries", "18 countries", "9 additional countries", "27 countries"],
            "level below plan and start",
        )
    ]
    assert rows[0]["expected"] == 32
    assert (
        '"18 countries" (2022-04-14, a.txt) and "9 additional countries" announced'
        in (rows[0]["message"])
    )


def test_a_later_level_with_every_addition_passes(ledger: Ledger) -> None:
    expansion_plan(ledger, 33)
    assert sql_check_rows(ledger.con, "plan_vs_actual") == []


def test_a_plan_with_no_date_of_its_own_has_no_deadline(ledger: Ledger) -> None:
    # "plans to launch in over 80 more countries", dated by its publication day: not due then,
    # so the 95 countries the same report states are no shortfall
    ledger.document(A, "2021-02-23", "95 countries; plans to launch in over 80 more countries")
    ledger.claim(A, "95", "markets_count", 95)
    ledger.claim(A, "over 80", "new_markets", 80, INF, lo_open=True, status="planned")
    ledger.document(B, "2021-03-01", "96 countries")
    ledger.claim(B, "96", "markets_count", 96)
    assert sql_check_rows(ledger.con, "plan_vs_actual") == []


def test_a_planned_level_below_the_first_level_after_its_deadline_warns(ledger: Ledger) -> None:
    ledger.document(A, "2018-05-01", "6,000 stores by September 2022")
    ledger.document(B, "2023-01-05", "5,500 stores; 6,100 stores in 2024")
    plan = ledger.claim(A, "6,000", "stores_count", 6000, period="2022-09-30", status="planned")
    actual = ledger.claim(B, "5,500", "stores_count", 5500)
    ledger.claim(B, "6,100", "stores_count", 6100, period="2024-06-30")  # not the first after
    assert named(sql_check_rows(ledger.con, "plan_vs_actual")) == [
        ([plan.claim_id, actual.claim_id], ["6,000", "5,500"], "level below plan")
    ]


def test_a_planned_level_reached_or_met_by_a_milestone_passes(ledger: Ledger) -> None:
    ledger.document(A, "2018-05-01", "6,000 stores by September 2022")
    ledger.document(B, "2022-09-27", "its 6,000th store; 6,000 stores")
    ledger.claim(A, "6,000", "stores_count", 6000, period="2022-09-30", status="planned")
    ledger.claim(B, "6,000th", "store_ordinal", 6000, qualifier="ordinal")  # a floor
    ledger.claim(B, "6,000 stores", "stores_count", 6000, period="2022-10-01")
    assert sql_check_rows(ledger.con, "plan_vs_actual") == []


def test_a_planned_flow_against_a_flow_over_a_longer_period(ledger: Ledger) -> None:
    ledger.document(A, "2023-08-22", "is planning to open more than 170 by the end of the year")
    ledger.document(B, "2024-07-17", "203 last year; 150 the year before")
    plan = ledger.claim(
        A,
        "more than 170",
        "new_stores",
        170,
        INF,
        lo_open=True,
        period=("2023-08-22", "2023-12-31"),
        status="planned",
    )
    ledger.claim(B, "203", "new_stores", 203, period=("2023-01-01", "2023-12-31"))
    assert sql_check_rows(ledger.con, "plan_vs_actual") == []  # met
    ledger.con.execute("update raw.claims set value_lo = 150, value_hi = 150 where quote = '203'")
    rows = sql_check_rows(ledger.con, "plan_vs_actual")
    assert [(r["claim_ids"][0], r["relation"]) for r in rows] == [
        (plan.claim_id, "flow below plan")
    ]


# --- qualifier_drift ----------------------------------------------------------------------


def test_a_figure_stated_with_and_without_over_warns(ledger: Ledger) -> None:
    ledger.document(A, "2022-08-30", "operations in 45 countries")
    ledger.document(B, "2023-07-18", "Bolt operates in over 45 countries")
    plain = ledger.claim(A, "45 countries", "markets_count", 45)
    hedged = ledger.claim(B, "over 45 countries", "markets_count", 45, INF, lo_open=True)
    rows = sql_check_rows(ledger.con, "qualifier_drift")
    assert [(r["claim_ids"], r["a_qualifier"], r["b_qualifier"]) for r in rows] == [
        ([plain.claim_id, hedged.claim_id], "exact", "over")
    ]


def test_other_figures_statuses_or_periods_are_no_drift(ledger: Ledger) -> None:
    ledger.document(A, "2022-08-30", "45 countries; 100 new stores in 2022")
    ledger.document(B, "2023-07-18", "over 50 countries; 45 countries; will be over 45 countries")
    ledger.claim(A, "45 countries", "markets_count", 45)
    ledger.claim(B, "over 50", "markets_count", 50, INF, lo_open=True)  # another figure
    ledger.claim(B, "45 countries", "markets_count", 45)  # the same qualifier
    ledger.claim(  # a plan of the figure
        B,
        "over 45 countries",
        "markets_count",
        45,
        INF,
        lo_open=True,
        status="planned",
        period="2023-12-31",
    )
    ledger.claim(A, "100 new stores", "new_stores", 100, period=("2022-01-01", "2022-08-30"))
    ledger.document(C, "2023-08-22", "over 100 new stores in 2023")
    ledger.claim(  # flows over another period
        C,
        "over 100 new stores",
        "new_stores",
        100,
        INF,
        lo_open=True,
        period=("2023-01-01", "2023-08-22"),
    )
    assert sql_check_rows(ledger.con, "qualifier_drift") == []


# --- milestone_date_disagree --------------------------------------------------------------


def test_one_milestone_dated_days_apart_by_two_documents_warns(ledger: Ledger) -> None:
    ledger.document(A, "2022-09-27", "Starbucks Tuesday celebrated its 6,000th store")
    ledger.document(B, "2022-09-27", "to inaugurate its 6,000th store on September 30")
    celebrated = ledger.claim(
        A,
        "6,000th",
        "store_ordinal",
        6000,
        scope="China",
        qualifier="ordinal",
        period_text="Tuesday",
    )
    inaugurated = ledger.claim(
        B,
        "6,000th",
        "store_ordinal",
        6000,
        scope="China",
        qualifier="ordinal",
        period="2022-09-30",
        period_text="on September 30",
        status="planned",
    )
    rows = sql_check_rows(ledger.con, "milestone_date_disagree")
    assert named(rows) == [([celebrated.claim_id, inaugurated.claim_id], ["6,000th"] * 2, None)]
    assert rows[0]["message"] == (
        'smart in China: planned store_ordinal "6,000th" is dated 2022-09-30 to 2022-09-30 '
        '(b.txt), but store_ordinal "6,000th" was stated for 2022-09-27 to 2022-09-27 (a.txt)'
    )


def test_a_level_of_n_before_the_nth_is_dated_warns(ledger: Ledger) -> None:
    ledger.document(A, "2022-09-27", "the first city in the world to have 1,000 Starbucks stores")
    ledger.document(B, "2022-09-30", "On September 30 it opened its 1,000th store in Shanghai")
    level = ledger.claim(A, "1,000 Starbucks stores", "stores_count", 1000, scope="Shanghai")
    milestone = ledger.claim(
        B,
        "1,000th",
        "store_ordinal",
        1000,
        scope="Shanghai",
        qualifier="ordinal",
        period_text="On September 30",
    )
    assert named(sql_check_rows(ledger.con, "milestone_date_disagree")) == [
        ([level.claim_id, milestone.claim_id], ["1,000 Starbucks stores", "1,000th"], None)
    ]


def test_milestones_dated_alike_by_publication_or_as_history_pass(ledger: Ledger) -> None:
    ledger.document(A, "2011-10-25", "its 500th store, celebrated today")
    ledger.document(B, "2019-03-18", "It all started with our first store; today our 30,000th")
    ledger.document(C, "2011-10-30", "its 500th store")
    ledger.claim(A, "500th", "store_ordinal", 500, qualifier="ordinal", period_text="today")
    # "our first store" in 2019 is history its document recalls beside its 30,000th
    ledger.claim(B, "first", "store_ordinal", 1, qualifier="ordinal", period_text="today")
    ledger.claim(B, "30,000th", "store_ordinal", 30000, qualifier="ordinal", period_text="today")
    # dated only by its publication day: it says nothing of when the 500th opened
    ledger.claim(C, "500th", "store_ordinal", 500, qualifier="ordinal")
    assert sql_check_rows(ledger.con, "milestone_date_disagree") == []


# --- segment_equals_total -----------------------------------------------------------------

CARIBOU = "its 100th international operating location; Caribou's 100th operating coffeehouse"


def test_a_segment_with_the_figure_of_its_whole_warns(ledger: Ledger) -> None:
    ledger.document(A, "2012-05-30", CARIBOU)
    day = "2012-05-10"
    international = ledger.claim(
        A,
        "100th international",
        "store_ordinal",
        100,
        scope="international",
        period=day,
        qualifier="ordinal",
    )
    overall = ledger.claim(
        A, "100th operating", "store_ordinal", 100, period=day, qualifier="ordinal"
    )
    rows = sql_check_rows(ledger.con, "segment_equals_total")
    assert [(r["claim_ids"], r["a_scope"], r["b_scope"]) for r in rows] == [
        ([international.claim_id, overall.claim_id], "international", "global")
    ]


def test_a_region_equal_to_its_whole_or_a_segment_below_it_passes(ledger: Ledger) -> None:
    ledger.document(A, "2012-05-30", "120 stores, all 120 in the US; 100 international, 400")
    ledger.claim(A, "120 stores", "stores_count", 120)
    ledger.claim(A, "all 120", "stores_count", 120, scope="US")  # a chain in one country
    ledger.claim(A, "100 international", "stores_count", 100, scope="international")
    ledger.claim(A, "400", "stores_count", 400, period="2012-01-01")  # another day
    assert sql_check_rows(ledger.con, "segment_equals_total") == []


# --- document_agrees_with_itself ----------------------------------------------------------
# (its other cases beside the checks they soften, in test_sql_checks.py)


def test_two_documents_or_overlapping_figures_are_not_its_business(ledger: Ledger) -> None:
    ledger.document(A, "2020-09-22", "120 stations; over 100 stations; 300 in the US")
    ledger.document(B, "2020-09-22", "209 stations")
    ledger.claim(A, "120", "stores_count", 120, scope="US")
    ledger.claim(A, "over 100", "stores_count", 100, INF, lo_open=True, scope="US")
    ledger.claim(A, "300", "stores_count", 300, scope="US", period="2020-08-31")  # other day
    ledger.claim(B, "209", "stores_count", 209, scope="US")  # another document: an error
    assert sql_check_rows(ledger.con, "document_agrees_with_itself") == []
    assert len(sql_check_rows(ledger.con, "same_time_claims_agree")) == 1
