"""Numbers found by the scan → claims: which metric, what interval, about whom, when."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.extract.numbers import Amount, NumberReader, QualifierReader, interval_for
from flows.extract.page import Page
from flows.extract.patterns import SuffixMatch, WordSearch, alternation, folded_phrases, norm
from flows.extract.rules import MetricRule, Rules
from flows.model import Claim

NO_CUE = 10**9  # distance standing for "this rule needs no cue"


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class RuleMatch:
    rule: MetricRule
    cue: tuple[int, int] | None  # span of the cue used, if the rule has cues
    order: int  # position in extraction.yaml: the last tie-breaker


class ClaimFinder:
    """Turns one number anchor into at most one claim, looking only at the text around it."""

    def __init__(self, rules: Rules, numbers: NumberReader) -> None:
        self._numbers = numbers
        self._qualifiers = QualifierReader(rules.qualifiers)
        self._order = {r.id: i for i, r in enumerate(rules.metric_rules)}
        self._by_noun: dict[str, list[MetricRule]] = {}
        self._cue_only: list[MetricRule] = []
        self._by_cue: dict[str, set[str]] = {}
        for rule in rules.metric_rules:
            for noun in rule.nouns:
                self._by_noun.setdefault(norm(noun), []).append(rule)
            if not rule.nouns:
                self._cue_only.append(rule)
            for cue in rule.cues:
                self._by_cue.setdefault(norm(cue), set()).add(rule.id)
        self._modifiers = rules.noun_modifiers
        modifiers = alternation(rules.noun_modifiers)
        self._noun = re.compile(
            rf"\s+(?:{modifiers}\s+){{0,2}}(?P<noun>{alternation(self._by_noun)})(?![\w-])",
            re.IGNORECASE,
        )
        # Without a currency, a number is a claim only with a metric noun after it, unless some
        # rule needs no noun: then any number may be one (see noun_after_source).
        self._noun_required = all(r.nouns or r.money for r in rules.metric_rules)
        cues = [c for r in rules.metric_rules for c in r.cues]
        self._cue = WordSearch(folded_phrases(cues))  # searched in page.folded
        self._lead_in = SuffixMatch(rules.quote_lead_ins, re.IGNORECASE)
        # (noun as written or None, money) -> the rules that may take such a number
        self._pools: dict[tuple[str | None, bool], list[MetricRule]] = {}

    def noun_after_source(self) -> str | None:
        """Regex source of what must follow a number with no currency for a rule to take it.

        The scan uses it as a look-ahead, so that years, phone numbers and percentages, most
        of the numbers in news, never reach Python. None when some rule needs no noun.
        """
        if not self._noun_required:
            return None
        modifiers = alternation(m.lower() for m in self._modifiers)
        nouns = alternation(n.lower() for n in self._by_noun)
        return rf"\s+(?:{modifiers}\s+){{0,2}}{nouns}(?![\w-])"  # lower case, as the scan's text

    def find(self, m: re.Match[str], page: Page) -> Claim | None:
        text = page.text
        amount = self._numbers.read(m, text)
        if amount is None or amount.percent or _looks_like_a_year_or_version(amount):
            return None
        noun = self._noun.match(text, amount.end)
        candidates = self._candidates(noun, amount)
        if not candidates:
            return None
        sentence, clause = page.sentence_and_clause(amount.start)
        chosen = self._choose(candidates, page.folded, clause, amount.start)
        if chosen is None:
            return None
        return self._claim(page, amount, noun, chosen, sentence, clause)

    def _candidates(self, noun: re.Match[str] | None, amount: Amount) -> list[MetricRule]:
        money = amount.currency is not None
        key = (noun.group("noun") if noun else None, money)
        found = self._pools.get(key)
        if found is None:  # a few dozen nouns as written, each with or without money
            pool = self._by_noun[norm(key[0])] if noun else self._cue_only
            found = self._pools[key] = [r for r in pool if r.money == money and (noun or r.cues)]
        return found

    def _choose(
        self, candidates: list[MetricRule], folded: str, clause: tuple[int, int], pos: int
    ) -> RuleMatch | None:
        """The rule whose cue is nearest (rules without cues rank after those with one)."""
        if len(candidates) == 1 and not candidates[0].cues:  # most numbers: one noun, one rule
            rule = candidates[0]
            return RuleMatch(rule, None, self._order[rule.id])
        cue_hits = None
        best, best_key = None, None
        for rule in candidates:
            cue, distance = None, NO_CUE
            if rule.cues:
                if cue_hits is None:
                    cue_hits = [
                        (s, e, self._by_cue[norm(w)])
                        for s, e, w in self._cue.finditer(folded, *clause)
                    ]
                near = [
                    (pos - e if e <= pos else s - pos, s, e)
                    for s, e, ids in cue_hits
                    if rule.id in ids
                ]
                if not near:
                    continue
                distance, s, e = min(near)
                cue = (s, e)
            key = (distance, self._order[rule.id])
            if best_key is None or key < best_key:
                best, best_key = RuleMatch(rule, cue, self._order[rule.id]), key
        return best

    def _claim(
        self,
        page: Page,
        amount: Amount,
        noun: re.Match[str] | None,
        match: RuleMatch,
        sentence: tuple[int, int],
        clause: tuple[int, int],
    ) -> Claim:
        text, rule = page.text, match.rule
        value_start = amount.start
        if amount.ordinal:
            qualifier, kind = "ordinal", "exact"
        else:
            found = self._qualifiers.find(text, value_start)
            if found is None:
                qualifier, kind = "exact", "exact"
            else:
                (qualifier, kind), value_start = found
        interval = interval_for(amount.value, kind, rule.tolerance)
        start, end = value_start, noun.end() if noun else amount.end
        lead_in = self._lead_in.find(text, start, floor=clause[0])
        if lead_in:
            start = lead_in[0]
        if match.cue:
            start, end = min(start, match.cue[0]), max(end, match.cue[1])
        quote = page.quote(start, end)
        dating = page.dating.date(amount.start, clause, sentence)
        doc = page.doc
        return Claim.new(
            doc_id=doc.doc_id,
            file=doc.file,
            entity=page.subject(sentence[0], start),
            metric=rule.metric,
            value_lo=interval.lo,
            value_hi=interval.hi,
            lo_open=interval.lo_open,
            hi_open=interval.hi_open,
            qualifier=qualifier,
            unit=rule.unit,
            value_text=text[value_start : amount.end],
            period_start=dating.start,
            period_end=dating.end,
            period_text=dating.text,
            status=dating.status,
            quote=quote,
            char_start=start,
            char_end=end,
            source="rules",
            rule_id=rule.id,
        )


def _looks_like_a_year_or_version(amount: Amount) -> bool:
    """ "in 2023" is a time, "2.0" a version: neither is a count of anything."""
    digits = amount.digits  # set only for a plain number in digits: no currency, scale, suffix
    if digits is None or amount.currency or amount.scaled:
        return False
    if "." in digits:
        return True  # a fraction of a store or market is no count; money and scales are above
    return len(digits) == 4 and 1900 <= int(digits) <= 2099
