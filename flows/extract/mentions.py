"""Repeated mentions of one fact in one document: one fact, dated once."""

from __future__ import annotations

from flows.catalogue import GLOBAL_SCOPE
from flows.model import Claim


def date_repeated_mentions(claims: list[Claim]) -> list[Claim]:
    """A fact repeated in one document is one fact: a mention with no time of its own takes the
    period of a dated mention of the same value ("The 100th coffeehouse ..." and "Caribou's
    100th coffeehouse, which opened on May 10, 2012"). A worldwide mention and a scoped one of
    the same value count as the same fact; two different scopes do not."""
    dated: dict[tuple, Claim] = {}  # by fact and scope
    dated_worldwide: dict[tuple, Claim] = {}  # by fact, the global mention
    dated_anywhere: dict[tuple, Claim] = {}  # by fact, the first dated mention in any scope
    for claim in claims:
        if claim.period_text is not None:
            key = _mention_key(claim)
            dated.setdefault((key, claim.scope), claim)
            dated_anywhere.setdefault(key, claim)
            if claim.scope == GLOBAL_SCOPE:
                dated_worldwide.setdefault(key, claim)
    if not dated:
        return claims
    out = []
    for claim in claims:
        source = None
        if claim.period_text is None:
            key = _mention_key(claim)
            source = dated.get((key, claim.scope)) or dated_worldwide.get(key)
            if source is None and claim.scope == GLOBAL_SCOPE:
                source = dated_anywhere.get(key)
        if source is None:
            out.append(claim)
        else:
            out.append(
                claim.with_period(source.period_start, source.period_end, source.period_text)
            )
    return out


def _mention_key(claim: Claim) -> tuple:
    return (claim.entity, claim.metric, claim.status, claim.value_lo, claim.value_hi)
