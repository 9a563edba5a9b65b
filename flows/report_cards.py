"""One cause, one card: the report's violations grouped by the claim they turn on.

A card is a dispute of the run (flows/resolve: the claims its failed checks set against each
other), headed by the claim it turns on, with which side the resolution kept and why, and the
published value of its points before and after the run where the run changed it. A violation
that names one claim (or event) and no dispute is a card of that row. Violations naming no
row, and excepted ones, stay with their check.

Built from what report.py already gathered (the failures, each side in context) and the
publication's audit.disputes, audit.dispute_claims, audit.resolution_rules and
audit.timeline_changes: plain dicts, the same in report.json and on the page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

KEPT_SIDE = "kept"
LOSING_SIDES = ("outlier", "superseded")


def build_cards(
    con: duckdb.DuckDBPyConnection, run_id: str, failures: list[dict]
) -> list[dict[str, Any]]:
    """The run's cards, errors first, then by entity, metric and headline."""
    disputes = {d["dispute_id"]: d for d in rows(con, DISPUTES_SQL, run_id)}
    side_of = {r["claim_id"]: r for r in rows(con, DISPUTE_CLAIMS_SQL, run_id)}
    changes = rows(con, CHANGES_SQL, run_id)
    grouped: dict[str, list[dict]] = defaultdict(list)
    for check in failures:
        for group in check["groups"]:
            for violation in group["violations"]:
                key = card_key(violation, side_of)
                if key is not None:
                    grouped[key].append(
                        violation | {"check_id": check["check_id"], "severity": check["severity"]}
                    )
    cards = [
        card(key, violations, disputes.get(key), side_of, changes)
        for key, violations in grouped.items()
    ]
    return sorted(
        cards,
        key=lambda c: (
            c["severity"] != "error",
            c["entity"],
            c["metric"] or "",
            c["headline"],
            c["card_id"],
        ),
    )


def card_key(violation: dict, side_of: dict[str, dict]) -> str | None:
    """The card a failed violation belongs to: the dispute all its rows are in, else its first
    row's own card (a part against its total is no dispute); None for an excepted violation or
    one naming no row (they stay with their check)."""
    ids = violation["claim_ids"]
    if violation["status"] != "fail" or not ids:
        return None
    disputes = {side_of[i]["dispute_id"] for i in ids if i in side_of}
    if len(disputes) == 1 and all(i in side_of for i in ids):
        return disputes.pop()
    return f"row-{ids[0]}"


def card(
    key: str,
    violations: list[dict],
    dispute: dict | None,
    side_of: dict[str, dict],
    changes: list[dict],
) -> dict[str, Any]:
    named = rows_named(violations, side_of, key if dispute else None)
    pivot = named[dispute["pivot_claim_id"]] if dispute else named[violations[0]["claim_ids"][0]]
    against = opponents(pivot["id"], violations, named)
    documents = len({named[i]["file"] for i in against})
    severity = "error" if any(v["severity"] == "error" for v in violations) else "warn"
    return {
        "card_id": key,
        "severity": severity,
        "entity": pivot.get("entity") or violations[0]["entity"],
        "metric": pivot.get("metric"),
        "scope": pivot.get("scope"),
        "headline": headline(pivot, len(against), documents, violations),
        "pivot": pivot,
        "against": {"claims": len(against), "documents": documents},
        "checks": sorted({v["check_id"] for v in violations}),
        "resolution": resolution(dispute, severity) if dispute else None,
        "rows": sorted(named.values(), key=row_order),
        "violation_nos": [v["violation_no"] for v in violations],
        "violations": [
            {k: v[k] for k in ("check_id", "severity", "message", "claim_ids")} for v in violations
        ],
        "changes": changes_of(named.values(), changes),
    }


def rows_named(
    violations: list[dict], side_of: dict[str, dict], dispute_id: str | None
) -> dict[str, dict]:
    """Every claim or event the card's violations name, once, with its side in the card's
    dispute (None on a card of one row: a side in another dispute is that card's)."""
    found: dict[str, dict] = {}
    for violation in violations:
        for side in violation["sides"]:
            if side["id"] is None or side["id"] in found:
                continue
            found[side["id"]] = {
                k: side.get(k)
                for k in (
                    "id",
                    "entity",
                    "metric",
                    "scope",
                    "value_text",
                    "quote",
                    "file",
                    "publisher",
                    "published_at",
                    "period_end",
                    "state",
                )
            } | {"side": side_in(side["id"], side_of, dispute_id)}
    return found


def side_in(row_id: str, side_of: dict[str, dict], dispute_id: str | None) -> str | None:
    found = side_of.get(row_id)
    return found["side"] if found and found["dispute_id"] == dispute_id else None


def opponents(pivot: str, violations: list[dict], named: dict[str, dict]) -> list[str]:
    """The rows the pivot is named against (with it, in one violation)."""
    return sorted(
        {
            i
            for v in violations
            if pivot in v["claim_ids"]
            for i in v["claim_ids"]
            if i != pivot and i in named
        }
    )


def headline(pivot: dict, claims: int, documents: int, violations: list[dict]) -> str:
    """'"now operates in 33 countries", 2026-04-10, contradicts 4 claims from 2 documents'."""
    said = f"\u201c{pivot['quote']}\u201d, {pivot['period_end'] or pivot['published_at']}"
    if claims:
        return f"{said}, contradicts {plural(claims, 'claim')} from {plural(documents, 'document')}"
    if len(violations) == 1:
        return f"{said}: {violations[0]['message']}"
    checks = sorted({v["check_id"] for v in violations})
    return f"{said}, fails {plural(len(checks), 'check')}: {', '.join(checks)}"


def resolution(dispute: dict, severity: str) -> dict[str, Any]:
    """Which side the dispute's resolution chose, by which rule and why, and what that did."""
    tie = dispute["decision"] == "tie"
    if severity == "error":
        effect = (
            "every claim an error-severity check named is quarantined, on both sides"
            if tie
            else "the kept side stays published, marked disputed; the other side is quarantined"
        )
    else:
        effect = "warnings only: nothing is quarantined, every side stays published"
    return {
        "dispute_id": dispute["dispute_id"],
        "decision": dispute["decision"],
        "rule_id": dispute["rule_id"],
        "rule": dispute["rule_description"],
        "reason": dispute["reason"],
        "effect": effect,
    }


def changes_of(named: Any, changes: list[dict]) -> list[dict]:
    """The timeline points of the card's claims whose published value or mark the run changed."""
    points = {(r["entity"], r["metric"], r["scope"], r["period_end"]) for r in named}
    return [c for c in changes if (c["entity"], c["metric"], c["scope"], c["period_end"]) in points]


def row_order(row: dict) -> tuple:
    side_rank = {KEPT_SIDE: 0, "tied": 1, **dict.fromkeys(LOSING_SIDES, 2)}
    return (side_rank.get(row["side"], 3), row["period_end"] or "", row["file"] or "", row["id"])


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def rows(con: duckdb.DuckDBPyConnection, sql: str, run_id: str) -> list[dict]:
    cursor = con.execute(sql, {"run_id": run_id})
    names = [c[0] for c in cursor.description]
    return [
        {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in zip(names, r, strict=True)
        }
        for r in cursor.fetchall()
    ]


DISPUTES_SQL = """
select disputes.dispute_id, disputes.pivot_claim_id, disputes.decision, disputes.rule_id,
    disputes.reason, rules.description as rule_description
from audit.disputes as disputes
left join audit.resolution_rules as rules using (rule_id)
where disputes.run_id = $run_id
order by disputes.dispute_id
"""

DISPUTE_CLAIMS_SQL = """
select claim_id, dispute_id, side
from audit.dispute_claims
where run_id = $run_id
order by dispute_id, claim_id
"""

CHANGES_SQL = """
select change, entity, metric, scope, unit, period_start, period_end, value_before,
    value_after, dispute_before, dispute_after
from audit.timeline_changes
where run_id = $run_id
order by entity, metric, scope, unit, period_end, period_start
"""
