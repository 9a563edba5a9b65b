"""Which of a rule's metrics a number states: the stock it counts, the flow that adds to it
over a period ("111 new stores", "has opened 840 stores in the past 5 years") or its milestone
("its 500th store"); none for units closed or for somebody else's ordinal."""

from __future__ import annotations

import re

from flows.extract.noun_phrases import NounPhrase
from flows.extract.numbers import Amount
from flows.extract.page import Page
from flows.extract.patterns import SuffixMatch, WordSearch, alternation, folded_phrases, norm
from flows.extract.rules import MetricRule, Rules
from flows.model import Claim

VERB_REACH = 70  # how far before a number a verb may say it is a flow or a level
POSSESSOR_REACH = 40  # how far before an ordinal the name of its owner may start
PASSIVE_REACH = 30  # "300 stations were sold": a verb this far after the noun counts too
# The capitalised words of a name in the possessive right before an ordinal ("Harbor Freight's").
_OWNER = re.compile(r"(?:[A-Z][\w&.-]*[ \t]+){0,3}[A-Z][\w&.-]*(?:['’]s|s)[ \t]$")
# A number after one of these is the whole the verb takes a part of: a level whatever the verb.
_PARTITIVE_BEFORE = re.compile(r"(?<![\w-])of[ \t]+(?:its|their|our|the company['’]s)[ \t]+$")
_SUPERLATIVE = re.compile(r"[a-z]{2,}est\b")  # "second largest", "third-biggest"


def _the_whole_of_a_part(text: str, value_start: int) -> bool:
    """Whether a number is the whole a part is taken of ("remodel 1,300 of its 1,600 stores"):
    a level, whatever the verb."""
    lo = max(0, value_start - 24)
    return text.find("of ", lo, value_start) >= 0 and (  # a substring test rejects most
        _PARTITIVE_BEFORE.search(text, lo, value_start) is not None
    )


class KindOfCount:
    """The flow/level/milestone decision for one number, from the words around it (see `flows`
    and `ordinals` in extraction.yaml)."""

    def __init__(self, rules: Rules, story_reach: int) -> None:
        flows = rules.flows
        self._flow_modifiers = {norm(w) for w in flows.modifiers}
        self._level_modifiers = {norm(w) for w in flows.level_modifiers}
        self._today_modifiers = {norm(w) for w in flows.today_modifiers}
        self._before_number = SuffixMatch(flows.before_number, re.IGNORECASE)
        after = alternation(flows.after_noun) if flows.after_noun else "(?!)"
        self._after_noun = re.compile(rf"[ \t]+{after}(?![\w-])", re.IGNORECASE)
        verbs = {
            **{norm(v): "flow" for v in flows.verbs},
            **{norm(v): "flow_with_period" for v in flows.verbs_with_period},
            **{norm(v): "stock" for v in flows.stock_verbs},
            **{norm(v): "closing" for v in flows.closing_verbs},
        }
        self._verb_kinds = verbs
        self._verbs = WordSearch(folded_phrases(verbs))
        self._own = SuffixMatch(rules.ordinals.own, re.IGNORECASE)
        self._not_own = SuffixMatch(rules.ordinals.not_own, re.IGNORECASE)
        self._story_reach = story_reach
        # every flow metric a rule may give: a story's parts share such a claim's period
        self.flows = {r.flow_metric for r in rules.metric_rules if r.flow_metric} | {
            r.metric for r in rules.metric_rules if r.kind == "flow"
        }

    def metric(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        rule: MetricRule,
        clause: tuple[int, int],
        value_start: int,
    ) -> tuple[str, str] | None:
        """(metric, unit) of the number, or None when it states no fact of this rule."""
        if rule.money:
            if amount.currency == "USD" or rule.other_currency is None:
                return rule.metric, rule.unit
            return rule.other_currency, amount.currency or rule.unit
        if amount.ordinal:
            if not self._own_ordinal(page, amount, phrase):
                return None
            if self._new_in_modifiers(page.text, phrase) and rule.flow_metric:
                return rule.flow_metric, rule.unit  # "its 105th new store in 2022": so far
            if rule.milestone_metric:
                return rule.milestone_metric, rule.unit
            return None
        if not rule.flow_metric:
            return rule.metric, rule.unit
        if _the_whole_of_a_part(page.text, value_start):
            return rule.metric, rule.unit  # "close about 700 of its more than 4,700 stores"
        verb = self._verb_kind(page, amount, phrase, clause, value_start)
        if verb == "closing":
            if self.level_today(page.text, value_start, phrase):
                return rule.metric, rule.unit  # "refurbishing its existing 88 clubs": a level
            return None  # "closed 2 stores": no opening, and no level either
        if self._is_flow(page, amount, phrase, clause, value_start, verb):
            return rule.flow_metric, rule.unit
        return rule.metric, rule.unit

    def _is_flow(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        clause: tuple[int, int],
        value_start: int,
        kind: str | None,
    ) -> bool:
        """Whether the number is an amount added over a period (see `flows` in the YAML), given
        the kind of the verb that governs it."""
        text = page.text
        if self._new_in_modifiers(text, phrase):
            return True
        if phrase is not None and self._after_noun.match(text, phrase.end):
            return True  # "400 studios in the pipeline"
        if self._level_in_modifiers(text, phrase, self._level_modifiers):
            return False  # "upgrades at 191 existing locations"
        if self._before_number.find(text, value_start, floor=clause[0]) is not None:
            return True
        if kind == "flow_with_period":
            end = phrase.end if phrase is not None else amount.end
            dating = page.dating.date(amount.start, clause, page.sentence(amount.start), end)
            if dating.mention is not None and dating.start < dating.end:
                return True
            return self.story_period(page, amount) is not None
        return kind == "flow"

    def story_period(self, page: Page, amount: Amount) -> Claim | None:
        """The flow just before this number, when it has a period of its own: the parts of a
        story's total share its period ("539 stations during the summer ... In the United
        States 300 stations were sold or deployed")."""
        previous = page.last_claim
        if (
            previous is not None
            and previous.metric in self.flows
            and previous.period_text is not None
            and amount.start - previous.char_end <= self._story_reach
        ):
            return previous
        return None

    def level_today(
        self, text: str, value_start: int, phrase: NounPhrase | None, today_only: bool = False
    ) -> bool:
        """Whether a number names a level, whatever a verb or plan in its clause says: the whole
        a part is taken of ("close 700 of its 4,700 stores"), or what exists ("refurbishing
        its existing 88 clubs"). `today_only`: only a level that holds now ("its existing 88
        clubs", not "will end the year with 150 open locations")."""
        words = self._today_modifiers if today_only else self._level_modifiers
        return (
            _the_whole_of_a_part(text, value_start)
            or self._level_in_modifiers(text, phrase, words)
            or self._level_word_before(text, value_start, words)
        )

    @staticmethod
    def _level_word_before(text: str, value_start: int, words: set[str]) -> bool:
        """Whether the word right before the number makes it a level ("its existing 88")."""
        end = value_start - 1
        start = text.rfind(" ", max(0, end - 20), end) + 1
        return norm(text[start:end]) in words

    @staticmethod
    def _level_in_modifiers(text: str, phrase: NounPhrase | None, words: set[str]) -> bool:
        """Whether one of `words` stands between the number and its noun ("191 existing
        locations")."""
        if phrase is None or phrase.modifiers[0] == phrase.modifiers[1]:
            return False
        lo, hi = phrase.modifiers
        return any(norm(w) in words for w in text[lo:hi].split())

    def _new_in_modifiers(self, text: str, phrase: NounPhrase | None) -> bool:
        """ "111 new stores", "32 more gyms", "six further countries"."""
        if phrase is None:
            return False
        lo, hi = phrase.modifiers
        return any(norm(w) in self._flow_modifiers for w in text[lo:hi].split())

    def _verb_kind(
        self,
        page: Page,
        amount: Amount,
        phrase: NounPhrase | None,
        clause: tuple[int, int],
        value_start: int,
    ) -> str | None:
        """The kind of the verb nearest before the number in its clause, else right after its
        noun ("300 charging stations were sold")."""
        lo = max(clause[0], value_start - VERB_REACH)
        # a verb inside the last claim's words is its own ("2,000 restaurants signed up and 5,000
        # couriers"); one before it may govern both ("opened 5 stores and 3 restaurants")
        previous = page.last_claim
        inside = (previous.char_start, previous.char_end) if previous is not None else (0, 0)
        last = None
        for start, _, verb in self._verbs.finditer(page.folded, lo, value_start):
            if not inside[0] <= start < inside[1]:
                last = verb
        if last is not None:
            return self._verb_kinds[norm(last)]
        if phrase is not None:
            after = self._verbs.search(
                page.folded, phrase.end, min(clause[1], phrase.end + PASSIVE_REACH)
            )
            if after is not None:
                return self._verb_kinds[norm(after[2])]
        return None

    def _own_ordinal(self, page: Page, amount: Amount, phrase: NounPhrase | None) -> bool:
        """Whether an ordinal is the entity's own milestone: not "their first store", not a
        rank ("second largest coffeehouse operator"); and a word ordinal ("first") only after
        "its", "the", "our" or a name ("Starbucks 7th"), or before the entity's name ("First
        Uniqlo store")."""
        text = page.text
        if self._not_own.find(text, amount.start) is not None:
            return False
        if phrase is not None and _SUPERLATIVE.search(text, *phrase.modifiers):
            return False
        if amount.digits is not None or text[amount.start].isdigit():
            return True
        if self._own.find(text, amount.start) is not None:
            return True
        if phrase is not None and page.names_the_entity(*phrase.modifiers):
            return True  # "First Uniqlo store in Vietnam", "the first Caribou coffeehouse"
        # "Harbor's third warehouse", "Starbucks seventh store"; not "Walmart's third"
        before = text[max(0, amount.start - 3) : amount.start]
        possessive = before.endswith(("'s ", "’s ")) or (
            before.endswith("s ") and before[:1].isalpha()
        )
        if not possessive:
            return False
        owner = _OWNER.search(text, max(0, amount.start - POSSESSOR_REACH), amount.start)
        return owner is not None and page.names_the_entity(owner.start(), amount.start)
