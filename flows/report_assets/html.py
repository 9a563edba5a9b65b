"""The report page: one self-contained HTML file (inline CSS, JS and SVG; no network).

Every piece of text that comes from data goes through `esc` (documents are untrusted input);
markup is only ever built here, from constants."""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).parent
MAX_VIOLATIONS_PER_GROUP = 25  # rendered per (check, entity); the rest are counted, in the JSON
MAX_CHANGES = 200
MAX_REJECTIONS = 500  # rendered; report.json and audit.rejections have them all
MAX_CHARTS = 80
MAX_BARS = 300
STATE_COLOURS = {
    "pass": "#1a73e8",
    "warn": "#e37400",
    "excepted": "#7e57c2",
    "quarantined": "#b3261e",
}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render_page(data: dict[str, Any]) -> str:
    css = (ASSETS / "style.css").read_text(encoding="utf-8")
    js = (ASSETS / "script.js").read_text(encoding="utf-8")
    body = "\n".join(
        [
            header(data),
            summary_cards(data),
            failures_section(data),
            rejections_section(data),
            changes_section(data),
            timelines_section(data),
            checks_table(data),
        ]
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no network: forbid every fetch, only what is inline here runs
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>factledger run {esc(data['run_id'])}: {esc(data['verdict'].upper())}</title>"
        f"<style>{css}</style></head>\n<body><main>\n{body}\n</main>"
        f"<script>{js}</script></body></html>\n"
    )


def header(data: dict) -> str:
    run = data["run"]
    return (
        f"<h1>factledger run <code>{esc(data['run_id'])}</code></h1>"
        f'<div class="muted">started {esc(run.get("started_at"))} · input '
        f"{esc(run.get('raw_dir'))} · status {esc(run.get('status'))}</div>"
        f'<div class="verdict {esc(data["verdict"])}" id="verdict">'
        f"<strong>{esc(data['verdict'].upper())}</strong><span>{esc(data['headline'])}</span></div>"
    )


def summary_cards(data: dict) -> str:
    d, c = data["documents"], data["claims"]
    documents = rows_table(
        [
            ("new", d["new"]),
            ("changed", d["changed"]),
            ("unchanged", d["unchanged"]),
            ("rejected", d["rejected"]),
            ("published", d["published"]),
        ]
    )
    refused = data.get("rejections") or []
    if refused:
        documents += (
            f'<p><a href="#rejections">{len(refused)} rejected input'
            f"{'' if len(refused) == 1 else 's'}: which and why</a></p>"
        )
    claims = rows_table(
        [
            ("published", c["published"]),
            ("of which warned", c["warned"]),
            ("quarantined", c["quarantined"]),
            ("events", c["events"]),
            ("disputes resolved", data["disputes"]["resolved"]),
            ("disputes tied", data["disputes"]["tied"]),
        ]
    )
    head = (
        "<tr><th>severity</th><th>passed</th><th>failed</th><th>errors</th><th>excepted</th></tr>"
    )
    lines = [
        f"<tr><td>{esc(severity)}</td><td>{n['pass']}</td>{count_cell(n['fail'], severity)}"
        f"{count_cell(n['error'], severity)}<td>{n['excepted']}</td></tr>"
        for severity, n in data["check_summary"].items()
    ]
    return (
        '<div class="cards" id="summary">'
        f'<div class="card"><h3>Documents</h3>{documents}</div>'
        f'<div class="card"><h3>Claims</h3>{claims}</div>'
        f'<div class="card"><h3>Checks</h3><table>{head}{"".join(lines)}</table></div>'
        "</div>"
    )


def rows_table(rows: list[tuple[str, object]]) -> str:
    return (
        "<table>"
        + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )


def count_cell(n: int, severity: str) -> str:
    cls = ("n-bad" if severity == "error" else "n-warn") if n else ""
    return f'<td class="{cls}">{n}</td>'


# --- rejections: every input the run refused -----------------------------------------------


def rejections_section(data: dict) -> str:
    """Each rejected document and claims-table row: file, row, stage, reason and why."""
    refused = data.get("rejections") or []
    if not refused:
        return ""
    rows = "".join(
        f"<tr><td><code>{esc(r['file'])}</code></td><td>{esc(r['row_number'] or '')}</td>"
        f"<td>{esc(r['stage'])}</td><td><code>{esc(r['reason'])}</code></td>"
        f"<td>{esc(r['detail'])}</td></tr>"
        for r in refused[:MAX_REJECTIONS]
    )
    more = (
        f'<p class="muted">… and {len(refused) - MAX_REJECTIONS} more in report.json and '
        "audit.rejections.</p>"
        if len(refused) > MAX_REJECTIONS
        else ""
    )
    return (
        f'<h2 id="rejections">Rejected inputs ({len(refused)})</h2>'
        '<p class="muted">Not loaded, and why (audit.rejections); the run went on without them.'
        "</p>"
        '<table class="rejections"><tr><th>file</th><th>row</th><th>stage</th><th>reason</th>'
        f"<th>detail</th></tr>{rows}</table>{more}"
    )


# --- failures: the checks, then one card per cause ---------------------------------------------


def failures_section(data: dict) -> str:
    failures = data["failures"]
    if not failures:
        return '<h2 id="failures">Failed checks</h2><p>No check failed.</p>'
    cards = data.get("cards", [])
    total = sum(f["violation_count"] for f in failures)
    open_all = total <= 20
    by_no = {v["violation_no"]: v for f in failures for g in f["groups"] for v in g["violations"]}
    in_cards = {no for c in cards for no in c["violation_nos"]}
    parts = [
        '<h2 id="failures">Failed checks</h2>',
        '<div class="toolbar"><input id="filter" type="search" '
        'placeholder="filter by check, entity, file, quote…">'
        '<button id="expand-all" type="button">expand all</button>'
        '<button id="collapse-all" type="button">collapse all</button>'
        '<span id="shown" class="muted"></span></div>',
    ]
    parts += [failed_check(f, cards, in_cards, open_all) for f in failures]
    if cards:
        parts.append(
            f'<h2 id="causes">Causes: one card each ({len(cards)})</h2>'
            '<p class="muted">Each card is one cause: the claim its violations turn on, the '
            "claims it contradicts, which side the resolution kept and why, and the published "
            "value before and after this run where the run changed it.</p>"
        )
        parts += [cause_card(c, by_no, open_all) for c in cards]
    return "\n".join(parts)


def failed_check(check: dict, cards: list[dict], in_cards: set[int], open_all: bool) -> str:
    error = (
        f'<p class="n-bad">Could not run: {esc(check["message"])}</p>'
        if check["status"] == "error"
        else ""
    )
    mine = [c for c in cards if check["check_id"] in c["checks"]]
    links = ""
    if mine:
        shown = ", ".join(
            f'<a href="#card-{esc(c["card_id"])}">{esc(c["headline"])}</a>' for c in mine[:10]
        )
        more = f" and {len(mine) - 10} more" if len(mine) > 10 else ""
        links = f'<p class="in-cards">In {len(mine)} card(s) below: {shown}{more}.</p>'
    rest = [
        {**g, "violations": [v for v in g["violations"] if v["violation_no"] not in in_cards]}
        for g in check["groups"]
    ]
    groups = "".join(entity_group(check, g, open_all) for g in rest if g["violations"])
    return (
        f'<section class="check" id="check-{esc(check["check_id"])}">'
        f"<h3><code>{esc(check['check_id'])}</code> "
        f'<span class="badge {esc(check["severity"])}">{esc(check["severity"])}</span>'
        f'<span class="badge {esc(check["status"])}">{esc(check["status"])}</span> '
        f'<span class="muted">{check["violation_count"]} violation(s), '
        f"{esc(check['engine'])}</span></h3>"
        f'<div class="rule"><strong>Rule:</strong> {esc(check["description"])}</div>'
        f"{error}{links}{groups}</section>"
    )


def entity_group(check: dict, group: dict, open_all: bool) -> str:
    """Violations of a check that are in no card (excepted, or naming no row), per entity."""
    violations = group["violations"]
    shown = violations[:MAX_VIOLATIONS_PER_GROUP]
    rest = len(violations) - len(shown)
    more = (
        f'<p class="more">… and {rest} more violation(s) of this check for this entity '
        "(all of them are in report.json).</p>"
        if rest
        else ""
    )
    return (
        f'<details class="group"{" open" if open_all else ""}><summary>'
        f"<code>{esc(check['check_id'])}</code> · {esc(group['entity'])} "
        f'<span class="badge {esc(check["severity"])}">{len(violations)}</span></summary>'
        + "".join(violation(v) for v in shown)
        + more
        + "</details>"
    )


def cause_card(card: dict, by_no: dict[int, dict], open_all: bool) -> str:
    violations = [
        by_no[no] | {"check_id": v["check_id"]}
        for no, v in zip(card["violation_nos"], card["violations"], strict=True)
    ]
    shown = violations[:MAX_VIOLATIONS_PER_GROUP]
    rest = len(violations) - len(shown)
    more = (
        f'<p class="more">… and {rest} more violation(s) of this cause '
        "(all of them are in report.json).</p>"
        if rest
        else ""
    )
    where = " · ".join(
        esc(x) for x in (card["entity"], series_name(card) if card["metric"] else None) if x
    )
    return (
        f'<details class="group cause" id="card-{esc(card["card_id"])}"'
        f"{' open' if open_all else ''}><summary>"
        f'<span class="badge {esc(card["severity"])}">{esc(card["severity"])}</span> '
        f'<strong>{esc(card["headline"])}</strong> <span class="muted">· {where} · '
        f"{esc(', '.join(card['checks']))} · {len(violations)} violation(s)</span></summary>"
        + resolution_block(card)
        + changes_block(card)
        + rows_table_html(card)
        + "".join(violation(v, with_check=True) for v in shown)
        + more
        + "</details>"
    )


def resolution_block(card: dict) -> str:
    decided = card["resolution"]
    if decided is None:
        return ""
    if decided["rule_id"] is None:
        body = f"<strong>Tie:</strong> {esc(decided['reason'])}."
    else:
        kept = side_summary(card["rows"], ("kept",))
        lost_side = next(
            (r["side"] for r in card["rows"] if r["side"] in ("outlier", "superseded")), "outlier"
        )
        lost = side_summary(card["rows"], (lost_side,))
        body = (
            f"<strong>Kept:</strong> {kept}. <strong>{esc(lost_side.capitalize())}:</strong> "
            f"{lost}. <strong>Rule</strong> <code>{esc(decided['rule_id'])}</code>"
            f"{': ' + esc(decided['rule']) if decided.get('rule') else ''} "
            f"<em>Why:</em> {esc(decided['reason'])}."
        )
    tie = " tie" if decided["rule_id"] is None else ""
    return (
        f'<div class="resolution{tie}">{body} '
        f'<span class="muted">({esc(decided["effect"])}.)</span></div>'
    )


def side_summary(rows: list[dict], sides: tuple[str, ...]) -> str:
    """'38, 38 (000_….txt · The EV Report)': the side's values and where they were stated."""
    chosen = [r for r in rows if r["side"] in sides]
    values = ", ".join(dict.fromkeys(esc(r["value_text"]) for r in chosen))
    sources = "; ".join(
        dict.fromkeys(" · ".join(esc(x) for x in (r["file"], r["publisher"]) if x) for r in chosen)
    )
    return f"{values} ({sources})"


def changes_block(card: dict) -> str:
    if not card["changes"]:
        return ""
    items = "".join(
        f"<li>{esc(series_name(c))} on {esc(c['period_end'])}: "
        f"{esc(c['value_before'] or '—')}{mark(c['dispute_before'])} → "
        f"<strong>{esc(c['value_after'] or '—')}</strong>{mark(c['dispute_after'])} "
        f'<span class="muted">({esc(c["change"])})</span></li>'
        for c in card["changes"]
    )
    return (
        '<div class="published"><strong>Published value, before → after this run:</strong>'
        f"<ul>{items}</ul></div>"
    )


def mark(dispute: str | None) -> str:
    return f' <span class="badge">{esc(dispute)}</span>' if dispute else ""


MAX_ROWS_PER_CARD = 50


def rows_table_html(card: dict) -> str:
    """Every claim of the cause, with its side and whether it was published."""
    rows = card["rows"][:MAX_ROWS_PER_CARD]
    body = "".join(
        f"<tr><td>{esc(r['side'] or '')}</td><td>{esc(r['value_text'])}</td>"
        f"<td>{esc(r['period_end'])}</td><td>{esc(r['quote'])}</td>"
        f"<td>{' · '.join(esc(x) for x in (r['file'], r['publisher'], r['published_at']) if x)}"
        f'</td><td><span class="badge {esc(r["state"])}">{esc(r["state"])}</span></td></tr>'
        for r in rows
    )
    more = (
        f'<p class="more">… and {len(card["rows"]) - len(rows)} more claims in report.json.</p>'
        if len(card["rows"]) > len(rows)
        else ""
    )
    return (
        '<table class="claims"><tr><th>side</th><th>value</th><th>date</th><th>quote</th>'
        f"<th>source</th><th>state</th></tr>{body}</table>{more}"
    )


def violation(v: dict, with_check: bool = False) -> str:
    excepted = (
        f'<div><span class="badge excepted">excepted</span> {esc(v["exception_reason"])}</div>'
        if v["status"] == "excepted"
        else ""
    )
    check = f"<code>{esc(v['check_id'])}</code> " if with_check else ""
    return (
        f'<div class="violation"><div class="message">{check}{esc(v["message"])}</div>{excepted}'
        f'<div class="sides">{"".join(side(s) for s in v["sides"])}</div></div>'
    )


def side(s: dict) -> str:
    source = " · ".join(
        esc(x) for x in (s.get("file"), s.get("publisher"), s.get("published_at")) if x
    )
    title = f'<div class="source">{esc(s["title"])}</div>' if s.get("title") else ""
    where = s.get("scope") if s.get("scope") != "global" else None  # a part: say which
    what = " ".join(esc(x) for x in (s.get("metric"), where, s.get("value_text")) if x)
    return (
        '<div class="side">'
        f"<blockquote>{esc(s.get('before'))}<mark>{esc(s.get('quote'))}</mark>"
        f"{esc(s.get('after'))}</blockquote>"
        f'<div class="source">{source}{" · " + what if what else ""}'
        f"{' · id ' + esc(s['id']) if s.get('id') else ''}</div>{title}</div>"
    )


# --- changes since the previous run ----------------------------------------------------------


def changes_section(data: dict) -> str:
    ch = data["changes"]
    if ch["previous_run_id"] is None:
        return (
            '<h2 id="changes">Since the previous run</h2><p>This is the first run with checks.</p>'
        )
    return (
        '<h2 id="changes">Since the previous run</h2>'
        f"<p>Compared with run <code>{esc(ch['previous_run_id'])}</code>: "
        f"<strong>{len(ch['new'])}</strong> new violation(s), "
        f"<strong>{len(ch['resolved'])}</strong> resolved.</p>"
        + change_list("New violations", ch["new"])
        + change_list("Resolved violations", ch["resolved"])
    )


def change_list(title: str, rows: list[dict]) -> str:
    if not rows:
        return ""
    items = "".join(
        f'<li><code>{esc(r["check_id"])}</code> <span class="badge {esc(r["severity"])}">'
        f"{esc(r['severity'])}</span> {esc(r['message'])}</li>"
        for r in rows[:MAX_CHANGES]
    )
    more = (
        f'<p class="more">… and {len(rows) - MAX_CHANGES} more.</p>'
        if len(rows) > MAX_CHANGES
        else ""
    )
    return (
        f'<details class="changes"><summary>{esc(title)} ({len(rows)})</summary>'
        f"<ul>{items}</ul>{more}</details>"
    )


# --- timelines -------------------------------------------------------------------------------


def timelines_section(data: dict) -> str:
    series = data["timelines"]
    if not series:
        return '<h2 id="timelines">Timelines</h2><p>No reported claims.</p>'
    by_entity: dict[str, list[dict]] = {}
    for s in series[:MAX_CHARTS]:
        by_entity.setdefault(s["entity"], []).append(s)
    open_all = len(series) <= 12
    legend = " ".join(
        f'<span class="badge" style="color:{colour}">■ {esc(state)}</span>'
        for state, colour in STATE_COLOURS.items()
    )
    parts = [
        '<h2 id="timelines">Timelines</h2>',
        f'<p class="muted">Each bar is one claim: its period across, its interval of values up '
        f"(an arrow: unbounded above). Red rings mark the claims in a conflict; black dots the "
        f"reconciled timeline (hollow: implied). {legend}</p>",
    ]
    for entity, charts in by_entity.items():
        body = "".join(
            f'<div class="chart"><h4>{esc(series_name(s))} <span class="muted">({esc(s["unit"])}, '
            f"{len(s['claims'])} claims)</span></h4>{chart_svg(s)}</div>"
            for s in charts
        )
        parts.append(
            f'<details class="timeline"{" open" if open_all else ""}><summary>{esc(entity)} '
            f"({len(charts)} metric(s))</summary>{body}</details>"
        )
    if len(series) > MAX_CHARTS:
        parts.append(
            f'<p class="more">… and {len(series) - MAX_CHARTS} more charts in report.json.</p>'
        )
    return "\n".join(parts)


def series_name(series: dict) -> str:
    """The series' name: its metric, and its scope unless global ("stores_count in China")."""
    scope = series.get("scope")
    return series["metric"] if scope in (None, "global") else f"{series['metric']} in {scope}"


W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 240, 64, 16, 14, 30


def chart_svg(series: dict) -> str:
    claims = series["claims"][:MAX_BARS]
    starts = [date.fromisoformat(c["period_start"]) for c in claims]
    ends = [date.fromisoformat(c["period_end"]) + timedelta(days=1) for c in claims]
    x0, x1 = min(starts), max(ends)
    if (x1 - x0).days < 60:  # a single date: give it some room
        x0, x1 = x0 - timedelta(days=30), x1 + timedelta(days=30)
    finite = [v for c in claims for v in (c["value_lo"], c["value_hi"]) if v is not None]
    finite += [r["value_lo"] for r in series["reconciled"] if r["value_lo"] is not None]
    y_max = max([*finite, 0]) * 1.15 or 1.0

    def x(d: date) -> float:
        return LEFT + (d - x0).days / (x1 - x0).days * (W - LEFT - RIGHT)

    def y(v: float) -> float:
        return TOP + (1 - v / y_max) * (H - TOP - BOTTOM)

    shapes = [axes(x, y, x0, x1, y_max)]
    for claim, start, end in zip(claims, starts, ends, strict=True):
        shapes.append(claim_bar(claim, x(start), x(end), y))
    for row in series["reconciled"]:
        shapes.append(reconciled_dot(row, x, y))
    label = f"{series['entity']} {series_name(series)} over time"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img" aria-label="{esc(label)}">{"".join(shapes)}</svg>'
    )


def axes(x: Any, y: Any, x0: date, x1: date, y_max: float) -> str:
    parts = [
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#999"/>',
    ]
    for fraction in (0, 0.5, 1):
        value = y_max / 1.15 * fraction
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{esc(compact(value))}</text>'
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{W - RIGHT}" y2="{y(value):.1f}" '
            'stroke="#eee"/>'
        )
    years = range(x0.year + (0 if (x0.month, x0.day) == (1, 1) else 1), x1.year + 1)
    step = max(1, len(years) // 10)
    for year in list(years)[::step]:
        at = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{H - BOTTOM}" stroke="#f0f0f0"/>'
            f'<text x="{at:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="11" '
            f'fill="#555">{year}</text>'
        )
    return "".join(parts)


def claim_bar(claim: dict, left: float, right: float, y: Any) -> str:
    colour = STATE_COLOURS.get(claim["state"], "#555")
    width = max(right - left, 8.0)  # a claim about one day stays visible
    bottom = y(claim["value_lo"])
    unbounded = claim["value_hi"] is None
    top = TOP if unbounded else y(claim["value_hi"])
    height = max(bottom - top, 6.0)
    tip = (
        f"{claim['quote']} — {claim['file']} ({claim['period_start']} to {claim['period_end']}, "
        f"{claim['state']}{', in conflict' if claim['conflict'] else ''})"
    )
    shape = (
        f'<g class="claim"><title>{esc(tip)}</title>'
        f'<rect x="{left:.1f}" y="{bottom - height:.1f}" width="{width:.1f}" '
        f'height="{height:.1f}" fill="{colour}" fill-opacity="0.3" stroke="{colour}"/>'
    )
    if unbounded:
        mid = left + width / 2
        shape += (
            f'<path d="M{mid - 5:.1f},{TOP + 8} L{mid:.1f},{TOP} L{mid + 5:.1f},{TOP + 8}" '
            f'fill="none" stroke="{colour}" stroke-width="2"/>'
        )
    if claim["conflict"]:
        shape += (
            f'<circle class="conflict" cx="{left + width / 2:.1f}" cy="{bottom:.1f}" r="6" '
            'fill="none" stroke="#b3261e" stroke-width="2.5"/>'
        )
    return shape + "</g>"


def reconciled_dot(row: dict, x: Any, y: Any) -> str:
    at = x(date.fromisoformat(row["period_end"]) + timedelta(days=1))
    implied = row["confirmation"] == "implied"
    tip = f"reconciled {row['value_text']} on {row['period_end']} ({row['confirmation']})"
    return (
        f'<g class="reconciled"><title>{esc(tip)}</title><circle cx="{at:.1f}" '
        f'cy="{y(row["value_lo"]):.1f}" r="3.5" fill="{"#fff" if implied else "#000"}" '
        'stroke="#000"/></g>'
    )


def compact(value: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


# --- all checks ------------------------------------------------------------------------------


def checks_table(data: dict) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(c['check_id'])}</code></td><td>{esc(c['engine'])}</td>"
        f'<td><span class="badge {esc(c["severity"])}">{esc(c["severity"])}</span></td>'
        f'<td><span class="badge {esc(c["status"])}">{esc(c["status"])}</span></td>'
        f"<td>{c['violation_count']}</td><td>{esc(c['description'])}</td></tr>"
        for c in data["checks"]
    )
    return (
        '<h2 id="checks">All checks</h2><table class="checks"><tr><th>check</th>'
        "<th>engine</th><th>severity</th><th>status</th><th>violations</th><th>rule</th></tr>"
        f"{rows}</table>{gx_section(data)}"
    )


def gx_section(data: dict) -> str:
    """The Great Expectations results, expectation by expectation where one failed: here, not
    behind a link to GX's Data Docs (which fetch their styles and icons from the network)."""
    results = data.get("gx_results") or []
    if not results:
        return ""
    blocks = []
    for r in results:
        failed = r["failed_expectations"]
        items = "".join(
            f"<li><code>{esc(f['expectation'])}</code> {esc(f['message'])}"
            f"{' (excepted)' if f['status'] == 'excepted' else ''}</li>"
            for f in failed
        )
        more = r["violation_count"] - len(failed)
        if more > 0:
            items += f'<li class="muted">… and {more} more in audit.violations.</li>'
        why = f"<p>{esc(r['message'])}</p>" if r["status"] == "error" and r["message"] else ""
        verdict = (
            "every expectation met"
            if r["status"] == "pass"
            else f"{r['violation_count']} expectation(s) not met"
        )
        blocks.append(
            f'<div class="gx-check" id="gx-{esc(r["check_id"])}"><h3><code>'
            f"{esc(r['check_id'])}</code> "
            f'<span class="badge {esc(r["status"])}">{esc(r["status"])}</span></h3>'
            f'<p class="muted">{esc(r["description"])}: {esc(verdict)}.</p>{why}'
            f"{f'<ul>{items}</ul>' if items else ''}</div>"
        )
    return (
        '<h2 id="gx">Great Expectations results</h2><p class="muted">Each GX suite of the run '
        "and every expectation it found unmet (checks/gx/suites.yaml lists them all).</p>"
        + "".join(blocks)
    )
