"""When a fact holds and whether it is planned: the period and status of a position in a text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flows.extract.patterns import WordSearch, fold_case, folded_phrases
from flows.extract.periods import PeriodFinder, PeriodMention

Span = tuple[int, int]
# A sentence's time expressions: (explicit and deadline ones, horizons, "now"s), in text order.
SentencePeriods = tuple[list[PeriodMention], list[PeriodMention], list[PeriodMention]]


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class Dating:
    start: date
    end: date
    text: str | None
    status: str  # reported | planned
    mention: PeriodMention | None  # the expression used, when it is in the fact's own sentence


class DocumentDating:
    """Dates facts in one document. Holds per-document caches; make one per document."""

    def __init__(
        self,
        finder: PeriodFinder,
        planned: WordSearch,
        text: str,
        published_at: date,
        folded: str | None = None,
    ) -> None:
        self._finder = finder
        self._planned = planned  # built by planned_pattern: searched in the folded text
        self._text = text
        self._folded = fold_case(text) if folded is None else folded
        self._pub = published_at
        self._by_sentence: dict[Span, SentencePeriods | None] = {}
        self._undated: dict[Span, Dating] = {}  # by clause: facts with no time in their sentence
        self._planned_in: dict[Span, bool] = {}  # by clause: its facts share the answer
        self._dated: dict[int, Dating] = {}  # by the fact's position

    def date(self, pos: int, clause: Span, sentence: Span) -> Dating:
        """The period of a fact at pos: its own clause, then its sentence, then the document's.

        clause and sentence are pos's own (Page.sentence_and_clause): the answer is kept by pos.
        """
        found = self._dated.get(pos)
        if found is not None:  # each partner or place of one event trigger asks again
            return found
        periods = self._by_sentence.get(sentence, False)
        if periods is False:
            periods = self._by_sentence[sentence] = self._sentence_periods(sentence)
        if periods is None:
            # Half the facts have no time in their sentence: their dating is their clause's.
            found = self._undated.get(clause)
            if found is None:
                found = self._undated[clause] = self._dating(None, clause)
        else:
            found = self._dating(_own_period(periods, pos, clause), clause)
        self._dated[pos] = found
        return found

    def _dating(self, own: PeriodMention | None, clause: Span) -> Dating:
        """The dating given the fact's own period (None: the document's reference period)."""
        # A fact with no time of its own holds as of publication: a date elsewhere in the text
        # (a headline's, a founding year's) does not date it.
        if own is None:
            start = end = self._pub
            text = None
        else:
            start, end, text = own.start, own.end, own.text
        due_later = own is not None and own.kind == "deadline" and end > self._pub
        planned = start > self._pub or due_later or self._has_planned_cue(clause)
        if not planned:
            # A reported fact is "as of" publication: it cannot be about a later time.
            start, end = min(start, self._pub), min(end, self._pub)
        return Dating(start, end, text, "planned" if planned else "reported", own)

    def _has_planned_cue(self, clause: Span) -> bool:
        found = self._planned_in.get(clause)
        if found is None:
            found = self._planned_in[clause] = (
                self._planned.search(self._folded, *clause) is not None
            )
        return found

    def _sentence_periods(self, sentence: Span) -> SentencePeriods | None:
        """The time expressions of a sentence by kind, or None when it has none."""
        mentions = self._finder.find(self._text, sentence[0], sentence[1], self._pub, self._folded)
        if not mentions:
            return None
        dated = [m for m in mentions if m.kind in ("explicit", "deadline")]
        return (
            dated,
            [m for m in mentions if m.kind == "horizon"],
            [m for m in mentions if m.kind == "now"],
        )


def _own_period(periods: SentencePeriods, pos: int, clause: Span) -> PeriodMention | None:
    """A fact's own period: the nearest dated one in its clause, else the last dated one before
    it in its sentence, else the nearest horizon, else the nearest "now" (the first of equals)."""
    dated, horizon, now = periods
    lo, hi = clause
    nearest = _nearest([m for m in dated if lo <= m.char_start < hi], pos)
    if nearest is not None:
        return nearest
    before = None
    for m in dated:
        if m.char_end <= pos:
            before = m
    if before is not None:
        return before
    return _nearest(horizon, pos) or _nearest(now, pos)


def _nearest(mentions: list[PeriodMention], pos: int) -> PeriodMention | None:
    """The mention nearest pos (the first of equals), None for none."""
    best, best_distance = None, 0
    for m in mentions:
        distance = _distance(m, pos)
        if best is None or distance < best_distance:
            best, best_distance = m, distance
    return best


def _distance(mention: PeriodMention, pos: int) -> int:
    if mention.char_end <= pos:
        return pos - mention.char_end
    return max(0, mention.char_start - pos)


def planned_pattern(cues: tuple[str, ...]) -> WordSearch:
    return WordSearch(folded_phrases(cues))
