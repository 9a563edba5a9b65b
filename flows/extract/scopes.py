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
_ADVERBS = r"(?:thus|also|now|still|already|then|alone|itself)"
# Verbs after a place that is the subject of its clause ("Romania has the second most ...").
_SUBJECT_VERBS = (
    r"(?:has|had|have|is|was|are|were|saw|sees|accounts|accounted|added|adds|opened|opens|"
    r"operates|remains|became|becomes|leads|led|counts|hosts|reached|reaches)\b"
)


class ScopeFinder:
    """Scope aliases (scopes.yaml), matched case-sensitively as whole words."""

    def __init__(self, scopes: dict[str, tuple[str, ...]]) -> None:
        self._names = {alias: name for name, aliases in scopes.items() for alias in aliases}
        names = alternation(self._names)
        # Most sentences name no place: one search of the folded text tells, from the
        # separators only (a superset: "us" stands for "US"; the case is checked after).
        self.mentioned = WordSearch(folded_phrases(self._names), not_separators="")
        self._any = re.compile(rf"(?<![\w.])(?P<alias>{names})(?![\w-])")
        self._after = re.compile(rf"{AFTER_NOUN}(?P<alias>{names})(?![\w-])")
        self._another = re.compile(
            rf"\s*(?:,|,?\s+and|,?\s+or|\s+&)\s+(?:the\s+)?(?:{names})(?![\w-])"
        )
        self._before = re.compile(rf"(?<![\w.])(?P<alias>{names})\s+$")
        # A clause or sentence that opens on a place: "In the United States, 300 stations ...",
        # "Here in Ireland, it has ...", "Its U.S. business has ...", "Romania has ...". A bare
        # place must be the subject ("The UK, its home market, has ..."), not an adjective of the
        # company ("British digital bank Revolut ..."): a comma or a verb follows it.
        self._opening = re.compile(
            rf"(?:(?:[A-Z]\w*\s+)?(?i:in|across|throughout|within|outside)\s+(?:the\s+)?"
            rf"(?P<alias>{names})(?![\w-])"
            rf"|(?:(?:Its|Our|Their)\s+)(?P<owned>{names})(?![\w-])"
            rf"|(?:The\s+)?(?P<subject>{names})(?=\s*,|(?:\s+{_ADVERBS})?\s+{_SUBJECT_VERBS}))"
        )

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
                alias = opening.group("alias") or opening.group("owned") or opening.group("subject")
                return self._names[alias], None
        return GLOBAL_SCOPE, None
