"""What the report page shows, as plain dicts for its templates: report.json's data cut to what
a reader needs (long lists capped, the rest counted), with the words and numbers to print.
No markup here: the templates lay it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.report_assets.charts import series_name, timelines_view

MAX_VIOLATIONS_PER_GROUP = 25  # rendered per (check, entity) and per card; the rest are counted
MAX_CHANGES = 200
MAX_REJECTIONS = 500  # rendered; report.json and audit.rejections have them all
MAX_CARD_LINKS = 10  # links from a failed check to its cards
MAX_ROWS_PER_CARD = 50
OPEN_ALL_UP_TO = 20  # violations: up to this many, every group starts open


def page_view(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the page template prints, section by section."""
    return {
        "run_id": data["run_id"],
        "run": data["run"],
        "verdict": data["verdict"],
        "headline": data["headline"],
        "summary": summary_view(data),
        "failures": failures_view(data),
        "rejections": capped(data.get("rejections") or [], MAX_REJECTIONS),
        "changes": changes_view(data["changes"]),
        "timelines": timelines_view(data["timelines"]),
        "checks": data["checks"],
        "gx_results": [gx_view(r) for r in data.get("gx_results") or []],
    }


def capped(items: list, limit: int, view: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The first `limit` items to show (each through `view`, if given), how many there are
    and how many are not shown."""
    shown = items[:limit]
    return {
        "shown": [view(i) for i in shown] if view else shown,
        "total": len(items),
        "more": max(len(items) - limit, 0),
    }


def join_present(parts: tuple[Any, ...], separator: str = " · ") -> str:
    """'file · publisher · date' from the parts that are there."""
    return separator.join(str(p) for p in parts if p)


# --- the summary cards ---------------------------------------------------------------------


def summary_view(data: dict) -> dict[str, Any]:
    d, c, disputes = data["documents"], data["claims"], data["disputes"]
    return {
        "documents": [
            (label, d[label]) for label in ("new", "changed", "unchanged", "rejected", "published")
        ],
        "rejected_inputs": len(data.get("rejections") or []),
        "claims": [
            ("published", c["published"]),
            ("of which warned", c["warned"]),
            ("quarantined", c["quarantined"]),
            ("events", c["events"]),
            ("disputes resolved", disputes["resolved"]),
            ("disputes tied", disputes["tied"]),
        ],
        "checks": [
            {
                "severity": severity,
                "passed": n["pass"],
                "failed": n["fail"],
                "errors": n["error"],
                "excepted": n["excepted"],
                "attention": "n-bad" if severity == "error" else "n-warn",
            }
            for severity, n in data["check_summary"].items()
        ],
    }


# --- failures: the checks, then one card per cause -----------------------------------------


def failures_view(data: dict) -> dict[str, Any]:
    failures, cards = data["failures"], data.get("cards", [])
    open_all = sum(f["violation_count"] for f in failures) <= OPEN_ALL_UP_TO
    by_no = {v["violation_no"]: v for f in failures for g in f["groups"] for v in g["violations"]}
    in_cards = {no for c in cards for no in c["violation_nos"]}
    return {
        "open_all": open_all,
        "checks": [failed_check_view(f, cards, in_cards) for f in failures],
        "cards": [card_view(c, by_no) for c in cards],
    }


def failed_check_view(check: dict, cards: list[dict], in_cards: set[int]) -> dict[str, Any]:
    """A failed check: its rule, links to its cards, and its violations that are in no card
    (excepted, or naming no row), per entity."""
    mine = [c for c in cards if check["check_id"] in c["checks"]]
    groups = []
    for group in check["groups"]:
        rest = [v for v in group["violations"] if v["violation_no"] not in in_cards]
        if rest:
            groups.append(
                {
                    "entity": group["entity"],
                    "violations": capped(rest, MAX_VIOLATIONS_PER_GROUP, violation_view),
                }
            )
    return {
        "check_id": check["check_id"],
        "severity": check["severity"],
        "status": check["status"],
        "engine": check["engine"],
        "violation_count": check["violation_count"],
        "description": check["description"],
        "could_not_run": check["message"] if check["status"] == "error" else None,
        "card_links": capped(
            [{"card_id": c["card_id"], "headline": c["headline"]} for c in mine], MAX_CARD_LINKS
        ),
        "groups": groups,
    }


def violation_view(v: dict, check_id: str | None = None) -> dict[str, Any]:
    return {
        "check_id": check_id,
        "message": v["message"],
        "excepted": v["exception_reason"] if v["status"] == "excepted" else None,
        "sides": [side_view(s) for s in v["sides"]],
    }


def side_view(s: dict) -> dict[str, Any]:
    """One claim of a violation: the quote in its sentence, where it was said, what it says."""
    part = s.get("scope") if s.get("scope") != "global" else None  # a part: say which
    return {
        "before": s.get("before"),
        "quote": s.get("quote"),
        "after": s.get("after"),
        "source": join_present((s.get("file"), s.get("publisher"), s.get("published_at"))),
        "what": join_present((s.get("metric"), part, s.get("value_text")), " "),
        "id": s.get("id"),
        "title": s.get("title"),
    }


def card_view(card: dict, by_no: dict[int, dict]) -> dict[str, Any]:
    """One cause: its headline, the resolution, the published values it changed, its claims
    and its violations (each with both sides in context)."""
    check_of = {
        no: v["check_id"] for no, v in zip(card["violation_nos"], card["violations"], strict=True)
    }
    return {
        "card_id": card["card_id"],
        "severity": card["severity"],
        "headline": card["headline"],
        "where": join_present((card["entity"], series_name(card) if card["metric"] else None)),
        "checks": ", ".join(card["checks"]),
        "violations": capped(
            card["violation_nos"],
            MAX_VIOLATIONS_PER_GROUP,
            lambda no: violation_view(by_no[no], check_of[no]),
        ),
        "resolution": resolution_view(card),
        "changes": [change_view(c) for c in card["changes"]],
        "rows": capped([card_row_view(r) for r in card["rows"]], MAX_ROWS_PER_CARD),
    }


def resolution_view(card: dict) -> dict[str, Any] | None:
    """Which side was kept, by which rule and why; or the tie and why."""
    decided = card["resolution"]
    if decided is None:
        return None
    lost_side = next(
        (r["side"] for r in card["rows"] if r["side"] in ("outlier", "superseded")), "outlier"
    )
    return {
        "tie": decided["rule_id"] is None,
        "reason": decided["reason"],
        "effect": decided["effect"],
        "rule_id": decided["rule_id"],
        "rule": decided.get("rule"),
        "kept": side_summary(card["rows"], "kept"),
        "lost_side": lost_side.capitalize(),
        "lost": side_summary(card["rows"], lost_side),
    }


def side_summary(rows: list[dict], side: str) -> str:
    """'38, 38 (000_….txt · The EV Report)': the side's values and where they were stated."""
    chosen = [r for r in rows if r["side"] == side]
    values = ", ".join(dict.fromkeys(r["value_text"] for r in chosen))
    sources = "; ".join(dict.fromkeys(join_present((r["file"], r["publisher"])) for r in chosen))
    return f"{values} ({sources})"


def change_view(change: dict) -> dict[str, Any]:
    return {
        "series": series_name(change),
        "period_end": change["period_end"],
        "before": change["value_before"] or "—",
        "dispute_before": change["dispute_before"],
        "after": change["value_after"] or "—",
        "dispute_after": change["dispute_after"],
        "change": change["change"],
    }


def card_row_view(row: dict) -> dict[str, Any]:
    return {
        "side": row["side"],
        "value_text": row["value_text"],
        "period_end": row["period_end"],
        "quote": row["quote"],
        "source": join_present((row["file"], row["publisher"], row["published_at"])),
        "state": row["state"],
    }


# --- changes since the previous run, the GX results ------------------------------------------


def changes_view(changes: dict) -> dict[str, Any]:
    return {
        "previous_run_id": changes["previous_run_id"],
        "lists": [
            {"title": title, **capped(changes[key], MAX_CHANGES)}
            for title, key in (("New violations", "new"), ("Resolved violations", "resolved"))
        ],
    }


def gx_view(result: dict) -> dict[str, Any]:
    """A GX suite: its verdict and each expectation it found unmet."""
    failed = result["failed_expectations"]
    met = result["status"] == "pass"
    return {
        "check_id": result["check_id"],
        "status": result["status"],
        "description": result["description"],
        "verdict": "every expectation met"
        if met
        else f"{result['violation_count']} expectation(s) not met",
        "why": result["message"] if result["status"] == "error" else None,
        "failed": failed,
        "more": max(result["violation_count"] - len(failed), 0),
    }
