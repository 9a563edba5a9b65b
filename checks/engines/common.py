"""What every engine hands back, and where it puts the violations it finds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

PENDING = "pending_violations"  # a temp table: this connection, this run only

PENDING_DDL = f"""
create or replace temp table {PENDING} (
    check_id  varchar not null,
    claim_ids varchar[] not null,
    files     varchar[] not null,
    quotes    varchar[] not null,
    message   varchar not null,
    detail    varchar
)
"""


@dataclass(frozen=True)
class Violation:
    """One broken rule, named by the claims (or events, documents) that break it."""

    message: str
    claim_ids: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineRun:
    """An engine's account of one check. errors: why (part of) it could not be evaluated;
    a check with errors has status `error`, whatever violations it also found."""

    violation_count: int
    errors: tuple[str, ...] = ()


def add_violations(
    con: duckdb.DuckDBPyConnection, check_id: str, violations: Sequence[Violation]
) -> int:
    """Append violations found in Python (pandera, GX) to the pending table."""
    if not violations:
        return 0
    batch = pa.table(
        {
            "check_id": [check_id] * len(violations),
            "claim_ids": [list(v.claim_ids) for v in violations],
            "files": [list(v.files) for v in violations],
            "quotes": [list(v.quotes) for v in violations],
            "message": [v.message for v in violations],
            "detail": [json.dumps(v.detail, default=str, sort_keys=True) for v in violations],
        },
        schema=pa.schema(
            [
                ("check_id", pa.string()),
                ("claim_ids", pa.list_(pa.string())),
                ("files", pa.list_(pa.string())),
                ("quotes", pa.list_(pa.string())),
                ("message", pa.string()),
                ("detail", pa.string()),
            ]
        ),
    )
    con.register("_found_violations", batch)
    try:
        con.execute(f"insert into {PENDING} by name select * from _found_violations")
    finally:
        con.unregister("_found_violations")
    return len(violations)
