"""Disputes: which claims this run's violations set against each other, and who wins.

Plain functions on plain records, no DuckDB (flows/resolve/__init__.py reads and writes):
- `group_disputes`: the claims tied together by violations naming two or more of them;
- `two_sides`: a dispute's claims as two sides that disagree, when they form two;
- `decide`: the first rule of checks/resolution.yaml that picks a side;
- `pivot_of`: the claim the dispute turns on (what the report's card is headed by).
Which claims are then quarantined is SQL (flows/validate.py, quarantine_claims).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flows.resolve.rules import IndependentSources, LaterLevel, OwnReleaseWins, ResolutionRules

KEPT, OUTLIER, SUPERSEDED, TIED = "kept", "outlier", "superseded", "tied"


@dataclass(frozen=True)
class ClaimFacts:
    """What the rules weigh about one claim: its date, its metric, and who stated it."""

    claim_id: str
    doc_id: str
    file: str
    entity: str
    metric: str
    scope: str
    period_start: date
    period_end: date
    published_at: date
    publisher: str | None
    level_can_fall: bool  # a stock whose level can legitimately go down
    own_release: bool  # stated by the entity's own release (checks/resolution.yaml)
    family: str = ""  # the metric's family (catalogue/metrics.yaml); the metric if none

    @property
    def series(self) -> tuple[str, str, str]:
        """What the claim is a statement of: an entity's count of one kind of thing, in one
        scope (markets present and the Nth market entered are one series; a country's count
        and the world's are two)."""
        return (self.entity, self.scope, self.family or self.metric)


@dataclass(frozen=True)
class Named:
    """A failed violation as the resolver sees it: its check, severity and the claims it names
    (events and unknown ids left out)."""

    check_id: str
    severity: str
    claim_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Dispute:
    dispute_id: str  # stable across runs: a hash of its sorted claim ids
    claim_ids: tuple[str, ...]  # sorted
    violations: tuple[Named, ...]

    @property
    def severity(self) -> str:
        return "error" if any(v.severity == "error" for v in self.violations) else "warn"


@dataclass(frozen=True)
class Verdict:
    """How a dispute ended: `rule_id` None is a tie. `sides` maps each claim to kept, outlier
    (the side a rule decided against), superseded (the earlier side, where a later level
    supersedes it) or tied."""

    rule_id: str | None
    reason: str
    sides: dict[str, str]

    @property
    def decision(self) -> str:
        return "tie" if self.rule_id is None else "resolved"


# --- grouping ---------------------------------------------------------------------------------


def group_disputes(violations: Iterable[Named], facts: dict[str, ClaimFacts]) -> list[Dispute]:
    """The connected groups of claims that violations set against each other, in a stable
    order (by their first claim id). Only a violation between statements of one series makes
    a dispute (`disputing`): a part against its total, or a subset against its superset, says
    that one of them is wrong, not that they are rival values of one thing to weigh."""
    parent: dict[str, str] = {}

    def root(claim: str) -> str:
        while parent.setdefault(claim, claim) != claim:
            parent[claim] = parent[parent[claim]]  # halve the path as we go
            claim = parent[claim]
        return claim

    pairing = [v for v in violations if disputing(v, facts)]
    for violation in pairing:
        first, *others = violation.claim_ids
        for other in others:
            parent[root(other)] = root(first)
    members: dict[str, list[str]] = defaultdict(list)
    for claim in parent:
        members[root(claim)].append(claim)
    named: dict[str, list[Named]] = defaultdict(list)
    for violation in pairing:
        named[root(violation.claim_ids[0])].append(violation)
    disputes = [
        Dispute(dispute_id(claims), tuple(sorted(claims)), tuple(named[top]))
        for top, claims in members.items()
    ]
    return sorted(disputes, key=lambda d: d.claim_ids)


def disputing(violation: Named, facts: dict[str, ClaimFacts]) -> bool:
    """A violation naming two or more claims, all statements of one series."""
    claims = set(violation.claim_ids)
    return len(claims) >= 2 and len({facts[c].series for c in claims}) == 1


def dispute_id(claim_ids: Iterable[str]) -> str:
    return "dispute-" + hashlib.sha256("\n".join(sorted(claim_ids)).encode()).hexdigest()[:16]


def two_sides(
    dispute: Dispute, facts: dict[str, ClaimFacts]
) -> tuple[frozenset[str], frozenset[str]] | str:
    """The two sides, or why there are not two. Each violation sets the claims of one document
    against those of another (a document's repeated mentions of one fact are one side: a check
    may name them together), or two claims of one document against each other. A violation
    naming claims of three or more documents has no two sides, nor do three values that all
    disagree (an odd cycle)."""
    together: dict[str, str] = {c: c for c in dispute.claim_ids}

    def group(claim: str) -> str:
        while together[claim] != claim:
            claim = together[claim]
        return claim

    pairs: list[tuple[str, str]] = []
    for violation in dispute.violations:
        claims = sorted(set(violation.claim_ids))
        by_document: dict[str, list[str]] = defaultdict(list)
        for claim in claims:
            by_document[facts[claim].doc_id].append(claim)
        if len(by_document) > 2 or (len(by_document) == 1 and len(claims) > 2):
            return (
                f"{violation.check_id} names {len(claims)} claims of {len(by_document)} documents"
            )
        if len(by_document) == 1:
            pairs.append((claims[0], claims[1]))
            continue
        first, second = (sorted(c) for c in by_document.values())
        for claim in (*first[1:], *second[1:]):  # a document's mentions: one side
            head = first[0] if claim in first else second[0]
            together[group(claim)] = group(head)
        pairs.append((first[0], second[0]))
    against: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        a, b = group(a), group(b)
        if a == b:
            return "a document's claims are on both sides"
        against[a].add(b)
        against[b].add(a)
    colour = colour_two_ways(sorted({group(c) for c in dispute.claim_ids}), against)
    if colour is None:
        return "three or more values disagree with each other"
    return (
        frozenset(c for c in dispute.claim_ids if colour[group(c)] == 0),
        frozenset(c for c in dispute.claim_ids if colour[group(c)] == 1),
    )


def colour_two_ways(nodes: list[str], against: dict[str, set[str]]) -> dict[str, int] | None:
    """Each node 0 or 1 so that no two nodes against each other share one; None if impossible."""
    colour: dict[str, int] = {}
    for start in nodes:
        if start in colour:
            continue
        colour[start] = 0
        queue = [start]
        while queue:
            node = queue.pop()
            for other in sorted(against[node]):
                if other not in colour:
                    colour[other] = 1 - colour[node]
                    queue.append(other)
                elif colour[other] == colour[node]:
                    return None
    return colour


# --- deciding ---------------------------------------------------------------------------------


def decide(dispute: Dispute, facts: dict[str, ClaimFacts], rules: ResolutionRules) -> Verdict:
    """The first rule that picks a side; a tie when none does or there are no two sides."""
    split = two_sides(dispute, facts)
    if isinstance(split, str):
        return tie(dispute, f"no two sides: {split}")
    a = [facts[c] for c in sorted(split[0])]
    b = [facts[c] for c in sorted(split[1])]
    for rule in rules.rules:
        decision = WEIGHERS[type(rule)](rule, a, b)
        if decision is not None:
            winner, reason = decision
            kept, lost = (a, b) if winner == 0 else (b, a)
            loser = SUPERSEDED if isinstance(rule, LaterLevel) else OUTLIER
            sides = {c.claim_id: KEPT for c in kept} | {c.claim_id: loser for c in lost}
            return Verdict(rule.id, reason, sides)
    a_sources, b_sources = independent_sources(a, b), independent_sources(b, a)
    return tie(
        dispute,
        f"no rule decided: {count(len(a_sources), 'source')} ({'; '.join(a_sources)}) against "
        f"{len(b_sources)} ({'; '.join(b_sources)})",
    )


def tie(dispute: Dispute, reason: str) -> Verdict:
    return Verdict(None, reason, dict.fromkeys(dispute.claim_ids, TIED))


Decision = tuple[int, str]  # (winning side: 0 or 1, why)


def later_level(rule: LaterLevel, a: list[ClaimFacts], b: list[ClaimFacts]) -> Decision | None:
    if not all(c.level_can_fall for c in (*a, *b)):
        return None
    for winner, (later, earlier) in enumerate(((a, b), (b, a))):
        if min(c.period_start for c in later) > max(c.period_end for c in earlier):
            metrics = ", ".join(sorted({c.metric for c in (*a, *b)}))
            return winner, (
                f"{metrics} can fall: the level on {dates(later)} supersedes the one on "
                f"{dates(earlier)}"
            )
    return None


def more_sources(
    rule: IndependentSources, a: list[ClaimFacts], b: list[ClaimFacts]
) -> Decision | None:
    a_sources, b_sources = independent_sources(a, b), independent_sources(b, a)
    for winner, (more, fewer) in enumerate(((a_sources, b_sources), (b_sources, a_sources))):
        if len(more) >= rule.min_sources and len(more) >= len(fewer) + rule.min_margin:
            return winner, (
                f"{count(len(more), 'independent source')} agree ({'; '.join(more)}) against "
                f"{len(fewer)} ({'; '.join(fewer) or 'none'})"
            )
    return None


def own_release(rule: OwnReleaseWins, a: list[ClaimFacts], b: list[ClaimFacts]) -> Decision | None:
    if len({c.period_end for c in (*a, *b)}) != 1:
        return None
    shared = {c.doc_id for c in a} & {c.doc_id for c in b}
    a_own = releases(a, shared)
    b_own = releases(b, shared)
    if bool(a_own) == bool(b_own):
        return None
    winner, own, other = (0, a_own, b) if a_own else (1, b_own, a)
    reports = sorted({c.publisher or c.file for c in other})
    return winner, (
        f"the company's own release ({'; '.join(own)}) against a report about it "
        f"({'; '.join(reports)}), both for {a[0].period_end.isoformat()}"
    )


WEIGHERS = {LaterLevel: later_level, IndependentSources: more_sources, OwnReleaseWins: own_release}


def independent_sources(side: list[ClaimFacts], other: list[ClaimFacts]) -> list[str]:
    """The side's independent sources: its publishers where known, else its documents; a
    document stating claims on both sides is nobody's source."""
    shared = {c.doc_id for c in side} & {c.doc_id for c in other}
    named: dict[str, str] = {}  # one name per source: the first spelling, in sorted order
    for key, name in sorted(
        (" ".join(c.publisher.split()).casefold(), c.publisher)
        if c.publisher
        else (c.doc_id, c.file)
        for c in side
        if c.doc_id not in shared
    ):
        named.setdefault(key, name)
    return sorted(named.values())


def releases(side: list[ClaimFacts], shared: set[str]) -> list[str]:
    return sorted({c.publisher or c.file for c in side if c.own_release and c.doc_id not in shared})


def dates(claims: list[ClaimFacts]) -> str:
    found = sorted({c.period_end for c in claims})
    return found[0].isoformat() if len(found) == 1 else f"{found[0]} to {found[-1]}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- the claim a dispute turns on -------------------------------------------------------------


def pivot_of(dispute: Dispute, verdict: Verdict, facts: dict[str, ClaimFacts]) -> str:
    """The claim named by most of the dispute's violations; among equals one on the losing
    side first, then the latest published (the newcomer), then the smallest id."""
    named = Counter(c for v in dispute.violations for c in set(v.claim_ids))
    rank = {OUTLIER: 0, SUPERSEDED: 0, TIED: 1, KEPT: 2}

    def key(claim: str) -> tuple:
        return (
            -named[claim],
            rank[verdict.sides[claim]],
            -facts[claim].published_at.toordinal(),
            claim,
        )

    return min(dispute.claim_ids, key=key)
