"""An Evaluation as a plain-text report and as a JSON document with every figure and list."""

from __future__ import annotations

import math
from pathlib import Path

from flows.evaluate.corpus import ConflictPair, Fact
from flows.evaluate.run import Evaluation
from flows.evaluate.scoring import (
    IN_QUOTE,
    WRONG_COMPANY,
    Claim,
    ClaimVerdict,
    ConflictOutcome,
    ConflictScores,
    ExtractionScores,
    FactMatch,
    Violation,
    ratio,
)

RULES = "scoring rules: README.md, Measuring quality (and flows/evaluate/__init__.py)"


def share(part: int, whole: int) -> str:
    value = ratio(part, whole)
    return f"{part}/{whole} = " + ("n/a" if value is None else f"{value:.1%}")


def figures(ex: ExtractionScores) -> dict[str, tuple[int, int]]:
    """Each headline figure as (part, whole)."""
    right = len(ex.verdicts) - len(ex.wrong)
    return {
        "recall": (len(ex.found), len(ex.matches)),
        "precision": (right, len(ex.verdicts)),
        "company_accuracy": (right, ex.matched_claims),
        "period_accuracy": (ex.period_scored - len(ex.period_mismatches), ex.period_scored),
        "status_accuracy": (len(ex.found) - len(ex.status_mismatches), len(ex.found)),
    }


def conflict_figures(cs: ConflictScores) -> dict[str, tuple[int, int]]:
    return {
        "error_pairs_reported_as_error": (len(cs.errors_reported), len(cs.of("error"))),
        "warn_pairs_reported": (len(cs.warns_reported), len(cs.of("warn"))),
        "no_pairs_with_error_alarm": (len(cs.false_alarms), len(cs.of("no"))),
    }


def text_report(ev: Evaluation) -> str:
    ex = ev.extraction
    variant = "quote documents" if ev.quotes_only else "full texts"
    in_quote = sum(1 for m in ex.found if m.way == IN_QUOTE)
    wrong_company = sum(1 for v in ex.wrong if v.why == WRONG_COMPANY)
    fig = figures(ex)
    lines = [
        f"evaluate {ev.corpus_dir} ({variant}), run {ev.run_id}",
        f"facts: {ex.facts_total} ({ex.distractors} distractors, {ex.without_value} without a "
        f"value, {len(ex.matches)} counted); claims: {ev.claims}; violations: {ev.violations}",
        "",
        f"recall     {share(*fig['recall'])}  "
        f"({in_quote} in their quote, {len(ex.found) - in_quote} elsewhere in the document)",
        f"precision  {share(*fig['precision'])}  ({len(ex.wrong) - wrong_company} no such fact, "
        f"{wrong_company} credited to the wrong company)",
        f"company    {share(*fig['company_accuracy'])}  (of claims that match a fact)",
        f"period     {share(*fig['period_accuracy'])}  "
        f"(of facts found; {len(ex.period_unscorable)} not scorable)",
        f"status     {share(*fig['status_accuracy'])}  (of facts found)",
        "",
        f"{'family':<24} {'recall':>18}  {'precision':>18}",
    ]
    for fam in ex.families:
        recall, precision = share(fam.found, fam.facts), share(fam.right, fam.claims)
        lines.append(f"{fam.family:<24} {recall:>18}  {precision:>18}")
    lines += _section("misses", [_fact_line(m.fact) for m in ex.misses])
    lines += _section("wrong claims", [f"{_claim_line(v.claim)}  [{v.why}]" for v in ex.wrong])
    lines += _section(
        "period mismatches",
        [
            f"{_fact_line(m.fact)}  [claim {m.claim.period_start}..{m.claim.period_end}, "
            f"fact {m.fact.period}]"
            for m in ex.period_mismatches
            if m.claim
        ],
    )
    lines += _section(
        "period not scorable",
        [f"{_fact_line(m.fact)}  [{m.fact.period!r}]" for m in ex.period_unscorable],
    )
    lines += _section(
        "status mismatches",
        [
            f"{_fact_line(m.fact)}  [claim {m.claim.status}, fact {m.fact.status}]"
            for m in ex.status_mismatches
            if m.claim
        ],
    )
    lines += _section(
        "quotes not located in their document", [_fact_line(f) for f in ex.quotes_not_found]
    )
    if ev.conflicts is not None:
        lines += _conflict_lines(ev.conflicts)
    return "\n".join([*lines, "", RULES])


def _conflict_lines(cs: ConflictScores) -> list[str]:
    fig = conflict_figures(cs)
    lines = [
        "",
        f"conflicts ({len(cs.outcomes)} pairs)",
        f"  error pairs reported as errors  {share(*fig['error_pairs_reported_as_error'])}",
        f"  warn pairs reported             {share(*fig['warn_pairs_reported'])}",
        f"  no pairs with an error alarm    {share(*fig['no_pairs_with_error_alarm'])}",
        f"  error alarms matching no pair   {len(cs.unmatched_alarms)}",
    ]
    for flag in ("error", "warn", "no"):
        lines += _section(f"{flag} pairs", [_outcome_line(o) for o in cs.of(flag)])
    lines += _section(
        "error alarms matching no pair",
        [f"{v.check_id}: {v.message} [{' | '.join(v.quotes)}]" for v in cs.unmatched_alarms],
    )
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"{title} ({len(items)})", *(f"  {item}" for item in items)]


def _fact_line(fact: Fact) -> str:
    return f"{fact.file}  {fact.metric}  {fact.value_text!r}  {_short(fact.quote)!r}"


def _claim_line(claim: Claim) -> str:
    return f"{claim.file}  {claim.metric}  {claim.value_text!r}  {_short(claim.quote)!r}"


def _outcome_line(o: ConflictOutcome) -> str:
    if not o.covered_by:
        verdict = "not reported"
    else:
        verdict = "reported by " + ", ".join(f"{v.check_id} ({v.severity})" for v in o.covered_by)
    pair = o.pair
    return (
        f"{pair.conflict_id} ({pair.kind}, row {pair.row}): {_short(pair.quote_a, 50)!r} / "
        f"{_short(pair.quote_b, 50)!r}: {verdict}"
    )


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_document(ev: Evaluation) -> dict:
    ex = ev.extraction
    doc: dict = {
        "corpus": str(ev.corpus_dir),
        "variant": "quote documents" if ev.quotes_only else "full texts",
        "run_id": ev.run_id,
        "facts": ex.facts_total,
        "distractors": ex.distractors,
        "facts_without_value": ex.without_value,
        "facts_counted": len(ex.matches),
        "claims": ev.claims,
        "violations": ev.violations,
        "figures": {name: _figure(*pw) for name, pw in figures(ex).items()},
        "families": [
            {
                "family": f.family,
                "facts": f.facts,
                "found": f.found,
                "recall": f.recall,
                "claims": f.claims,
                "right": f.right,
                "precision": f.precision,
            }
            for f in ex.families
        ],
        "found": [_match(m) for m in ex.found],
        "misses": [_fact(m.fact) for m in ex.misses],
        "wrong_claims": [_verdict(v) for v in ex.wrong],
        "period_mismatches": [_match(m) for m in ex.period_mismatches],
        "period_unscorable": [_match(m) for m in ex.period_unscorable],
        "status_mismatches": [_match(m) for m in ex.status_mismatches],
        "quotes_not_found": [_fact(f) for f in ex.quotes_not_found],
        "conflicts": None,
    }
    if ev.conflicts is not None:
        cs = ev.conflicts
        doc["conflicts"] = {
            "figures": {name: _figure(*pw) for name, pw in conflict_figures(cs).items()},
            "unmatched_error_alarms": len(cs.unmatched_alarms),
            "pairs": [
                {
                    **_pair(o.pair),
                    "reported": bool(o.covered_by),
                    "reported_as_error": o.as_error,
                    "covered_by": [_violation(v) for v in o.covered_by],
                }
                for o in cs.outcomes
            ],
            "unmatched_alarms": [_violation(v) for v in cs.unmatched_alarms],
        }
    return doc


def write_json(ev: Evaluation, path: Path) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_document(ev), indent=2, ensure_ascii=False) + "\n")


def _figure(part: int, whole: int) -> dict:
    return {"part": part, "whole": whole, "value": ratio(part, whole)}


def _fact(fact: Fact) -> dict:
    return {
        "row": fact.row,
        "file": fact.file,
        "entity": fact.entity,
        "metric": fact.metric,
        "value_text": fact.value_text,
        "value_lo": fact.value_lo,
        "value_hi": fact.value_hi,
        "period": fact.period,
        "status": fact.status,
        "quote": fact.quote,
    }


def _claim(claim: Claim) -> dict:
    return {
        "claim_id": claim.claim_id,
        "file": claim.file,
        "entity": claim.entity,
        "metric": claim.metric,
        "value_text": claim.value_text,
        "value_lo": claim.value_lo if math.isfinite(claim.value_lo) else None,
        "value_hi": claim.value_hi if math.isfinite(claim.value_hi) else None,
        "period_start": claim.period_start.isoformat(),
        "period_end": claim.period_end.isoformat(),
        "status": claim.status,
        "quote": claim.quote,
        "char_start": claim.char_start,
        "char_end": claim.char_end,
    }


def _match(m: FactMatch) -> dict:
    return {"fact": _fact(m.fact), "claim": m.claim and _claim(m.claim), "way": m.way}


def _verdict(v: ClaimVerdict) -> dict:
    return {**_claim(v.claim), "why": v.why, "matched_fact": v.fact and _fact(v.fact)}


def _pair(p: ConflictPair) -> dict:
    return {
        "row": p.row,
        "conflict_id": p.conflict_id,
        "kind": p.kind,
        "should_flag": p.should_flag,
        "file_a": p.file_a,
        "quote_a": p.quote_a,
        "file_b": p.file_b,
        "quote_b": p.quote_b,
    }


def _violation(v: Violation) -> dict:
    return {
        "check_id": v.check_id,
        "severity": v.severity,
        "status": v.status,
        "claim_ids": list(v.claim_ids),
        "quotes": list(v.quotes),
        "document_files": list(v.document_files),
        "message": v.message,
    }
