"""Resolve, don't purge: the rules file, grouping violations into disputes, two sides, and each
rule deciding (or not), without DuckDB or the checks (flows/resolve/disputes.py, rules.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checks import CHECKS_DIR
from flows.resolve.disputes import (
    ClaimFacts,
    Named,
    decide,
    dispute_id,
    group_disputes,
    pivot_of,
    two_sides,
)
from flows.resolve.rules import (
    NO_RULES,
    OwnRelease,
    ResolutionRules,
    ResolutionRulesError,
    load_resolution_rules,
    plain,
)

RULES = load_resolution_rules(CHECKS_DIR)


def fact(
    claim_id: str,
    doc: str,
    on: str = "2025-06-30",
    publisher: str | None = None,
    can_fall: bool = False,
    own: bool = False,
    metric: str = "markets_count",
    scope: str = "global",
) -> ClaimFacts:
    day = date.fromisoformat(on)
    return ClaimFacts(
        claim_id=claim_id,
        doc_id=f"doc-{doc}",
        file=f"{doc}.txt",
        entity="smart",
        metric=metric,
        scope=scope,
        period_start=day,
        period_end=day,
        published_at=day,
        publisher=publisher,
        level_can_fall=can_fall,
        own_release=own,
    )


def against(a: str, b: str, severity: str = "error", check: str = "same_time_claims_agree"):
    return Named(check, severity, (a, b), f"{a} disagrees with {b}")


def by_id(*facts: ClaimFacts) -> dict[str, ClaimFacts]:
    return {f.claim_id: f for f in facts}


def each_in_its_document(*claim_ids: str) -> dict[str, ClaimFacts]:
    return by_id(*(fact(c, c) for c in claim_ids))


def verdict_of(facts: list[ClaimFacts], violations: list[Named], rules=RULES):
    (dispute,) = group_disputes(violations, by_id(*facts))
    return decide(dispute, by_id(*facts), rules)


# --- the rules file ----------------------------------------------------------------------------


def test_the_repositorys_rules_load_in_their_order() -> None:
    assert [r.id for r in RULES.rules] == [
        "later_level_supersedes",
        "independent_documents_agree",
        "own_release_outweighs_report",
    ]
    assert [r.method for r in RULES.rules] == ["later_level", "independent_sources", "own_release"]


def test_no_rules_file_means_every_dispute_is_a_tie(tmp_path: Path) -> None:
    assert load_resolution_rules(tmp_path) == NO_RULES
    facts = [fact("a", "1", publisher="P"), fact("b", "2", publisher="Q"), fact("c", "3")]
    verdict = verdict_of(facts, [against("a", "c"), against("b", "c")], NO_RULES)
    assert verdict.decision == "tie"
    assert set(verdict.sides.values()) == {"tied"}


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "rules:\n  - {id: x, method: independent_sources, description: d, min_source: 2}\n",
            "rule #1 ('x'), key 'min_source': found an unknown key (did you mean 'min_sources'?)",
        ),
        (
            "rules:\n  - {id: x, method: majority, description: d}\n",
            "rule #1 ('x'), key 'method': found 'majority'; expected one of 'later_level', "
            "'independent_sources', 'own_release'",
        ),
        (
            "rules:\n  - {id: x, method: own_release}\n",
            "rule #1 ('x'), key 'description': found nothing; expected a value",
        ),
        (
            "rules:\n  - {id: x, method: independent_sources, description: d, min_margin: 0}\n",
            "rule #1 ('x'), key 'min_margin': found 0; expected greater than or equal to 1",
        ),
        (
            "rules:\n  - {id: x, method: own_release, description: d}\n"
            "  - {id: x, method: later_level, description: d}\n",
            "top level, key 'rules'",
        ),
        (
            "own_release: {publisher_pattern: [x]}\n",
            "own_release, key 'publisher_pattern': found an unknown key (did you mean "
            "'publisher_patterns'?)",
        ),
        (
            "own_release: {publisher_patterns: ['(unclosed']}\n",
            "own_release, key 'publisher_patterns': found ['(unclosed']; expected a regular "
            "expression",
        ),
        ("rule: []\n", "top level, key 'rule': found an unknown key (did you mean 'rules'?)"),
    ],
)
def test_a_typo_names_the_file_the_rule_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "resolution.yaml").write_text(text)
    with pytest.raises(ResolutionRulesError) as error:
        load_resolution_rules(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'resolution.yaml'}: ")
    assert message in str(error.value)


def test_a_repeated_rule_id_is_refused(tmp_path: Path) -> None:
    (tmp_path / "resolution.yaml").write_text(
        "rules:\n  - {id: x, method: own_release, description: d}\n"
        "  - {id: x, method: later_level, description: d}\n"
    )
    with pytest.raises(ResolutionRulesError, match="'x' appears twice"):
        load_resolution_rules(tmp_path)


# --- telling an own release from a report -------------------------------------------------------


@pytest.mark.parametrize(
    "publisher,url,kind,expected",
    [
        ("Company Press Release (republished)", None, None, True),
        ("smart Newsroom", None, None, True),
        ("smart Europe", None, None, True),  # an alias of the entity
        ("The EV Report", "https://global.smart.com/en/news/1", None, True),
        ("The EV Report", "https://www.smart-europe-news.com/a", None, False),
        ("The EV Report", "https://theevreport.com/smart-drives-forward", None, False),
        ("The EV Report", None, "press_release", True),
        (None, None, None, False),
    ],
)
def test_own_release_from_publisher_url_or_kind(publisher, url, kind, expected) -> None:
    names = frozenset(plain(n) for n in ("smart", "smart Europe"))
    assert RULES.own_release.is_own_release(names, publisher, url, kind) is expected


def test_own_release_signals_can_be_switched_off() -> None:
    quiet = OwnRelease(publisher_names_entity=False, url_host_names_entity=False)
    names = frozenset({"smart"})
    assert not quiet.is_own_release(names, "smart", "https://smart.com/", None)


# --- disputes and their sides ------------------------------------------------------------------


def test_violations_naming_shared_claims_form_one_dispute_with_a_stable_id() -> None:
    violations = [
        against("c33", "a38"),
        against("c33", "b38"),
        against("x", "y"),
        Named("reported_claim_not_after_publication", "error", ("z",), "alone"),
    ]
    disputes = group_disputes(violations, each_in_its_document("a38", "b38", "c33", "x", "y", "z"))
    assert [d.claim_ids for d in disputes] == [("a38", "b38", "c33"), ("x", "y")]
    assert disputes[0].dispute_id == dispute_id(["c33", "b38", "a38"])
    assert len(disputes[0].violations) == 2


def test_a_dispute_is_an_error_if_any_of_its_violations_is() -> None:
    facts = each_in_its_document("a", "b", "c")
    (warned,) = group_disputes([against("a", "b", "warn")], facts)
    (mixed,) = group_disputes([against("a", "b", "warn"), against("a", "c", "error")], facts)
    assert (warned.severity, mixed.severity) == ("warn", "error")


def test_two_sides_when_every_violation_names_one_claim_of_each() -> None:
    facts = each_in_its_document("a", "b", "x", "y")
    (dispute,) = group_disputes([against("a", "x"), against("b", "x"), against("a", "y")], facts)
    sides = two_sides(dispute, facts)
    assert set(sides) == {frozenset({"a", "b"}), frozenset({"x", "y"})}


def test_a_documents_repeated_mentions_named_together_are_one_side() -> None:
    """A check may name one document's mentions of one fact together against another claim."""
    facts = by_id(fact("now38", "ev"), fact("footprint38", "ev"), fact("c33", "wire"))
    fell = Named("count_fell", "warn", ("footprint38", "now38", "c33"), "38 then 33")
    (dispute,) = group_disputes([fell], facts)
    assert set(two_sides(dispute, facts)) == {
        frozenset({"now38", "footprint38"}),
        frozenset({"c33"}),
    }


def test_a_part_against_its_total_is_no_dispute() -> None:
    facts = by_id(fact("china", "a", scope="China"), fact("world", "b"))
    assert group_disputes([against("china", "world", check="part_within_total")], facts) == []


def test_no_two_sides_for_three_values_that_all_disagree_or_a_wide_violation() -> None:
    facts = each_in_its_document("a", "b", "c")
    triangle = [against("a", "b"), against("b", "c"), against("a", "c")]
    (dispute,) = group_disputes(triangle, facts)
    assert two_sides(dispute, facts) == "three or more values disagree with each other"
    facts = each_in_its_document("flow", "end", "start")
    wide = Named("flow_matches_stock", "error", ("flow", "end", "start"), "implies 31, not 30")
    (dispute,) = group_disputes([wide], facts)
    assert two_sides(dispute, facts) == "flow_matches_stock names 3 claims of 3 documents"
    assert decide(dispute, facts, RULES).decision == "tie"


# --- each rule --------------------------------------------------------------------------------


def test_two_agreeing_independent_documents_outweigh_one() -> None:
    facts = [
        fact("a38", "ev", publisher="The EV Report"),
        fact("b38", "wire", publisher="Other Wire"),
        fact("c36", "blog", publisher="Rumour Mill"),
    ]
    verdict = verdict_of(facts, [against("a38", "c36"), against("b38", "c36")])
    assert verdict.rule_id == "independent_documents_agree"
    assert verdict.sides == {"a38": "kept", "b38": "kept", "c36": "outlier"}
    assert verdict.reason == (
        "2 independent sources agree (Other Wire; The EV Report) against 1 (Rumour Mill)"
    )


def test_two_documents_of_one_publisher_are_one_source() -> None:
    facts = [
        fact("a38", "wire-1", publisher="Test Wire"),
        fact("b38", "wire-2", publisher="test  wire"),
        fact("c36", "blog", publisher="Rumour Mill"),
    ]
    verdict = verdict_of(facts, [against("a38", "c36"), against("b38", "c36")])
    assert verdict.decision == "tie"
    assert verdict.reason == "no rule decided: 1 source (Test Wire) against 1 (Rumour Mill)"


def test_documents_without_a_publisher_count_one_each() -> None:
    facts = [fact("a38", "one"), fact("b38", "two"), fact("c36", "three")]
    verdict = verdict_of(facts, [against("a38", "c36"), against("b38", "c36")])
    assert verdict.sides["c36"] == "outlier"


def test_a_document_on_both_sides_is_nobodys_source() -> None:
    facts = [
        fact("a38", "self", publisher="Self"),
        fact("b38", "wire", publisher="Wire"),
        fact("c36", "self", publisher="Self"),  # the same document says 36 too
    ]
    verdict = verdict_of(facts, [against("a38", "c36"), against("b38", "c36")])
    assert verdict.decision == "tie"  # 1 source (Wire) against none: below min_sources


def test_for_one_date_the_companys_own_release_outweighs_a_report() -> None:
    facts = [
        fact("own40", "release", "2026-01-05", "Company Press Release", own=True),
        fact("wire41", "wire", "2026-01-05", "Test Wire"),
    ]
    verdict = verdict_of(facts, [against("own40", "wire41")])
    assert verdict.rule_id == "own_release_outweighs_report"
    assert verdict.sides == {"own40": "kept", "wire41": "outlier"}


def test_an_own_release_about_another_date_decides_nothing() -> None:
    facts = [
        fact("own40", "release", "2026-01-05", "Company Press Release", own=True),
        fact("wire39", "wire", "2026-02-01", "Test Wire"),
    ]
    verdict = verdict_of(facts, [against("own40", "wire39", check="cumulative_never_decreases")])
    assert verdict.decision == "tie"


def test_a_later_level_supersedes_only_where_the_count_can_fall() -> None:
    stores = [
        fact("s500", "a", "2024-06-30", "A", can_fall=True),
        fact("s450", "b", "2025-06-30", "B", can_fall=True),
    ]
    verdict = verdict_of(stores, [against("s500", "s450", "warn", "count_fell")])
    assert verdict.rule_id == "later_level_supersedes"
    assert verdict.sides == {"s450": "kept", "s500": "superseded"}
    assert verdict.reason == (
        "markets_count can fall: the level on 2025-06-30 supersedes the one on 2024-06-30"
    )
    entered = [
        fact("m40", "a", "2026-01-05", "A", can_fall=False),
        fact("m39", "b", "2026-02-01", "B", can_fall=False),
    ]
    assert verdict_of(entered, [against("m40", "m39")]).decision == "tie"


def test_rules_are_tried_in_the_files_order() -> None:
    """Three reports of 500 stores in 2024 and one of 450 in 2025: the later level supersedes
    (the first rule), though the earlier is stated by more sources (the second)."""
    facts = [
        fact("a", "1", "2024-06-30", "P1", can_fall=True),
        fact("b", "2", "2024-06-30", "P2", can_fall=True),
        fact("c", "3", "2024-06-30", "P3", can_fall=True),
        fact("late", "4", "2025-06-30", "P4", can_fall=True),
    ]
    violations = [against(x, "late", "warn", "count_fell") for x in "abc"]
    assert verdict_of(facts, violations).rule_id == "later_level_supersedes"
    majority_first = ResolutionRules(rules=(RULES.rules[1], RULES.rules[0]))
    verdict = verdict_of(facts, violations, majority_first)
    assert verdict.rule_id == "independent_documents_agree"
    assert verdict.sides["late"] == "outlier"


def test_the_pivot_is_the_claim_named_most_else_the_losing_newcomer() -> None:
    facts = [
        fact("a38", "ev", publisher="The EV Report"),
        fact("b38", "wire", publisher="Other Wire"),
        fact("c36", "blog", "2025-07-04", publisher="Rumour Mill"),
    ]
    violations = [against("a38", "c36"), against("b38", "c36")]
    known = by_id(*facts)
    (dispute,) = group_disputes(violations, known)
    assert pivot_of(dispute, decide(dispute, known, RULES), known) == "c36"
    (pair,) = group_disputes([against("a38", "c36")], known)
    assert pivot_of(pair, decide(pair, known, RULES), known) == "c36"  # tied: the newer one
