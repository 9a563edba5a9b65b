"""Numbers found by the scan → claims: which metric, what interval, where, about whom, when.

A number becomes a claim when its noun says what it counts: right after it, across a few
modifiers ("5,600 locally owned hardware stores"), a partitive ("120 of the EV charging
stations") or a copula ("155 million are premium paying subscribers"); or, with no noun of its
own, the noun of the claim just before it ("plans to open 32 more by the end of the year").
The noun gives a rule and its stock; the words around the number say whether it is that stock,
its flow (an amount added over a period) or its milestone (an ordinal: "its 500th store").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flows.catalogue import GLOBAL_SCOPE
from flows.extract.kinds import KindOfCount
from flows.extract.noun_phrases import (
    NounPhrase,
    compound_source,
    follower_source,
    not_a_count_source,
    noun_phrase_source,
    scan_sources,
)
from flows.extract.numbers import Amount, Interval, NumberReader, QualifierReader, interval_for
from flows.extract.page import Page
from flows.extract.patterns import (
    SuffixMatch,
    WordSearch,
    alternation,
    folded_phrases,
    norm,
)
from flows.extract.rules import MetricRule, Rules
from flows.extract.scopes import ScopeFinder
from flows.extract.subjects import MARKET, OtherSubjects
from flows.model import Claim

DECISIVE = 10**6  # what a decisive cue takes off its distance (see MetricRule.decisive_cues)
CUE_JOIN_WORDS = 2  # words that may stand between a fact's words and a cue after them, quoted
NO_CUE = 10**9  # distance standing for "this rule needs no cue"
NOUN_BEFORE_REACH = 90  # how far before an elided number its clause may name the noun
RECENT_CLAIMS = 4  # the claims an earlier value ("up from 5,461") may be compared with
COMPARABLE = (0.2, 5.0)  # an earlier value's ratio to the value it is compared with


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class RuleMatch:
    rule: MetricRule
    cue: tuple[int, int] | None  # span of the cue used, if the rule has cues
    order: int  # position in extraction.yaml: the last tie-breaker


class ClaimFinder:
    """Turns one number anchor into at most one claim, looking only at the text around it."""

    def __init__(self, rules: Rules, numbers: NumberReader, scopes: ScopeFinder) -> None:
        self._numbers = numbers
        self._qualifiers = QualifierReader(rules.qualifiers)
        self._order = {r.id: i for i, r in enumerate(rules.metric_rules)}
        self._rules = {r.id: r for r in rules.metric_rules}
        self._by_noun: dict[str, list[MetricRule]] = {}
        self._cue_only: list[MetricRule] = []
        self._by_cue: dict[str, set[str]] = {}
        for rule in rules.metric_rules:
            for noun in rule.nouns:
                self._by_noun.setdefault(norm(noun), []).append(rule)
            if not rule.nouns:
                self._cue_only.append(rule)
            for cue in (*rule.cues, *rule.decisive_cues):
                self._by_cue.setdefault(norm(cue), set()).add(rule.id)
        self._decisive = {(r.id, norm(c)) for r in rules.metric_rules for c in r.decisive_cues}
        self._noun_phrase = re.compile(noun_phrase_source(rules, self._by_noun), re.IGNORECASE)
        self._noun_phrase_scan, self._scan_ahead = scan_sources(rules, self._by_noun)
        self._nouns_anywhere = WordSearch(folded_phrases(self._by_noun))
        cues = [c for r in rules.metric_rules for c in (*r.cues, *r.decisive_cues)]
        self._cue = WordSearch(folded_phrases(cues))  # searched in page.folded
        self._flow_verbs = WordSearch(folded_phrases(rules.flows.verbs))
        # What the scan already skips after digits, for numbers in words too ("two of the most
        # important markets", "two years")
        self._not_a_count = re.compile(not_a_count_source(rules), re.IGNORECASE)
        # Verbs that say what a number right after them counts ("employs about 35,000"): the
        # cues of rules without nouns, for numbers without money
        self._verb_rules = {
            norm(c): r for r in rules.metric_rules if not r.nouns and not r.money for c in r.cues
        }
        self._taking_verb = SuffixMatch(self._verb_rules, re.IGNORECASE)
        self._lead_in = SuffixMatch(rules.quote_lead_ins, re.IGNORECASE)
        self._rate = re.compile(
            r"\s+(?:nearly\s+|about\s+|almost\s+)?"
            + alternation(rules.noun_phrase.rate_words)
            + r"(?![\w])(?!\s+(?:"
            + alternation(rules.periods.windows.ago)
            + r")(?![\w]))",
            re.IGNORECASE,
        )
        self._compound = re.compile(compound_source(rules), re.IGNORECASE)
        not_money = alternation(rules.not_money) if rules.not_money else "(?!)"
        self._not_money = re.compile(
            rf"(?<![\w-]){not_money}(?:[ \t]+(?:of|was|were|is|reached|totaled|totalled))?[ \t]+"
            r"(?:(?:about|nearly|almost|over|more than|some|around)[ \t]+)?$",
            re.IGNORECASE,
        )
        # "$59 million net profit": a profit named after the amount
        self._not_money_after = re.compile(rf"[ \t]+{not_money}(?![\w-])", re.IGNORECASE)
        # A noun right after a singular noun, or one lower-case word after it, heads the phrase
        self._head_after_noun = re.compile(
            rf"[ \t]+(?:[a-z][\w-]*[ \t]+)?(?P<noun>{alternation(self._by_noun)})(?![\w-])"
        )
        modified_by = rules.noun_phrase.modified_by
        self._modified = re.compile(
            r"[ \t]+" + (alternation(modified_by) if modified_by else "(?!)") + r"(?![\w-])",
            re.IGNORECASE,
        )
        yearly = rules.noun_phrase.yearly_rates
        self._yearly = re.compile(
            r"\s+" + (alternation(yearly) if yearly else "(?!)") + r"(?![\w])", re.IGNORECASE
        )
        self._not_fact = WordSearch(folded_phrases(rules.not_fact_cues))
        elided = rules.elided_noun
        self._elided_reach = elided.reach
        self._elided_cue = SuffixMatch([*elided.cues, *elided.comparisons], re.IGNORECASE)
        self._comparisons = {norm(c) for c in elided.comparisons}
        self._elided_follower = re.compile(follower_source(rules), re.IGNORECASE)
        self._head_after = SuffixMatch(folded_phrases(elided.heads_after))
        self._and_others = {norm(w) for w in rules.arithmetic.and_others}
        self._part_of = SuffixMatch(rules.arithmetic.parts, re.IGNORECASE)
        places = [a for aliases in rules.scopes.values() for a in aliases]
        self._place_and = re.compile(r"(?<![\w.])" + alternation(places) + r"\s+and\s+$")
        self._place_before = re.compile(r"(?<![\w.])" + alternation(places) + r"[ \t]+$")
        # Capitalised words a number follows that are no model's name: times, and the verbs and
        # qualifiers of a headline in title case ("to Open 120 Stores", "Passes 2 Million").
        self._not_models = {
            *rules.periods.months,
            *rules.periods.weekdays,
            *(w.capitalize() for w in (*rules.flows.verbs, *rules.flows.stock_verbs)),
            *(w.capitalize() for w in rules.flows.closing_verbs),
            *(p.capitalize() for q in rules.qualifiers for p in q.phrases),
        }
        self._more_after = re.compile(
            r"\s+" + alternation(rules.flows.modifiers) + r"(?![\w-])", re.IGNORECASE
        )
        self._kinds = KindOfCount(rules, self._elided_reach)
        self._scopes = scopes
        self._others = OtherSubjects(
            rules.other_subjects.name_after, rules.other_subjects.market_nouns, places
        )
        self._deal_words = WordSearch(folded_phrases(rules.other_subjects.deal_words))
        self._priced = self._rules.get(rules.priced_units or "")
        self._name_word = SuffixMatch(rules.noun_phrase.name_words, re.IGNORECASE)
        # (noun as written or None, money) -> the rules that may take such a number
        self._pools: dict[tuple[str | None, bool], list[MetricRule]] = {}
        # noun as found -> the first rule taking it without a cue or money (False: none)
        self._plain: dict[str, MetricRule | bool] = {}

    def noun_phrase_scan_source(self) -> str:
        """Regex source of a noun phrase after a number, lower case as the scan's text and a
        little looser than _noun_phrase (any word may stand between): what must follow an
        ordinal word ("first") for the scan to hand it over, since most are no milestone."""
        return self._noun_phrase_scan

    def scan_source(self) -> str:
        """Regex source of what must follow the digits of a number for it to be read at all,
        lower case as the scan's text: no percentage, no duration or age ("14 months",
        "19-year-old"), no score ("96 out of 100"). Most numbers in news are years, dates and
        such; years are left out by the scan before the digits."""
        return self._scan_ahead

    def sentence_words(self) -> list[WordSearch]:
        """The word lists whose presence in a fact's sentence decides whether it needs a closer
        look (Page.has_words): not-fact cues, other subjects, scope names."""
        return [self._not_fact, self._others.cues, self._scopes.mentioned]

    def find(self, m: re.Match[str], page: Page) -> Claim | None:
        text = page.text
        amount = self._numbers.read(m, text)
        if amount is None or amount.percent or _looks_like_a_year_or_version(amount):
            return None
        if (amount.currency or amount.scaled) and self._low_end_of_a_range(text, amount):
            return None  # "$115 million" of "between $115 million and $120 million"
        if amount.currency and (
            self._not_money.search(text, max(0, amount.start - 40), amount.start)
            or self._not_money_after.match(text, amount.end)
        ):
            return None  # "net income of $10.5 million", "$59 million net profit": profits
        if amount.currency is None and self._not_a_count.match(text, amount.end):
            return None
        if text.startswith("-", amount.end):
            return self._sized_company(page, amount)
        phrase = self._phrase(text, amount.end)
        if phrase is None and amount.currency is None:
            phrase = self._noun_of_the_next(text, amount)
            if phrase is None and amount.implied_currency is not None:
                amount.currency = amount.implied_currency  # "invested around 300 crore"
            elif phrase is None:
                return self._elided(page, amount)
        yearly = False
        rate_at = phrase.end if phrase is not None else amount.end if amount.currency else None
        if rate_at is not None and self._rate.match(text, rate_at):
            yearly = self._yearly.match(text, rate_at) is not None
            if not yearly:
                return None  # "one new store every nine hours", "$99 per month": rates
        if phrase is not None and amount.value == 1 and _PARTITIVE_ONE.match(text, amount.end):
            return None  # "one of our locations" counts nothing
        if self._in_a_name(text, amount.start):
            return None  # "IQ 200 units", "level 2 chargers", "Franchise 500"
        sentence, clause = page.sentence_and_clause(amount.start)
        if phrase is not None and phrase.end > clause[1]:
            # "650 engineering, technical and operational employees by 2028": the clause runs
            # on to the noun's, across the commas between modifiers
            clause = (clause[0], page.sentence_and_clause(phrase.end - 1)[1][1])
        if amount.currency:
            clause = self._across_a_conversion(page, amount, sentence, clause)
        if page.has_words(self._not_fact, sentence) and self._not_fact.search(page.folded, *clause):
            return None
        candidates = self._candidates(phrase, amount)
        if not candidates and amount.currency and phrase is not None:
            # "a $100-million facility": what it costs, whatever cue the rule has
            return self._price(page, amount, phrase, sentence, clause)
        if not candidates:
            return None
        chosen = self._choose(candidates, page.folded, clause, sentence, amount.start)
        if chosen is None and amount.currency:
            return self._money_without_cue(page, amount, phrase, sentence, clause)
        if chosen is None:
            return None
        return self._claim(page, amount, phrase, chosen, sentence, clause, flow_only=yearly)

    def _money_without_cue(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        sentence: tuple[int, int],
        clause: tuple[int, int],
    ) -> Claim | None:
        """An amount no money rule's cue names: an acquisition's price ("has acquired the
        portfolio for $430 million"), or an earlier value of a recent amount ("revenue was
        $1.78 billion, compared to $2 billion in 2019"), which is a claim only with its own
        time."""
        text = page.text
        value_start = self._qualifier(text, amount)[2]
        if _FOR_BEFORE.search(text, max(0, value_start - 5), value_start):
            if self._deal_words.search(page.folded, *clause):
                return self._price(page, amount, phrase, sentence, clause)
            return None
        cue = self._elided_cue.find(text, value_start)
        if cue is None or norm(cue[1]) not in self._comparisons:
            return None
        return self._earlier_value(page, amount, phrase, sentence, clause, cue[0])

    def _price(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        sentence: tuple[int, int],
        clause: tuple[int, int],
    ) -> Claim | None:
        """An amount as what something costs (`priced_units`): "a $100-million facility",
        "acquired the portfolio for $430 million"."""
        if self._priced is None:
            return None
        return self._claim(page, amount, phrase, self._uncued(self._priced), sentence, clause)

    def _earlier_value(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        sentence: tuple[int, int],
        clause: tuple[int, int],
        cue_start: int,
    ) -> Claim | None:
        """An earlier value of a recent claim of its size, after a comparison's cue ("up from
        38,000 at the end of 2023", "compared to $2 billion in 2019"): that claim's rule and
        metric, money with money and counts with counts, and a claim only with its own time."""
        compared = self._compared_claim(page, amount)
        rule = self._rules.get(compared.rule_id or "") if compared is not None else None
        if compared is None or rule is None or rule.money != (amount.currency is not None):
            return None
        return self._claim(
            page,
            amount,
            phrase,
            self._uncued(rule),
            sentence,
            clause,
            quote_start=cue_start,
            needs_time=True,
            metric=(compared.metric, compared.unit),
        )

    def _uncued(self, rule: MetricRule) -> RuleMatch:
        """A rule taken without a cue of its own."""
        return RuleMatch(rule, None, self._order[rule.id])

    def _across_a_conversion(
        self, page: Page, amount: Amount, sentence: tuple[int, int], clause: tuple[int, int]
    ) -> tuple[int, int]:
        """The clause of an amount, across a conversion in parentheses: "VND735 billion ($31.8
        million) in a Series C round" is one clause for both amounts (a parenthesis ends a
        clause otherwise)."""
        text = page.text
        if text[amount.start - 1 : amount.start] == "(":  # the conversion: the clause before
            outer = page.sentence_and_clause(max(sentence[0], amount.start - 2))[1]
            clause = (outer[0], max(clause[1], amount.end))
            after = _CONVERSION_END.match(text, amount.end)
        else:  # the amount converted: the clause after the parenthesis too
            after = _CONVERSION.match(text, amount.end)
        if after is not None and after.end() < sentence[1]:
            clause = (clause[0], max(clause[1], page.sentence_and_clause(after.end())[1][1]))
        return clause

    def _a_place_has(
        self, page: Page, sentence: tuple[int, int], clause: tuple[int, int], amount: Amount
    ) -> bool:
        """Whether a place is the subject of the number's clause and the sentence names no
        company of the text: a whole market's count ("At present, Germany has another 27
        hydrogen stations"), not the entity's."""
        return (
            page.has_words(self._scopes.mentioned, sentence)
            and self._others.a_place_has(page.text, clause[0], amount.start)
            and not page.names_the_entity(sentence[0], sentence[1])
        )

    def _noun_of_the_next(self, text: str, amount: Amount) -> NounPhrase | None:
        """The noun phrase of the number right after this one, joined by "and" ("69,000 and
        59,000 users respectively", "24 domestic and 4 international destinations"); not the
        low end of a range ("between 38 and 42 stores")."""
        joined = _AND_NUMBER.match(text, amount.end)
        if joined is None or _BETWEEN.search(text, max(0, amount.start - 12), amount.start):
            return None
        return self._phrase(text, joined.end())

    def _sized_company(self, page: Page, amount: Amount) -> Claim | None:
        """A number joined to its noun by a hyphen, sizing a company ("the 121-store chain"):
        a level of the noun's rule; sizing anything else ("a 300-room hotel"), no claim."""
        m = self._compound.match(page.text, amount.end)
        if m is None or amount.ordinal or amount.currency:
            return None
        phrase = NounPhrase(m.group("noun"), (amount.end, amount.end), m.end())
        sentence, clause = page.sentence_and_clause(amount.start)
        chosen = self._choose(
            self._candidates(phrase, amount), page.folded, clause, sentence, amount.start
        )
        if chosen is None:
            return None
        rule = chosen.rule
        return self._claim(
            page,
            amount,
            phrase,
            chosen,
            sentence,
            clause,
            metric=(rule.metric, rule.unit),
            sizes_the_company=True,
        )

    def _in_a_name(self, text: str, start: int) -> bool:
        """A number right after a code in capitals ("IQ 200"), a word that names things by
        number ("level 2", "model 3"), or a capitalised word inside a sentence when the number
        is a short run of plain digits ("13 Boeing 737 MAX aircraft", "its Hyundai Ioniq 5 EVs")."""
        if self._name_word.find(text, start) is not None:
            return True
        if _CODE_BEFORE.search(text, max(0, start - 8), start) is not None:
            return True
        # Most numbers follow no capitalised word: told by looking at the word before, first.
        word_start = text.rfind(" ", max(0, start - 40), start - 1) + 1
        if not (
            start >= 2 and text[start - 1] == " " and text[word_start : word_start + 1].isupper()
        ):
            return False
        number = _MODEL_NUMBER.match(text, start)
        if number is None or self._place_before.search(text, max(0, start - 40), start):
            return False
        model = _MODEL_BEFORE.search(text, max(0, start - 48), start)
        if model is not None and model.group(1) not in self._not_models:
            return True
        # "Its Boeing 787 fleet": a lower-case word after the number tells a name from a title,
        # a word inside the sentence from its first ("Its 13 new countries"), and a time is none
        # ("on Tuesday 13 new stores")
        word = _CAPITALISED_BEFORE.search(text, max(0, start - 24), start)
        return (
            word is not None
            and word.group(1) not in self._not_models
            and _LOWER_WORD_AFTER.match(text, number.end()) is not None
        )

    def _phrase(self, text: str, pos: int) -> NounPhrase | None:
        m = self._noun_phrase.match(text, pos)
        if m is None or self._modified.match(text, m.end()):
            return None  # "34 franchise agreements" counts no units
        noun = m.group("noun")
        head = None if noun.endswith("s") else self._head_after_noun.match(text, m.end())
        if head is not None:  # "60 market hub locations": locations
            return NounPhrase(head.group("noun"), (m.start("mods"), head.start("noun")), head.end())
        return NounPhrase(noun, m.span("mods"), m.end())

    def _candidates(self, phrase: NounPhrase | None, amount: Amount) -> list[MetricRule]:
        money = amount.currency is not None
        key = (phrase.noun if phrase else None, money)
        found = self._pools.get(key)
        if found is None:  # a few dozen nouns as written, each with or without money
            pool = self._by_noun[norm(key[0])] if phrase else self._cue_only
            found = self._pools[key] = [r for r in pool if r.money == money and (phrase or r.cues)]
        return found

    def _choose(
        self,
        candidates: list[MetricRule],
        folded: str,
        clause: tuple[int, int],
        sentence: tuple[int, int],
        pos: int,
    ) -> RuleMatch | None:
        """The rule whose cue is nearest (rules without cues rank after those with one). A
        decisive cue ranks before every other cue, and counts before the number anywhere in
        the sentence ("Series-A funding led by X, with an investment of $150 million"); the
        quote then starts at the nearest cue in the clause, of whichever rule."""
        if len(candidates) == 1 and not candidates[0].cues:  # most numbers: one noun, one rule
            rule = candidates[0]
            return self._uncued(rule)
        hits = None
        best, best_key = None, None
        for rule in candidates:
            cue, distance = None, NO_CUE
            if rule.cues or rule.decisive_cues:
                if hits is None:
                    hits = self._cue_hits(candidates, folded, clause, sentence)
                near = [
                    (self._cue_distance(rule, w, s, e, pos), s, e)
                    for s, e, w, ids in hits
                    if rule.id in ids and self._counts(folded, rule, (s, e, w), clause, pos)
                ]
                if not near:
                    continue
                distance, s, e = min(near)
                decided = distance < -DECISIVE // 2  # by a decisive cue, maybe far away
                cue = self._nearest_cue(hits, clause, pos) if decided else (s, e)
            key = (distance, self._order[rule.id])
            if best_key is None or key < best_key:
                best, best_key = RuleMatch(rule, cue, self._order[rule.id]), key
        return best

    def _cue_hits(
        self,
        candidates: list[MetricRule],
        folded: str,
        clause: tuple[int, int],
        sentence: tuple[int, int],
    ) -> list[tuple[int, int, str, set[str]]]:
        """(start, end, cue, rule ids) of the cues in the clause, or in the sentence when a
        candidate has decisive cues."""
        span = sentence if any(r.decisive_cues for r in candidates) else clause
        return [
            (s, e, norm(w), self._by_cue[norm(w)]) for s, e, w in self._cue.finditer(folded, *span)
        ]

    def _counts(
        self,
        folded: str,
        rule: MetricRule,
        cue: tuple[int, int, str],
        clause: tuple[int, int],
        pos: int,
    ) -> bool:
        """Whether a cue of the rule found in the sentence counts for the number at pos: in its
        clause, with no verb of opening or adding between ("partnering with a local firm to open
        2,000 stores": the stores are opened, not partners); or decisive, before it."""
        start, end, word = cue
        if (rule.id, word) in self._decisive:
            return clause[0] <= start < clause[1] or start < pos
        if not clause[0] <= start < clause[1]:
            return False
        return end > pos or self._flow_verbs.search(folded, end, pos) is None

    @staticmethod
    def _nearest_cue(
        hits: list[tuple[int, int, str, set[str]]], clause: tuple[int, int], pos: int
    ) -> tuple[int, int] | None:
        """The cue in the clause nearest the number, of any rule: where a quote starts."""
        inside = [
            (abs(pos - e if e <= pos else s - pos), s, e)
            for s, e, _, _ in hits
            if clause[0] <= s < clause[1]
        ]
        return min(inside)[1:] if inside else None

    def _cue_distance(self, rule: MetricRule, cue: str, start: int, end: int, pos: int) -> int:
        """How far a cue of the rule stands from the number; a decisive cue ranks before every
        other cue, the nearest first."""
        distance = pos - end if end <= pos else start - pos
        return distance - DECISIVE if (rule.id, cue) in self._decisive else distance

    @staticmethod
    def _cue_beyond(text: str, cue: tuple[int, int], words_end: int) -> bool:
        """Whether a cue after the fact's words lies beyond the words that join it to them
        ("$40 million investment" joins; in "21 aircraft will be allocated to its bases" the
        cue "its" is another phrase's): such a cue chose the rule but is no part of the quote."""
        if cue[0] < words_end:
            return False
        # a conversion between joins: "VND3 trillion ($130 million) in revenue"
        gap = _PARENTHESES.sub(" ", text[words_end : cue[0]])
        return len(gap.split()) > CUE_JOIN_WORDS

    # --- which metric of the rule -------------------------------------------------------------

    def _low_end_of_a_range(self, text: str, low: Amount) -> bool:
        """Whether an amount with a currency or a scale is the low end of a range, the high end
        right after it ("$2.1 billion to $2.3 billion", "between $115 million and $120
        million"): the high end's claim holds both."""
        join = _RANGE_JOIN.match(text, low.end)
        high = self._numbers.anchor.match(text, join.end()) if join else None
        high_amount = self._numbers.read(high, text) if high else None
        return high_amount is not None and self._range_low_value(text, low, high_amount) is not None

    def _money_range_low(
        self, text: str, amount: Amount, clause: tuple[int, int]
    ) -> tuple[float, int] | None:
        """(low end, where it starts) of a range of amounts with a currency or a scale written
        before the number ("$2.1 billion to $2.3 billion", "between $2 and $3 million")."""
        for m in self._numbers.anchor.finditer(
            text, max(clause[0], amount.start - 40), amount.start
        ):
            low = self._numbers.read(m, text)
            value = self._range_low_value(text, low, amount) if low else None
            if value is not None:
                return value, m.start()
        return None

    def _range_low_value(self, text: str, low: Amount, high: Amount) -> float | None:
        """The value of `low` as the low end of a range whose high end is `high`, written right
        after it: the same currency, joined by "to", a spaced dash or "and" after "between",
        and below it; an unscaled low end takes the high end's scale ("$2 to $3 million")."""
        join = _RANGE_JOIN.match(text, low.end)
        if join is None or join.end() != high.start or low.currency != high.currency:
            return None
        if join.group("and") and not _BETWEEN.search(text, 0, low.start):
            return None
        value = low.value
        if high.scaled and not low.scaled:
            written = self._numbers.anchor.match(text, high.start)
            digits = written.group("num") if written else None
            if not digits:
                return None  # a high end in words: its scale is not known apart from it
            value *= high.value / float(digits.replace(",", ""))
        return value if value < high.value else None

    def _range_low(
        self, text: str, amount: Amount, clause: tuple[int, int]
    ) -> tuple[float, int] | None:
        """(low end, where it starts) of a range written before the number ("285 to 315",
        "110-115", "between 38 and 42", "$2.1 billion to $2.3 billion"), below the number."""
        if (amount.currency or amount.scaled) and amount.low is not None and amount.digits:
            # "Rs 100-150 crore": the low end takes the high end's scale
            scale = amount.value / float(amount.digits.replace(",", ""))
            low = amount.low * scale
            return (low, amount.start) if low < amount.value else None
        if amount.currency or amount.scaled:
            return self._money_range_low(text, amount, clause)
        if amount.digits is None:
            return None
        if amount.low is not None:
            return (amount.low, amount.start) if amount.low < amount.value else None
        m = _RANGE_BEFORE.search(text, max(clause[0], amount.start - 30), amount.start)
        if m is None:
            return None
        low = float((m.group("low") or m.group("between")).replace(",", ""))
        return (low, m.start()) if low < amount.value else None

    def _and_other(self, text: str, phrase: NounPhrase) -> bool:
        lo, hi = phrase.modifiers
        return lo < hi and any(norm(w) in self._and_others for w in text[lo:hi].split())

    # --- numbers whose noun is elsewhere -------------------------------------------------------

    def _elided(self, page: Page, amount: Amount) -> Claim | None:
        """A number with no noun of its own: the noun named just before it, or the last claim's.

        Most numbers in news are such numbers (dates, codes, scores), so the cheap tests on the
        characters around it come before the sentence is looked up."""
        text = page.text
        if amount.ordinal or not self._elided_follower.match(text, amount.end):
            return None
        value_start = self._qualifier(text, amount)[2]
        verb = self._taking_verb.find(text, value_start) if self._verb_rules else None
        if verb is not None:
            return self._taken_by_a_verb(page, amount, verb)
        cue = self._elided_cue.find(text, value_start)
        if cue is None and not _opens_a_clause(text, value_start):
            return None
        if text[value_start - 1 : value_start] == "(" and text[amount.end : amount.end + 1] == ")":
            return None  # "(708)": an area code, a footnote
        if cue is None and _is_an_apposition(text, value_start, amount.end):
            return None  # "said its chief executive, Ana Ruiz, 44.": an age
        if self._in_a_name(text, amount.start):
            return None
        sentence, clause = page.sentence_and_clause(amount.start)
        if cue is not None and cue[0] < clause[0]:
            cue = None
        if cue is None and text[clause[0] : value_start].strip():
            return None
        if page.has_words(self._not_fact, sentence) and self._not_fact.search(page.folded, *clause):
            return None
        if cue is not None and norm(cue[1]) in self._comparisons:
            # "opened 20 stores in 2024, up from 15 in 2023"
            return self._earlier_value(page, amount, None, sentence, clause, cue[0])
        start = cue[0] if cue is not None else value_start
        noun = self._noun_before(page, amount, clause)
        if noun is not None:
            rule = noun[0]
            previous = page.last_claim
            if previous is None or noun[1] >= previous.char_end:
                start = min(start, noun[1])  # a noun of its own: the quote says what it counts
        else:
            rule = self._rule_of_last_claim(page, amount)
        if rule is None or rule.money:
            return None
        return self._claim(
            page, amount, None, self._uncued(rule), sentence, clause, quote_start=start
        )

    def _taken_by_a_verb(self, page: Page, amount: Amount, verb: tuple[int, str]) -> Claim | None:
        """A number with no noun right after a verb that says what it counts ("currently employs
        about 35,000")."""
        rule = self._verb_rules[norm(verb[1])]
        sentence, clause = page.sentence_and_clause(amount.start)
        match = RuleMatch(rule, (verb[0], verb[0] + len(verb[1])), self._order[rule.id])
        return self._claim(page, amount, None, match, sentence, clause)

    def _compared_claim(self, page: Page, amount: Amount) -> Claim | None:
        """The latest of the recent claims in reach whose value is of the number's size: what
        "versus 5,461 a year ago" compares with in "6,000 stores in 49 states, versus 5,461"."""
        for claim in reversed(page.recent_claims):
            if amount.start - claim.char_end > self._elided_reach:
                break
            level = claim.value_hi if math.isfinite(claim.value_hi) else claim.value_lo
            if level > 0 and COMPARABLE[0] <= amount.value / level <= COMPARABLE[1]:
                return claim
        return None

    def _rule_of_last_claim(self, page: Page, amount: Amount) -> MetricRule | None:
        previous = page.last_claim
        if previous is None or amount.start - previous.char_end > self._elided_reach:
            return None
        return self._rules.get(previous.rule_id or "")

    def _noun_before(
        self, page: Page, amount: Amount, clause: tuple[int, int]
    ) -> tuple[MetricRule, int] | None:
        """The rule of a metric noun named in the clause before the number, and where the noun
        starts ("the number of drivers on the platform to hit over one million")."""
        lo = max(clause[0], amount.start - NOUN_BEFORE_REACH)
        last = head = None
        # The last noun a rule takes without a cue, unless a noun after "the number of" heads
        # the phrase: "the number of markets where its stores trade to 27" counts markets.
        for start, _, noun in self._nouns_anywhere.finditer(page.folded, lo, amount.start):
            plain = self._plain.get(noun)
            if plain is None:
                rules = self._by_noun[norm(noun)]
                plain = self._plain[noun] = next(
                    (r for r in rules if not r.cues and not r.money), False
                )
            if plain:
                last = (plain, start)
                if self._head_after.find(page.folded, start, floor=lo) is not None:
                    head = last
        return head or last

    # --- the row --------------------------------------------------------------------------------

    def _qualifier(self, text: str, amount: Amount) -> tuple[str, str, int]:
        """(qualifier, interval kind, where the value's words start) of a number."""
        if amount.ordinal:
            return "ordinal", "exact", amount.start
        found = self._qualifiers.find(text, amount.start)
        if found is None:
            if amount.at_least:  # "30+ countries"
                return "at_least", "at_least", amount.start
            return "exact", "exact", amount.start
        (qualifier, kind), start = found
        return qualifier, kind, start

    def _claim(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        match: RuleMatch,
        sentence: tuple[int, int],
        clause: tuple[int, int],
        quote_start: int | None = None,
        needs_time: bool = False,
        metric: tuple[str, str] | None = None,
        flow_only: bool = False,
        sizes_the_company: bool = False,
    ) -> Claim | None:
        text, rule = page.text, match.rule
        qualifier, kind, value_start = self._qualifier(text, amount)
        low = self._range_low(text, amount, clause) if qualifier == "exact" else None
        if low is not None:  # "285 to 315 locations": [285, 315]
            qualifier, value_start = "range", low[1]
        if metric is None:
            metric = self._kinds.metric(page, amount, phrase, rule, clause, value_start)
        if metric is None or (flow_only and metric[0] not in self._kinds.flows):
            return None  # "serves 5 million customers a year" is no level
        other = None
        if page.has_words(self._others.cues, sentence):
            other = self._others.find(text, sentence, clause, amount.start)
        if other == MARKET or (other is None and self._a_place_has(page, sentence, clause, amount)):
            return None  # a whole market's number is no company's fact
        if other is not None and rule.money and self._deal_words.search(page.folded, *clause):
            other = None  # "acquire competitor Kestrel in a deal worth $5 billion": its price
        metric_id, unit = metric
        value = amount.value
        start, end = value_start, phrase.end if phrase else amount.end
        if phrase is not None and not amount.ordinal and self._and_other(text, phrase):
            place = self._place_and.search(text, max(clause[0], value_start - 40), value_start)
            if place is not None:
                value, start = value + 1, place.start()  # "Russia and 12 other markets": 13
        interval = (
            interval_for(value, kind, rule.tolerance) if low is None else Interval(low[0], value)
        )
        value_text_start = start
        lead_in = self._lead_in.find(text, start, floor=clause[0])
        if lead_in:
            start = lead_in[0]
        if quote_start is not None:
            start = min(start, quote_start)
        words_end = phrase.end if phrase else amount.end
        if match.cue and not self._cue_beyond(text, match.cue, words_end):
            start, end = min(start, match.cue[0]), max(end, match.cue[1])
        scope, scope_end = GLOBAL_SCOPE, None
        if page.has_words(self._scopes.mentioned, sentence):
            scope, scope_end = self._scopes.scope(
                text, amount.start, (amount.end, words_end), clause, sentence
            )
        if (
            scope == GLOBAL_SCOPE
            and metric_id == rule.metric
            and self._part_of.find(text, value_text_start)
        ):
            return None  # "35,000 employees, including 2,000 at its head office": a part
        if phrase is None:  # the words that say what an elided number counts join its quote
            more = self._more_after.match(text, end)
            end = max(end, more.end() if more else end, scope_end or end)
        quote = page.quote(start, end)
        dating = page.dating.date(amount.start, clause, sentence, end)
        if sizes_the_company or (
            dating.status == "planned"
            and metric_id == rule.metric
            and self._kinds.level_today(text, value_start, phrase, today_only=True)
        ):  # "The 1,200-store chain plans to ...", "will close 700 of its 4,700 stores": today's
            dating = page.dating.at_publication()
        if needs_time and dating.mention is None:
            return None  # an earlier level with no time would read as today's
        period_start, period_end, period_text = dating.start, dating.end, dating.text
        story = self._kinds.story_period(page, amount) if metric_id in self._kinds.flows else None
        # A story's parts count the same thing: another flow ("opened 85 screens last year ...
        # 10 new operation centers") does not share its period.
        if (
            dating.mention is None
            and story is not None
            and story.metric == metric_id
            and story.status == dating.status
        ):
            period_start, period_end, period_text = (
                story.period_start,
                story.period_end,
                story.period_text,
            )
        doc = page.doc
        claim = Claim.new(
            doc_id=doc.doc_id,
            file=doc.file,
            entity=page.subject(sentence, start, end) if other is None else page.canonical(other),
            metric=metric_id,
            scope=scope,
            value_lo=interval.lo,
            value_hi=interval.hi,
            lo_open=interval.lo_open,
            hi_open=interval.hi_open,
            qualifier=qualifier,
            unit=unit,
            value_text=text[value_text_start : amount.end],
            period_start=period_start,
            period_end=period_end,
            period_text=period_text,
            status=dating.status,
            quote=quote,
            char_start=start,
            char_end=end,
            source="rules",
            rule_id=rule.id,
        )
        page.recent_claims = [*page.recent_claims[-(RECENT_CLAIMS - 1) :], claim]
        return claim


def _opens_a_clause(text: str, pos: int) -> bool:
    """Whether only spaces stand between pos and the start of the text or a clause stop."""
    j = pos - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in ",;:(\n•.!?–—"


def _is_an_apposition(text: str, start: int, end: int) -> bool:
    """A bare number set off by commas right after a capitalised word ("Ana Ruiz, 44, said"):
    a person's age or a name's figure, never a count of what the claim before it counted."""
    return text[end : end + 1] in _APPOSITION_END and (
        _APPOSITION_BEFORE.search(text, max(0, start - 40), start) is not None
    )


_APPOSITION_BEFORE = re.compile(r"(?<![\w'’.-])[A-Z][\w'’.-]*,[ \t]*$")
_APPOSITION_END = frozenset([",", ".", ";", ")", "\n", ""])
# The low end of a range right before a number: "285 to 315", "110-115", "between 38 and 42".
_RANGE_BEFORE = re.compile(
    r"(?:\b[Bb]etween\s+(?<![\w.,])(?P<between>\d{1,3}(?:,\d{3})+|\d+)\s*and"
    r"|(?<![\w.,])(?P<low>\d{1,3}(?:,\d{3})+|\d+)\s*(?:to|-|–))\s*$"
)
_PARENTHESES = re.compile(r"\([^()]*\)")
_PARTITIVE_ONE = re.compile(r"\s+of\s", re.IGNORECASE)
# Between the ends of a range of amounts: "$2.1 billion to $2.3 billion", "$5m - $7m" (the
# scan reads no amount right after a hyphen: "$115-$120 million" stays two numbers).
_RANGE_JOIN = re.compile(r"(?:[ \t]*to[ \t]*|[ \t]+(?:[-–]|(?P<and>and))[ \t]+)(?=(?:US)?[$€£]|\d)")
_BETWEEN = re.compile(r"\b[Bb]etween\s+\S*\s*$")
_FOR_BEFORE = re.compile(r"(?<![\w-])for[ \t]+$")
# An amount's conversion in parentheses right after it ("€20m (£17m)"), and its closing.
_CONVERSION = re.compile(
    r"[ \t]*\((?:[A-Z]{0,3}[$€£¥₹]|[A-Z]{2,3}[ \t]?|Rs\.?[ \t]?)\d[^()\n]{0,24}\)[ \t]*"
)
_CONVERSION_END = re.compile(r"[^()\n]{0,4}\)[ \t]*")
# "69,000 and 59,000 users", "24 domestic and 4 international destinations"
_AND_NUMBER = re.compile(r"(?:[ \t]+[a-z]+)?[ \t]+and[ \t]+\d[\d,]*(?:\.\d+)?(?![\w,.]\d)")
_CODE_BEFORE = re.compile(r"(?<![\w.])[A-Z]{2,4}\s$")  # "IQ 200" (not "U.S. 300")
# A model's number: a capitalised word after a lower-case word or a number, and maybe a brand
# ("13 Boeing 737", "its Hyundai Ioniq 5"; a title in capitals is no model), no place ("United
# States 300"), then up to four plain digits (a count of thousands has a comma: "Tesco 6,800
# stores" is no name; "Starbucks 7th store" no number).
_MODEL_BEFORE = re.compile(
    r"(?<![\w.-])[a-z\d][\w,-]*(?:[ \t]+[A-Z][\w-]*)?[ \t]+([A-Z][a-z]+)[ \t]$"
)
_MODEL_NUMBER = re.compile(r"\d{1,4}(?![\w,.])")
_CAPITALISED_BEFORE = re.compile(r"(?<=\w )([A-Z][a-z]+)[ \t]$")
_LOWER_WORD_AFTER = re.compile(r"[ \t]+[a-z]")


def _looks_like_a_year_or_version(amount: Amount) -> bool:
    """ "in 2023" is a time, "2.0" a version: neither is a count of anything."""
    digits = amount.digits  # set only for a plain number in digits: no currency, scale, suffix
    if digits is None or amount.currency or amount.scaled:
        return False
    if "." in digits:
        return True  # a fraction of a store or market is no count; money and scales are above
    return len(digits) == 4 and 1900 <= int(digits) <= 2099
