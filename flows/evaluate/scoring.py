"""Pure scoring: a corpus's facts and conflict pairs against a run's claims and violations.

The rules are written out in flows/evaluate/__init__.py and README.md ("Measuring quality").
"""

from __future__ import annotations

import calendar
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flows.evaluate.corpus import ConflictPair, Corpus, Fact

TOLERANCE = 0.005  # relative: "$1.2 billion" against 1,196,000,000 written out
IN_QUOTE = "in quote"
ELSEWHERE = "elsewhere in document"
WRONG_COMPANY = "credited to the wrong company"
NO_SUCH_FACT = "no such fact"


@dataclass(frozen=True)
class Claim:
    """An extracted claim, as scored (raw.claims joined to raw.documents)."""

    claim_id: str
    file: str
    entity: str
    metric: str
    value_lo: float
    value_hi: float  # +inf when unbounded above
    value_text: str
    quote: str
    char_start: int
    char_end: int
    period_start: date
    period_end: date
    status: str


@dataclass(frozen=True)
class Violation:
    """A row of audit.violations for the run."""

    check_id: str
    severity: str
    status: str
    claim_ids: tuple[str, ...]
    quotes: tuple[str, ...]
    document_files: tuple[str, ...]
    message: str = ""


@dataclass(frozen=True)
class FactMatch:
    """A fact that counts for recall, and the claim that found it (None: missed)."""

    fact: Fact
    claim: Claim | None
    way: str | None  # IN_QUOTE or ELSEWHERE when found

    @property
    def found(self) -> bool:
        return self.claim is not None


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim judged for precision: why is None when it is right."""

    claim: Claim
    why: str | None
    fact: Fact | None  # the fact it matched (of its own entity when right)

    @property
    def right(self) -> bool:
        return self.why is None


@dataclass(frozen=True)
class FamilyScore:
    family: str
    facts: int
    found: int
    claims: int
    right: int

    @property
    def recall(self) -> float | None:
        return ratio(self.found, self.facts)

    @property
    def precision(self) -> float | None:
        return ratio(self.right, self.claims)


@dataclass(frozen=True)
class ExtractionScores:
    facts_total: int
    distractors: int  # facts about another entity than the document's
    without_value: int  # facts with neither value_lo nor value_hi
    matches: list[FactMatch]  # one per fact that counts for recall, in facts.csv order
    verdicts: list[ClaimVerdict]  # one per claim
    families: list[FamilyScore]
    period_mismatches: list[FactMatch]
    period_unscorable: list[FactMatch]  # found, but period_or_as_of does not parse
    status_mismatches: list[FactMatch]
    quotes_not_found: list[Fact]  # quote not located in its document's text

    @property
    def found(self) -> list[FactMatch]:
        return [m for m in self.matches if m.found]

    @property
    def misses(self) -> list[FactMatch]:
        return [m for m in self.matches if not m.found]

    @property
    def wrong(self) -> list[ClaimVerdict]:
        return [v for v in self.verdicts if not v.right]

    @property
    def recall(self) -> float | None:
        return ratio(len(self.found), len(self.matches))

    @property
    def precision(self) -> float | None:
        return ratio(len(self.verdicts) - len(self.wrong), len(self.verdicts))

    @property
    def matched_claims(self) -> int:
        """Claims that match some fact by family and bound, whatever its entity."""
        return sum(1 for v in self.verdicts if v.why != NO_SUCH_FACT)

    @property
    def company_accuracy(self) -> float | None:
        return ratio(len(self.verdicts) - len(self.wrong), self.matched_claims)

    @property
    def period_scored(self) -> int:
        return len(self.found) - len(self.period_unscorable)

    @property
    def period_accuracy(self) -> float | None:
        return ratio(self.period_scored - len(self.period_mismatches), self.period_scored)

    @property
    def status_accuracy(self) -> float | None:
        found = len(self.found)
        return ratio(found - len(self.status_mismatches), found)


@dataclass(frozen=True)
class ConflictOutcome:
    pair: ConflictPair
    covered_by: tuple[Violation, ...]

    @property
    def as_error(self) -> bool:
        return any(v.severity == "error" for v in self.covered_by)


@dataclass(frozen=True)
class ConflictScores:
    outcomes: list[ConflictOutcome]  # one per pair, in conflicts.csv order
    unmatched_alarms: list[Violation]  # error violations of 2+ claims covering no pair

    def of(self, should_flag: str) -> list[ConflictOutcome]:
        return [o for o in self.outcomes if o.pair.should_flag == should_flag]

    @property
    def errors_reported(self) -> list[ConflictOutcome]:
        return [o for o in self.of("error") if o.as_error]

    @property
    def warns_reported(self) -> list[ConflictOutcome]:
        return [o for o in self.of("warn") if o.covered_by]

    @property
    def false_alarms(self) -> list[ConflictOutcome]:
        """`no` pairs (positive controls) hit by an error violation."""
        return [o for o in self.of("no") if o.as_error]


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def same_entity(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b))


def matches(claim: Claim, fact: Fact, family: Callable[[str], str]) -> bool:
    """Same metric family, and a finite bound of the claim, or the middle of a finite
    interval, equal to a bound of the fact: "about 320" is stored as the band [304, 336] and
    annotated as 320."""
    if family(claim.metric) != family(fact.metric):
        return False
    bounds = [v for v in (claim.value_lo, claim.value_hi) if math.isfinite(v)]
    if len(bounds) == 2:
        bounds.append((bounds[0] + bounds[1]) / 2)
    return any(close(c, f) for c in bounds for f in fact.bounds)


def collapse(text: str) -> str:
    return " ".join(text.split())


def quote_spans(quote: str, text: str) -> list[tuple[int, int]]:
    """Every (start, end) of `quote` in `text`, any run of whitespace matching any other:
    the corpus's quotes are on one line where the document may wrap them."""
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(map(re.escape, words))
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def period_interval(text: str) -> tuple[date, date] | None:
    """`2025`, `2025-H1`, `2024-Q1`, `2023-07`, `2023-07-18`, or `A/B` of two of those, as
    (first day, last day); None when it is none of these."""
    parts = text.strip().split("/")
    if len(parts) > 2:
        return None
    ends = [_one_period(part) for part in parts]
    if any(end is None for end in ends):
        return None
    return ends[0][0], ends[-1][1]  # type: ignore[index]


def _one_period(text: str) -> tuple[date, date] | None:
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return day, day
    if m := re.fullmatch(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?", text):
        year, part = int(m[1]), m[2]
        if part is None:
            first, last = 1, 12
        elif part[0] == "H":
            first = 1 + 6 * (int(part[1]) - 1)
            last = first + 5
        elif part[0] == "Q":
            first = 1 + 3 * (int(part[1]) - 1)
            last = first + 2
        else:
            first = last = int(part)
            if not 1 <= first <= 12:
                return None
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    return None


def score_extraction(
    corpus: Corpus, texts: dict[str, str], claims: list[Claim], families: dict[str, str]
) -> ExtractionScores:
    """Recall over the facts of each document's own entity that carry a value; precision over
    every claim; period and status accuracy over the facts found. `texts`: each document's
    text as the pipeline stored it (claim offsets refer to it); `families`: metric → family."""

    def family(metric: str) -> str:
        return families.get(metric, metric)  # a metric the catalogue lacks is its own family

    claims_of: dict[str, list[Claim]] = defaultdict(list)
    for claim in sorted(claims, key=lambda c: (c.file, c.char_start, c.char_end, c.claim_id)):
        claims_of[claim.file].append(claim)

    distractors = without_value = 0
    match_list: list[FactMatch] = []
    not_located: list[Fact] = []
    for fact in corpus.facts:
        if not same_entity(fact.entity, corpus.documents[fact.file].entity):
            distractors += 1
            continue
        if not fact.bounds:
            without_value += 1
            continue
        spans = quote_spans(fact.quote, texts.get(fact.file, ""))
        if not spans:
            not_located.append(fact)
        match_list.append(_find(fact, spans, claims_of[fact.file], family))

    verdicts = [_judge(claim, corpus.facts_of(claim.file), family) for claim in claims]
    period_mismatches, period_unscorable, status_mismatches = [], [], []
    for match in match_list:
        if match.claim is None:
            continue
        interval = period_interval(match.fact.period)
        if interval is None:
            period_unscorable.append(match)
        elif not (
            match.claim.period_start <= interval[1] and interval[0] <= match.claim.period_end
        ):
            period_mismatches.append(match)
        if match.claim.status != match.fact.status:
            status_mismatches.append(match)
    return ExtractionScores(
        facts_total=len(corpus.facts),
        distractors=distractors,
        without_value=without_value,
        matches=match_list,
        verdicts=verdicts,
        families=_families(match_list, verdicts, family),
        period_mismatches=period_mismatches,
        period_unscorable=period_unscorable,
        status_mismatches=status_mismatches,
        quotes_not_found=not_located,
    )


def _find(
    fact: Fact, spans: list[tuple[int, int]], claims: list[Claim], family: Callable[[str], str]
) -> FactMatch:
    candidates = [c for c in claims if matches(c, fact, family)]
    in_quote = [c for c in candidates if any(c.char_start < e and s < c.char_end for s, e in spans)]
    for found, way in ((in_quote, IN_QUOTE), (candidates, ELSEWHERE)):
        if found:
            # Of several, the one most like the fact: its own metric, then its entity; the
            # period and status scores are then about the best reading, not the first.
            best = min(
                found,
                key=lambda c: (c.metric != fact.metric, not same_entity(c.entity, fact.entity)),
            )
            return FactMatch(fact, best, way)
    return FactMatch(fact, None, None)


def _judge(claim: Claim, facts: list[Fact], family: Callable[[str], str]) -> ClaimVerdict:
    matching = [f for f in facts if matches(claim, f, family)]
    for fact in matching:
        if same_entity(fact.entity, claim.entity):
            return ClaimVerdict(claim, None, fact)
    if matching:
        return ClaimVerdict(claim, WRONG_COMPANY, matching[0])
    return ClaimVerdict(claim, NO_SUCH_FACT, None)


def _families(
    match_list: list[FactMatch], verdicts: list[ClaimVerdict], family: Callable[[str], str]
) -> list[FamilyScore]:
    facts: dict[str, list[FactMatch]] = defaultdict(list)
    claims: dict[str, list[ClaimVerdict]] = defaultdict(list)
    for match in match_list:
        facts[family(match.fact.metric)].append(match)
    for verdict in verdicts:
        claims[family(verdict.claim.metric)].append(verdict)
    return [
        FamilyScore(
            family=name,
            facts=len(facts[name]),
            found=sum(1 for m in facts[name] if m.found),
            claims=len(claims[name]),
            right=sum(1 for v in claims[name] if v.right),
        )
        for name in sorted(facts.keys() | claims.keys())
    ]


def covers(violation: Violation, pair: ConflictPair) -> bool:
    """The violation names both files of the pair, and two different quotes of it lie inside
    (or contain) quote_a and quote_b, whitespace collapsed."""
    if not {pair.file_a, pair.file_b} <= set(violation.document_files):
        return False
    quotes = [collapse(q) for q in violation.quotes]
    side_a, side_b = collapse(pair.quote_a), collapse(pair.quote_b)

    def on(quote: str, side: str) -> bool:
        return bool(quote) and (quote in side or side in quote)

    return any(
        on(qa, side_a) and on(qb, side_b)
        for i, qa in enumerate(quotes)
        for j, qb in enumerate(quotes)
        if i != j
    )


def score_conflicts(pairs: list[ConflictPair], violations: list[Violation]) -> ConflictScores:
    """Which pairs the run's violations cover, and the error alarms that cover none."""
    outcomes = [ConflictOutcome(p, tuple(v for v in violations if covers(v, p))) for p in pairs]
    unmatched = [
        v
        for v in violations
        if v.severity == "error" and len(v.claim_ids) >= 2 and not any(covers(v, p) for p in pairs)
    ]
    return ConflictScores(outcomes, unmatched)
