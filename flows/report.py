"""The report stage: what a run found, for people (one self-contained HTML page) and for
machines (its JSON twin), plus a Markdown summary and a failures table for Prefect artifacts.

Reads the run's publication (its factledger.duckdb, read-only) after it is built and before it
is made current, so it shows exactly what is published, and writes index.html and report.json
into the publication's report/ directory: the report goes live with the data it describes
(data/curated/report/ is the current one's).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows.publish import Publication
from flows.report_assets.page import render_page
from flows.report_assets.visible import visible
from flows.report_cards import build_cards
from flows.runtime.settings import Settings

DOCUMENT_COUNTS = (
    "documents_new",
    "documents_changed",
    "documents_unchanged",
    "documents_rejected",
)
CONTEXT_CHARS = 300  # how far to look for the sentence around a quote, each side
SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s|\n")


class ReportError(RuntimeError):
    """The report could not be written; the message names the file and the run."""


@dataclass(frozen=True)
class ReportResult:
    run_id: str
    html_path: Path  # publications/<version>/report/index.html
    json_path: Path  # publications/<version>/report/report.json
    verdict: str  # pass | warn | fail
    headline: str  # the verdict in one line
    data: dict[str, Any]  # what report.json holds


def write_report(
    settings: Settings, publication: Publication, counts: Mapping[str, int] | None = None
) -> ReportResult:
    """Write the run's report into its publication (before it is made current).

    counts: the run's document counts (documents_new, ...) when audit.runs does not have them
    yet (the run is still going); otherwise they are read from audit.runs."""
    run_id = publication.run_id
    if not publication.database.exists():
        raise ReportError(f"run {run_id}: no publication at {publication.database}")
    with duckdb.connect(str(publication.database), read_only=True) as con:
        data = gather(con, run_id, counts or {})
    directory = publication.report_dir
    data["gx_docs"] = gx_docs_link(settings, directory, data["checks"])
    write_files(directory, data)
    return ReportResult(
        run_id=run_id,
        html_path=directory / "index.html",
        json_path=directory / "report.json",
        verdict=data["verdict"],
        headline=data["headline"],
        data=data,
    )


def gx_docs_link(settings: Settings, directory: Path, checks: list[dict]) -> str | None:
    """Where the run's GX Data Docs are, relative to its report (report.json's gx_docs);
    None if GX did not run. They are the latest run's, and their styles and icons come from
    the network, so the page does not link them: it shows the GX results itself."""
    if not any(c["engine"] == "gx" for c in checks):
        return None
    return os.path.relpath(settings.gx_docs_dir / "index.html", directory)


def markdown_summary(report: ReportResult) -> str:
    """The Prefect artifact: the verdict, the counts, the failed checks, where the report is."""
    d = report.data
    docs = d["documents"]
    lines = [
        f"## factledger run `{report.run_id}`: {report.verdict.upper()}",
        "",
        report.headline,
        "",
        "| documents new | changed | unchanged | rejected | claims published | quarantined |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {docs['new']} | {docs['changed']} | {docs['unchanged']} | {docs['rejected']} "
        f"| {d['claims']['published']} | {d['claims']['quarantined']} |",
        "",
    ]
    rows = failures_table(report)
    if rows:
        lines += [
            "| check | severity | status | violations | rule |",
            "| --- | --- | --- | ---: | --- |",
        ]
        lines += [
            f"| `{r['check']}` | {r['severity']} | {r['status']} | {r['violations']} "
            f"| {markdown_cell(r['rule'])} |"
            for r in rows
        ]
        lines.append("")
    lines += causes_lines(d["cards"])
    lines += rejection_lines(d["rejections"])
    lines.append(f"Report: {report.html_path.resolve().as_uri()}")
    return "\n".join(lines)


MARKDOWN_CARDS = 20  # causes listed in the artifact; the page and report.json have them all


def causes_lines(cards: list[dict]) -> list[str]:
    """One line per cause (a card of the report): its headline, severity and resolution."""
    if not cards:
        return []
    lines = [f"**Causes** ({len(cards)}):", ""]
    for card in cards[:MARKDOWN_CARDS]:
        lines.append(
            f"- {card['severity']}: {markdown_cell(card['headline'])}."
            f"{markdown_cell(resolution_words(card))}"
        )
    if len(cards) > MARKDOWN_CARDS:
        lines.append(f"- … and {len(cards) - MARKDOWN_CARDS} more in the report.")
    return [*lines, ""]


def rejection_lines(refused: list[dict]) -> list[str]:
    """One line per rejected input: file (and row), reason, why."""
    if not refused:
        return []
    lines = [f"**Rejected inputs** ({len(refused)}):", ""]
    for r in refused[:MARKDOWN_CARDS]:
        row = f" row {r['row_number']}" if r["row_number"] is not None else ""
        lines.append(
            f"- `{markdown_cell(r['file'])}`{row}: {markdown_cell(r['reason'])}: "
            f"{markdown_cell(r['detail'])}"
        )
    if len(refused) > MARKDOWN_CARDS:
        lines.append(f"- … and {len(refused) - MARKDOWN_CARDS} more in the report.")
    return [*lines, ""]


def resolution_words(card: dict) -> str:
    """' Rule independent_documents_agree kept 38 over 33: 2 independent sources agree (...)'."""
    decided = card["resolution"]
    if decided is None:
        return ""
    if decided["rule_id"] is None:
        return f" Tie ({decided['reason']}): {decided['effect']}."
    kept = values_on(card, ("kept",))
    lost = values_on(card, ("outlier", "superseded"))
    return f" Rule {decided['rule_id']} kept {kept} over {lost}: {decided['reason']}."


def values_on(card: dict, sides: tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(r["value_text"] for r in card["rows"] if r["side"] in sides))


def failures_table(report: ReportResult) -> list[dict[str, Any]]:
    """One row per check that failed, errored or was excepted, for create_table_artifact."""
    return [
        {
            "check": f["check_id"],
            "severity": f["severity"],
            "status": f["status"],
            "violations": f["violation_count"],
            "rule": f["description"],
            "first": f["groups"][0]["violations"][0]["message"] if f["groups"] else f["message"],
        }
        for f in report.data["failures"]
    ]


def markdown_cell(text: str | None) -> str:
    """Text from documents in a Markdown table cell or list item: no markup of its own (Prefect's
    UI renders HTML inside Markdown), no column breaks, one line, no invisible characters (shown
    as ‹U+XXXX›, as on the page)."""
    escaped = html.escape(visible(text or ""), quote=False)
    return escaped.replace("|", "\\|").replace("\n", " ")


# --- gathering what the run found ------------------------------------------------------------


def gather(con: duckdb.DuckDBPyConnection, run_id: str, counts: Mapping[str, int]) -> dict:
    run = fetch_dicts(con, "select * from audit.runs where run_id = ?", [run_id])
    if not run:
        raise ReportError(f"run {run_id}: not in audit.runs of the publication")
    checks = fetch_dicts(
        con,
        """
        select r.check_id, r.engine, r.severity, r.status, r.violation_count, r.excepted_count,
            r.duration_ms, r.message, coalesce(c.description, '') as description
        from audit.check_results as r
        left join audit.checks as c using (check_id)
        where r.run_id = ?
        order by if(r.severity = 'error', 0, 1), r.check_id
        """,
        [run_id],
    )
    claims = claim_counts(con, run_id)
    verdict, headline = judge(checks, claims)
    failed = failures(con, run_id, checks)
    return {
        "run_id": run_id,
        "run": json_safe(run[0]),
        "verdict": verdict,
        "headline": headline,
        "documents": document_counts(con, run_id, run[0], counts),
        "claims": claims,
        "checks": json_safe(checks),
        "check_summary": check_summary(checks),
        "failures": failed,
        "disputes": dispute_counts(con, run_id),
        "rejections": rejections(con, run_id),
        "gx_results": gx_results(con, run_id, checks),
        "cards": build_cards(con, run_id, failed),
        "changes": changes(con, run_id),
        "timelines": timelines(con, run_id),
    }


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def json_safe(value: Any) -> Any:
    """Dates as ISO text, unbounded bounds (infinity) as null: JSON has neither."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def document_counts(
    con: duckdb.DuckDBPyConnection, run_id: str, run: dict, counts: Mapping[str, int]
) -> dict[str, int]:
    found = {name: counts.get(name, run.get(name)) for name in DOCUMENT_COUNTS}
    if found["documents_rejected"] is None:
        (found["documents_rejected"],) = con.execute(
            "select count(distinct file) from audit.rejections where run_id = ?", [run_id]
        ).fetchone()
    (published,) = con.execute("select count(*) from curated.documents").fetchone()
    if found["documents_unchanged"] is None:  # not recorded yet: all that is not new or changed
        known = (found["documents_new"] or 0) + (found["documents_changed"] or 0)
        found["documents_unchanged"] = published - known
    return {name.removeprefix("documents_"): int(v or 0) for name, v in found.items()} | {
        "published": published
    }


MAX_GX_FAILURES = 50  # failed expectations listed per GX check


def gx_results(con: duckdb.DuckDBPyConnection, run_id: str, checks: list[dict]) -> list[dict]:
    """The Great Expectations checks of the run, each with its failed expectations (what
    was expected, what was observed), so the page needs no Data Docs (their styles and icons
    come from the network)."""
    results = []
    for check in checks:
        if check["engine"] != "gx":
            continue
        failed = fetch_dicts(
            con,
            """
            select coalesce(json_extract_string(detail, '$.expectation'), '') as expectation,
                message, status
            from audit.violations
            where run_id = ? and check_id = ?
            order by message
            limit ?
            """,
            [run_id, check["check_id"], MAX_GX_FAILURES],
        )
        results.append(
            {
                "check_id": check["check_id"],
                "severity": check["severity"],
                "status": check["status"],
                "violation_count": check["violation_count"],
                "message": check["message"],
                "description": check["description"],
                "failed_expectations": failed,
            }
        )
    return results


def rejections(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """Every input this run refused (audit.rejections): each document and claims-table row,
    with its file, its row number where it has one, the reason and the sentence saying why."""
    return fetch_dicts(
        con,
        """
        select stage, file, row_number, reason, detail
        from audit.rejections
        where run_id = ?
        order by file, row_number nulls first, stage, reason
        """,
        [run_id],
    )


def claim_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    published, warned, quarantined, events = con.execute(
        """
        select
            (select count(*) from curated.claims),
            (select count(*) from curated.claims where check_status = 'warn'),
            (select count(distinct claim_id) from quarantine.claims where run_id = $run_id),
            (select count(*) from curated.events)
        """,
        {"run_id": run_id},
    ).fetchone()
    return {
        "total": published + quarantined,
        "published": published,
        "warned": warned,
        "quarantined": quarantined,
        "events": events,
    }


def dispute_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """The run's disputes (flows/resolve): how many, resolved by a rule, tied."""
    total, resolved = con.execute(
        """
        select count(*), count(*) filter (where decision = 'resolved')
        from audit.disputes where run_id = ?
        """,
        [run_id],
    ).fetchone()
    return {"total": total, "resolved": resolved, "tied": total - resolved}


def check_summary(checks: list[dict]) -> dict[str, dict[str, int]]:
    """severity → status → checks."""
    summary = {
        s: dict.fromkeys(("pass", "fail", "error", "excepted"), 0) for s in ("error", "warn")
    }
    for check in checks:
        summary.setdefault(check["severity"], {}).setdefault(check["status"], 0)
        summary[check["severity"]][check["status"]] += 1
    return summary


def judge(checks: list[dict], claims: dict[str, int]) -> tuple[str, str]:
    broken = [c for c in checks if c["status"] in ("fail", "error")]
    errors = [c for c in broken if c["severity"] == "error"]
    warnings = [c for c in broken if c["severity"] == "warn"]
    if not checks:
        return "fail", "No checks ran for this run."
    verdict = "fail" if errors else "warn" if warnings else "pass"
    parts = [f"{len(checks) - len(broken)} of {len(checks)} checks passed"]
    if errors:
        parts.append(
            f"{len(errors)} error-severity failed ({', '.join(c['check_id'] for c in errors)})"
        )
    if warnings:
        parts.append(f"{len(warnings)} warning{'s' if len(warnings) > 1 else ''}")
    parts.append(f"{claims['published']} claims published, {claims['quarantined']} quarantined")
    return verdict, "; ".join(parts) + "."


# --- failures, with both sides of each violation in context ----------------------------------

VIOLATIONS_CTE = """
violations as (
    select
        row_number() over (order by check_id, claim_ids, message) as violation_no,
        check_id, status, claim_ids, document_files, quotes, message, detail, exception_reason
    from audit.violations
    where run_id = $run_id and check_id in (
        select check_id from audit.check_results
        where run_id = $run_id and status in ('fail', 'error', 'excepted')
    )
)
"""

SIDES_SQL = (
    "with\n"
    + VIOLATIONS_CTE
    + """,


sides as (
    select violation_no, unnest(range(len(claim_ids))) as side_no
    from violations
),

rows_named as (
    select claim_id as id, entity, metric, scope, value_text, period_end, doc_id, quote,
        char_start, char_end, 'published' as state
    from curated.claims
    union all
    select distinct on (claim_id) claim_id, entity, metric, scope, value_text, period_end,
        doc_id, quote, char_start, char_end, 'quarantined'
    from quarantine.claims where run_id = $run_id
    union all
    select event_id, entity, event_type, null, subject, period_end, doc_id, quote, char_start,
        char_end, 'event'
    from curated.events
),

final as (
    select
        v.violation_no,
        sides.side_no,
        v.claim_ids[sides.side_no + 1] as id,
        coalesce(d.file, v.document_files[sides.side_no + 1]) as file,
        coalesce(r.quote, v.quotes[sides.side_no + 1]) as quote,
        r.entity,
        r.metric,
        r.scope,
        r.value_text,
        r.period_end,
        r.state,
        d.title,
        d.publisher,
        d.published_at,
        d.url,
        -- the text either side of the quote, to cut at sentence ends in Python (1-based substr)
        substr(d.text, greatest(r.char_start - $context, 0) + 1,
               r.char_start - greatest(r.char_start - $context, 0)) as before,
        substr(d.text, r.char_end + 1, $context) as after
    from violations as v
    join sides using (violation_no)
    left join (select distinct on (id) * from rows_named order by id) as r
        on r.id = v.claim_ids[sides.side_no + 1]
    left join curated.documents as d on d.doc_id = r.doc_id
)

select * from final
order by violation_no, side_no
"""
)


def failures(con: duckdb.DuckDBPyConnection, run_id: str, checks: list[dict]) -> list[dict]:
    """Each check that failed, errored or was excepted, its violations grouped by entity."""
    violations = fetch_dicts(
        con,
        f"with {VIOLATIONS_CTE} select * from violations order by violation_no",
        {"run_id": run_id},
    )
    sides: dict[int, list[dict]] = {}
    for side in fetch_dicts(con, SIDES_SQL, {"run_id": run_id, "context": CONTEXT_CHARS}):
        sides.setdefault(side["violation_no"], []).append(in_context(side))
    by_check: dict[str, list[dict]] = {}
    for v in violations:
        v_sides = sides.get(v["violation_no"], [])
        by_check.setdefault(v["check_id"], []).append(
            {
                "violation_no": v["violation_no"],
                "status": v["status"],
                "message": v["message"],
                "exception_reason": v["exception_reason"],
                "claim_ids": list(v["claim_ids"]),
                "entity": entity_of(v, v_sides),
                "sides": v_sides,
            }
        )
    result = []
    for check in checks:
        if check["status"] not in ("fail", "error", "excepted"):
            continue
        found = by_check.get(check["check_id"], [])
        result.append(json_safe(check) | {"groups": group_by_entity(found)})
    return result


def in_context(side: dict) -> dict:
    """The quote's sentence: the text before and after it, cut at the sentence's ends."""
    before, after = side.pop("before") or "", side.pop("after") or ""
    starts = [m.end() for m in SENTENCE_END.finditer(before)]
    cut_before = before[starts[-1] :] if starts else before
    end = SENTENCE_END.search(after)
    cut_after = after[: end.start() + 1] if end else after
    side["before"] = ("…" if not starts and len(before) >= CONTEXT_CHARS else "") + cut_before
    side["after"] = cut_after + ("…" if not end and len(after) >= CONTEXT_CHARS else "")
    side.pop("violation_no")
    return json_safe(side)


def entity_of(violation: dict, sides: list[dict]) -> str:
    named = sorted({s["entity"] for s in sides if s.get("entity")})
    if named:
        return ", ".join(named)
    try:
        detail = json.loads(violation["detail"] or "{}")
    except json.JSONDecodeError:
        detail = {}
    return str(detail.get("entity") or "(no entity)")


def group_by_entity(violations: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for v in violations:
        groups.setdefault(v["entity"], []).append(v)
    return [{"entity": e, "violations": vs} for e, vs in sorted(groups.items())]


# --- what changed since the previous run --------------------------------------------------------


def changes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """New and resolved violations: this run's against the previous run that ran checks.
    A violation is the same when the same check names the same claims (or, naming none, says
    the same thing)."""
    previous = con.execute(
        """
        select run_id from audit.runs
        where started_at < (select started_at from audit.runs where run_id = $run_id)
            and run_id in (select run_id from audit.check_results)
        order by started_at desc, run_id desc
        limit 1
        """,
        {"run_id": run_id},
    ).fetchone()
    if previous is None:
        return {"previous_run_id": None, "new": [], "resolved": []}
    rows = fetch_dicts(
        con,
        """
        with

        keyed as (
            select run_id, check_id, severity, status, message, claim_ids, document_files,
                if(len(claim_ids) > 0, list_sort(claim_ids)::varchar, message) as identity
            from audit.violations
            where run_id in ($this, $previous)
        ),

        this_run as (select * from keyed where run_id = $this),
        previous_run as (select * from keyed where run_id = $previous),

        final as (
            select 'new' as change, * from this_run
            anti join previous_run using (check_id, identity)
            union all
            select 'resolved' as change, * from previous_run
            anti join this_run using (check_id, identity)
        )

        select change, check_id, severity, status, message, claim_ids, document_files
        from final
        order by change, check_id, identity
        """,
        {"this": run_id, "previous": previous[0]},
    )
    by_change: dict[str, list[dict]] = {"new": [], "resolved": []}
    for row in rows:
        by_change[row.pop("change")].append(json_safe(row))
    return {"previous_run_id": previous[0], **by_change}


# --- timelines -----------------------------------------------------------------------------------


def timelines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """Per entity, metric and scope (and currency): every reported claim (published or
    quarantined) as an interval, the conflicting ones marked, and the reconciled timeline."""
    claims = fetch_dicts(
        con,
        """
        with

        conflicted as (
            select distinct unnest(claim_ids) as claim_id
            from audit.violations
            where run_id = $run_id and status = 'fail'
        ),

        published as (
            select claim_id, entity, metric, scope, unit, period_start, period_end, value_lo,
                value_hi, lo_open, hi_open, quote, file, check_status as state
            from curated.claims where status = 'reported'
        ),

        quarantined as (
            select distinct on (claim_id) claim_id, entity, metric, scope, unit, period_start,
                period_end, value_lo, value_hi, lo_open, hi_open, quote, file,
                'quarantined' as state
            from quarantine.claims where run_id = $run_id and status = 'reported'
            order by claim_id
        ),

        final as (
            select claims.*, conflicted.claim_id is not null as conflict
            from (select * from published union all select * from quarantined) as claims
            left join conflicted using (claim_id)
        )

        select * from final
        order by entity, metric, scope, unit, period_end, period_start, claim_id
        """,
        {"run_id": run_id},
    )
    reconciled = fetch_dicts(
        con,
        """
        select entity, metric, scope, unit, period_start, period_end, value_lo, value_hi,
            value_text, confirmation
        from curated.metric_timeline
        order by entity, metric, scope, unit, period_end, period_start
        """,
    )
    series: dict[tuple[str, str, str, str], dict] = {}
    for claim in claims:
        key = (claim["entity"], claim["metric"], claim["scope"], claim["unit"])
        entry = series.setdefault(
            key,
            {
                "entity": key[0],
                "metric": key[1],
                "scope": key[2],
                "unit": key[3],
                "claims": [],
                "reconciled": [],
            },
        )
        entry["claims"].append(json_safe(claim))
    for row in reconciled:
        key = (row["entity"], row["metric"], row["scope"], row["unit"])
        if key in series:
            series[key]["reconciled"].append(json_safe(row))
    return [series[key] for key in sorted(series)]


# --- writing -----------------------------------------------------------------------------------


def write_files(directory: Path, data: dict) -> None:
    """index.html and report.json. The publication is not current yet: nobody reads them
    until it is, so they need no staging of their own."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False, default=str),
        encoding="utf-8",
    )
    (directory / "index.html").write_text(render_page(data), encoding="utf-8")
