"""Facts in an article about somebody else than its entity: a rival or an acquired chain named
after a cue ("its rival Brewline operates 3,000 stores", "acquired Bean There, which has 120
locations"), or a whole market ("the coffee industry grew to 38,000 outlets")."""

from __future__ import annotations

import re

from flows.extract.patterns import WordSearch, alternation, folded_phrases

# A company's name: capitalised words ("Bean There", "Brewline", "H&M"), at most four.
_NAME = r"[A-Z][\w&'’.-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w&'’.-]*){0,3}"
_POSSESSIVE = re.compile(r"['’]s?$")
# The clause that hangs on a name: ", which has 120 locations".
_HANGING = re.compile(r"\s*,\s*(?:which|that|whose|with)\s", re.IGNORECASE)
_AND = re.compile(r"\sand\s")
MARKET = "market"  # what find() returns for a whole market's number


class OtherSubjects:
    def __init__(self, name_after: tuple[str, ...], market_nouns: tuple[str, ...]) -> None:
        # Any of the words, in the folded text: a sentence without one needs no closer look.
        self.cues = WordSearch(folded_phrases([*name_after, *market_nouns]))
        self._named = re.compile(
            rf"(?<![\w-])(?i:{alternation(name_after)})\s+(?:(?i:the|its|their)\s+)?(?P<name>{_NAME})"
        )
        self._market = re.compile(
            rf"(?:(?:and|but|while|whereas)\s+)?(?:the\s+)?(?:[\w-]+\s+){{0,3}}?"
            # the noun in lower case: "Fresh Market operates 162 stores" names a company
            rf"(?-i:{alternation(market_nouns)})(?:\s+as\s+a\s+whole)?\s",
            re.IGNORECASE,
        )

    def find(
        self, text: str, sentence: tuple[int, int], clause: tuple[int, int], number_start: int
    ) -> str | None:
        """MARKET, the name of another company, or None (the number is about the entity)."""
        if self._market.match(text, clause[0], number_start):
            return MARKET
        last = None
        for m in self._named.finditer(text, sentence[0], number_start):
            last = m
        if last is None:
            return None
        # "Starbucks acquired Teavana and opened 500 stores": the stores are the entity's.
        in_its_clause = last.end() >= clause[0] and not _AND.search(text, last.end(), number_start)
        hanging = _HANGING.match(text, last.end())
        if not (in_its_clause or (hanging is not None and hanging.end() > clause[0])):
            return None
        return _POSSESSIVE.sub("", last.group("name"))
