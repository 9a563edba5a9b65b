"""Where a number holds: the scope a fact's own words name ("in China", "U.S. gyms",
"100 international locations", "In the United States 300 stations ..."), else global."""

from __future__ import annotations

import re

from flows.catalogue import GLOBAL_SCOPE
from flows.extract.patterns import WordSearch, alternation, folded_phrases

# How near the words that scope a number must be: right after its noun ("stores in China"), or
# right before the number ("Starbucks China 500th store").
AFTER_NOUN = (
    r"\s*,?\s+(?:(?:in|across|throughout|on|into|within|inside|around|all\s+over)\s+"
    r"(?:the\s+|all\s+)?)?"
)
BEFORE_NUMBER_REACH = 24


class ScopeFinder:
    """Scope aliases (scopes.yaml), matched case-sensitively as whole words."""

    def __init__(self, scopes: dict[str, tuple[str, ...]]) -> None:
        self._names = {alias: name for name, aliases in scopes.items() for alias in aliases}
        names = alternation(self._names)
        # Most sentences name no place: one search of the folded text tells, from the
        # separators only (a superset: "us" stands for "US"; the case is checked after).
        self._mentioned = WordSearch(folded_phrases(self._names), not_separators="")
        self._any = re.compile(rf"(?<![\w.])(?P<alias>{names})(?![\w-])")
        self._after = re.compile(rf"{AFTER_NOUN}(?P<alias>{names})(?![\w-])")
        self._another = re.compile(
            rf"\s*(?:,|,?\s+and|,?\s+or|\s+&)\s+(?:the\s+)?(?:{names})(?![\w-])"
        )
        self._before = re.compile(rf"(?<![\w.])(?P<alias>{names})\s+$")
        self._opening = re.compile(
            rf"(?:(?:In|Across|Throughout|Within|Outside)\s+(?:the\s+)?|(?:Its|Our|Their|The)\s+)?"
            rf"(?P<alias>{names})"
            r"(?![\w-])\s*,?"
        )

    def named_in(self, folded: str, sentence: tuple[int, int]) -> bool:
        """Whether a scope's alias may be named in the sentence at all."""
        return self._mentioned.search(folded, *sentence) is not None

    def scope(
        self,
        text: str,
        number_start: int,
        words: tuple[int, int],
        clause: tuple[int, int],
        sentence: tuple[int, int],
    ) -> tuple[str, int | None]:
        """The scope of a number whose own words between it and its noun span `words`, and
        where the words naming it end when they follow the noun ("95 stores in France")."""
        inside = self._any.search(text, words[0], words[1]) if words[0] < words[1] else None
        if inside is not None:
            return self._names[inside.group("alias")], None
        after = self._after.match(text, words[1], clause[1])
        if after is not None:
            if self._another.match(text, after.end(), clause[1] + 40):
                return GLOBAL_SCOPE, None  # "across the MENA and Latin American regions"
            return self._names[after.group("alias")], after.end()
        before = self._before.search(
            text, max(clause[0], number_start - BEFORE_NUMBER_REACH), number_start
        )
        if before is not None:
            return self._names[before.group("alias")], None
        for start in (clause[0], sentence[0]):
            opening = self._opening.match(text, start, clause[1])
            if opening is not None:
                return self._names[opening.group("alias")], None
        return GLOBAL_SCOPE, None
