"""Resolve, don't purge: decide the outlier of each dispute, so that only it is quarantined.

`resolve_disputes` reads this run's failed violations from audit.violations, groups the claims
they set against each other into disputes, decides each with the rules of
checks/resolution.yaml, and records the outcome in audit.disputes (one row per dispute) and
audit.dispute_claims (one row per claim: kept, outlier or tied). The validate stage then
quarantines what an error-severity check named, except the kept side (flows/validate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.catalogue import Catalogue
from flows.resolve.disputes import (
    ClaimFacts,
    Dispute,
    Named,
    Verdict,
    decide,
    group_disputes,
    pivot_of,
)
from flows.resolve.rules import (
    RULES_FILE,
    ResolutionRules,
    ResolutionRulesError,
    load_resolution_rules,
    plain,
)

__all__ = [
    "RULES_FILE",
    "ResolutionRules",
    "ResolutionRulesError",
    "Resolved",
    "load_resolution_rules",
    "resolve_disputes",
]

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class Resolved:
    """How many disputes this run had, and how they ended."""

    disputes: int
    resolved: int  # a rule picked a side
    tied: int


def resolve_disputes(
    con: duckdb.DuckDBPyConnection, run_id: str, rules: ResolutionRules, catalogue: Catalogue
) -> Resolved:
    """Group, decide and record this run's disputes (see the module's docstring)."""
    violations = failed_violations(con, run_id)
    claim_ids = sorted({c for v in violations for c in v.claim_ids})
    facts = claim_facts(con, claim_ids, rules, catalogue)
    disputes = group_disputes(violations, facts)
    verdicts = [decide(d, facts, rules) for d in disputes]
    record(con, run_id, disputes, verdicts, facts)
    tied = sum(v.rule_id is None for v in verdicts)
    return Resolved(len(disputes), len(disputes) - tied, tied)


def failed_violations(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Named]:
    """The run's failed violations (not excepted), each with the claims it names that are in
    raw.claims (an event check names events: none of them)."""
    rows = con.execute(
        (SQL_DIR / "failed_violations.sql").read_text(encoding="utf-8"), {"run_id": run_id}
    ).fetchall()
    return [
        Named(check, severity, tuple(claims), message) for check, severity, message, claims in rows
    ]


def claim_facts(
    con: duckdb.DuckDBPyConnection,
    claim_ids: list[str],
    rules: ResolutionRules,
    catalogue: Catalogue,
) -> dict[str, ClaimFacts]:
    """What the rules weigh about each claim, from raw.claims, raw.documents and
    staging.metric_catalogue (its `can_fall` column when the catalogue has one)."""
    if not claim_ids:
        return {}
    query = (
        (SQL_DIR / "claim_facts.sql")
        .read_text(encoding="utf-8")
        .format(can_fall=can_fall_expression(con), document_kind=document_kind_expression(con))
    )
    cursor = con.execute(query, {"claim_ids": claim_ids})
    columns = [c[0] for c in cursor.description]
    names = entity_names(catalogue)
    facts = {}
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        url, kind = row.pop("url"), row.pop("document_kind")
        known_as = names.get(row["entity"], frozenset({plain(row["entity"])}))
        own = rules.own_release.is_own_release(known_as, row["publisher"], url, kind)
        row["published_at"] = row["published_at"] or row["period_end"]  # no document: its date
        row["level_can_fall"] = bool(row["level_can_fall"])
        facts[row["claim_id"]] = ClaimFacts(own_release=own, **row)
    return facts


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        """
        select column_name from duckdb_columns()
        where database_name = current_database() and schema_name = ? and table_name = ?
        """,
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows}


def can_fall_expression(con: duckdb.DuckDBPyConnection) -> str:
    """Whether a claim's metric is a level that can go down: a stock whose catalogue entry says
    it can fall (`can_fall`); from a catalogue without that column, a stock that is not
    cumulative. A milestone never falls, and a flow is no level."""
    columns = columns_of(con, "staging", "metric_catalogue")
    if "can_fall" in columns:
        return "coalesce(metrics.kind = 'stock' and metrics.can_fall, false)"
    if "cumulative" in columns:
        return "coalesce(metrics.kind = 'stock' and not metrics.cumulative, false)"
    return "coalesce(metrics.kind = 'stock', false)"


def document_kind_expression(con: duckdb.DuckDBPyConnection) -> str:
    """raw.documents.kind where ingest records one (a press release, an article ...)."""
    return "documents.kind" if "kind" in columns_of(con, "raw", "documents") else "null::varchar"


def entity_names(catalogue: Catalogue) -> dict[str, frozenset[str]]:
    return {
        name: frozenset(plain(n) for n in (name, *entity.aliases) if plain(n))
        for name, entity in catalogue.entities.items()
    }


def record(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    disputes: list[Dispute],
    verdicts: list[Verdict],
    facts: dict[str, ClaimFacts],
) -> None:
    """Append the run's disputes to audit.disputes and their claims to audit.dispute_claims."""
    pivots = [facts[pivot_of(d, v, facts)] for d, v in zip(disputes, verdicts, strict=True)]
    disputes_table = pa.table(
        {
            "run_id": [run_id] * len(disputes),
            "dispute_id": [d.dispute_id for d in disputes],
            "severity": [d.severity for d in disputes],
            "entity": [p.entity for p in pivots],
            "metric": [p.metric for p in pivots],
            "scope": [p.scope for p in pivots],
            "pivot_claim_id": [p.claim_id for p in pivots],
            "decision": [v.decision for v in verdicts],
            "rule_id": pa.array([v.rule_id for v in verdicts], pa.string()),
            "reason": [v.reason for v in verdicts],
            "check_ids": pa.array(
                [sorted({x.check_id for x in d.violations}) for d in disputes],
                pa.list_(pa.string()),
            ),
            "violation_count": pa.array([len(d.violations) for d in disputes], pa.int32()),
            "claim_count": pa.array([len(d.claim_ids) for d in disputes], pa.int32()),
            "document_count": pa.array(
                [len({facts[c].doc_id for c in d.claim_ids}) for d in disputes], pa.int32()
            ),
        }
    )
    sides = [
        (d.dispute_id, c, v.sides[c])
        for d, v in zip(disputes, verdicts, strict=True)
        for c in d.claim_ids
    ]
    sides_table = pa.table(
        {
            "run_id": [run_id] * len(sides),
            "dispute_id": [s[0] for s in sides],
            "claim_id": [s[1] for s in sides],
            "side": [s[2] for s in sides],
        },
        schema=pa.schema([(n, pa.string()) for n in ("run_id", "dispute_id", "claim_id", "side")]),
    )
    append(con, "audit.disputes", disputes_table, extra="now()")
    append(con, "audit.dispute_claims", sides_table)


def append(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, extra: str = "") -> None:
    if rows.num_rows == 0:
        return
    con.register("_resolved", rows)
    try:
        more = f", {extra}" if extra else ""
        con.execute(f"insert into {table} select *{more} from _resolved")
    finally:
        con.unregister("_resolved")
