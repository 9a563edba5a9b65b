"""When a fact holds and whether it is planned: the period and status of a position in a text."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from flows.extract.patterns import WordSearch, alternation, fold_case, folded_phrases
from flows.extract.periods import PeriodFinder, PeriodMention
from flows.extract.rules import Rules

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
        cues: DatingCues,
        text: str,
        published_at: date,
        folded: str | None = None,
    ) -> None:
        self._finder = finder
        self._cues = cues
        self._text = text
        self._folded = fold_case(text) if folded is None else folded
        self._pub = published_at
        self._by_sentence: dict[Span, SentencePeriods | None] = {}
        # by clause and planned cue: facts with no time in their sentence
        self._undated: dict[tuple[Span, bool], Dating] = {}
        self._planned_in: dict[Span, list[Span]] = {}  # by clause: where its planned cues are
        self._announcing_in: dict[Span, list[int]] = {}  # by clause: where its announcing verbs end
        self._dated: dict[tuple[int, int | None], Dating] = {}  # by the fact's span
        self._fiscal_start: int | None = None  # the month its fiscal years start in
        # The headline, when the text opens with a line of its own.
        newline = text.find("\n")
        self._first_line_end = newline if newline > 0 else -1

    def date(self, pos: int, clause: Span, sentence: Span, end: int | None = None) -> Dating:
        """The period of a fact at pos: its own clause, then its sentence; else publication.

        clause and sentence are pos's own (Page.sentence_and_clause): the answer is kept by pos.
        `end`: where the fact's words end, when a planned cue counts only before the fact or
        right after its words ("32 gyms will open"); None: anywhere in the clause.
        """
        found = self._dated.get((pos, end))
        if found is not None:  # each partner or place of one event trigger asks again
            return found
        periods = self._by_sentence.get(sentence, False)
        if periods is False:
            periods = self._by_sentence[sentence] = self._sentence_periods(sentence)
        cue = self._planned_cue(clause, pos, end)
        if (
            cue is None
            and sentence[0] < clause[0]
            and self._cues.participles.match(self._folded, clause[0])
        ):
            before = (sentence[0], clause[0])  # the clause it hangs on
            cue = self._planned_cue(before, pos, None)
            if cue is None and self._announcing(before):
                cue = before[0]  # "plans 120 projects, including 45 new stores"
        if cue is None and sentence[1] <= self._first_line_end:
            found = self._cues.headline.search(self._folded, sentence[0], pos)
            cue = found[0] if found is not None else None
        announced = cue is None and self._announced(clause, pos)
        if periods is None:
            cue_governs = cue is not None or announced
            # Half the facts have no time in their sentence: they share their clause's dating.
            found = self._undated.get((clause, cue_governs))
            if found is None:
                found = self._undated[clause, cue_governs] = self._dating(None, cue_governs)
        else:
            own = _own_period(
                periods,
                pos,
                pos if end is None else end,
                clause,
                sentence,
                self._text,
                self._cues.another_event,
            )
            # "is set to triple its staff to 5,000 from its current 1,500": a "now" right before
            # the number makes it a level of today ("will now open 20 branches" stays a plan)
            cue_governs = cue is not None and not (
                own is not None
                and own.kind == "now"
                and cue < own.char_start
                and own.char_end <= pos
                and not self._text[own.char_end : pos].strip()
            )
            # "announced 25 new stores opened in the first quarter": a past time reports them
            cue_governs = cue_governs or (announced and (own is None or own.end >= self._pub))
            found = self._dating(own, cue_governs)
        self._dated[pos, end] = found
        return found

    def at_publication(self) -> Dating:
        """A level reported as of the publication date."""
        return self._dating(None, False)

    def _dating(self, own: PeriodMention | None, planned_cue: bool) -> Dating:
        """The dating given the fact's own period and whether a planned cue governs it."""
        # A fact with no time of its own holds as of publication: a date elsewhere in the text
        # (a headline's, a founding year's) does not date it.
        if own is None:
            start = end = self._pub
            text = None
        else:
            start, end, text = own.start, own.end, own.text
            if planned_cue and own.repeats and end < self._pub:
                start, end = _next_one(own, self._pub)
        due_later = own is not None and own.kind == "deadline" and end > self._pub
        planned = start > self._pub or due_later or planned_cue
        if not planned:
            # A reported fact is "as of" publication: it cannot be about a later time.
            start, end = min(start, self._pub), min(end, self._pub)
        return Dating(start, end, text, "planned" if planned else "reported", own)

    def _in_dateline(self, mention: PeriodMention) -> bool:
        """Whether a time expression is a wire story's dateline ("OAK BROOK, Ill., Aug. 10,
        2022 /PRNewswire/ --"): the day the story was filed, not a time its facts are about."""
        line = self._text.rfind("\n", 0, mention.char_start) + 1
        if mention.char_start - line > DATELINE_REACH:
            return False
        dateline = _DATELINE.match(self._text, line)
        return dateline is not None and mention.char_start < dateline.end()

    def _planned_cue(self, clause: Span, pos: int, end: int | None) -> int | None:
        """Where the planned cue that governs the fact starts: one before pos in the clause, or
        right after `end` ("will", "are expected to"); with end None, anywhere in the clause.
        A cue later in the clause governs another verb ("our 500th store is a milestone in our
        plans to serve 1,500 stores"). None: no cue governs it."""
        hits = self._planned_in.get(clause)
        if hits is None:
            hits = self._planned_in[clause] = [
                (s, e) for s, e, _ in self._cues.planned.finditer(self._folded, *clause)
            ]
        if end is None:
            return hits[0][0] if hits else None
        governing = [
            s
            for s, _ in hits
            if s < pos or (s >= end and _AUXILIARIES.fullmatch(self._folded, end, s))
        ]
        return governing[-1] if governing else None

    def _announced(self, clause: Span, pos: int) -> bool:
        """Whether the number at pos is what an announcing verb before it in its clause
        announces, with only words like "plans to build" or "the opening of" between
        ("has announced 6,000 new jobs")."""
        verb_end = next((e for e in reversed(self._announcing(clause)) if e < pos), None)
        return verb_end is not None and (
            self._cues.announced_gap.fullmatch(self._folded, verb_end, pos) is not None
        )

    def _announcing(self, clause: Span) -> list[int]:
        """Where the announcing verbs of a clause end."""
        hits = self._announcing_in.get(clause)
        if hits is None:
            hits = self._announcing_in[clause] = [
                e for _, e, _ in self._cues.announcing.finditer(self._folded, *clause)
            ]
        return hits

    def _statement_day(self, mention: PeriodMention) -> bool:
        """Whether a time expression is the day a statement was made ("said Tuesday",
        "announced plans Monday to ..."): it dates none of the statement's facts."""
        lo = max(0, mention.char_start - STATEMENT_REACH)
        return self._cues.statement_day.search(self._folded, lo, mention.char_end) is not None

    def _sentence_periods(self, sentence: Span) -> SentencePeriods | None:
        """The time expressions of a sentence by kind, or None when it has none."""
        if self._fiscal_start is None:  # the first sentence with a time: read the text once
            self._fiscal_start = self._finder.fiscal_start(self._text, self._folded)
        mentions = self._finder.find(
            self._text, sentence[0], sentence[1], self._pub, self._folded, self._fiscal_start
        )
        mentions = [
            m
            for m in mentions
            if not self._in_dateline(m) and not (m.repeats == "week" and self._statement_day(m))
        ]
        if not mentions:
            return None
        dated = [m for m in mentions if m.kind in ("explicit", "deadline")]
        return (
            dated,
            [m for m in mentions if m.kind == "horizon"],
            [m for m in mentions if m.kind == "now"],
        )


def _own_period(
    periods: SentencePeriods,
    pos: int,
    end: int,
    clause: Span,
    sentence: Span,
    text: str,
    another_event: re.Pattern[str],
) -> PeriodMention | None:
    """A fact's own period: the nearest dated one in its clause (not one after another number:
    "our 500th store ... our plans to serve 1,500 stores by 2015"; not one before a "now" that
    stands nearer the fact), else the last dated one
    before it in its sentence, else the first one of a relative clause right after it ("its
    100th coffeehouse, which opened on May 10, 2012") or after places only ("..., in Shanghai,
    in December"), else the nearest horizon, else the
    nearest "now" (the first of equals)."""
    dated, horizon, now = periods
    lo, hi = clause
    in_clause = [
        m
        for m in dated
        if lo <= m.char_start < hi and not _dates_another(m, end, text, another_event)
    ]
    nearest = _nearest(in_clause, pos)
    if nearest is not None:
        # "opened 3 centers in 2024 and now runs 41 warehouses": a "now" nearer the fact wins
        closer_now = [
            m for m in now if min(nearest.char_end, pos) <= m.char_start and m.char_end <= pos
        ]
        return closer_now[-1] if closer_now else nearest
    before = None
    for m in dated:
        if (
            m.char_end <= pos
            and not (
                _attached_to_a_number(m, sentence[0], text)
                and _NEW_CLAUSE.search(text, m.char_end, pos)
            )
            # "Since opening its first school in 2009, Bridge has enrolled 100,000 students"
            and not (
                _OPENING_SUBORDINATE.match(text, sentence[0], m.char_start)
                and "," in text[m.char_end : pos]
            )
        ):
            before = m
    if before is not None:
        return before
    after = next((m for m in dated if m.char_start >= hi), None)
    if after is not None and (
        _RELATIVE_CLAUSE.match(text, hi) or _PLACES_ONLY.fullmatch(text, hi, after.char_start)
    ):
        return after
    return _nearest(horizon, pos) or _nearest(now, pos)


def _dates_another(
    mention: PeriodMention, end: int, text: str, another_event: re.Pattern[str]
) -> bool:
    """Whether a time expression after the fact's words dates another number, told by a verb
    between ("our 500th store ... our plans to serve 1,500 stores by 2015"), or another event,
    told by a subordinating word between ("now has 60 aircraft after it took delivery of ... in
    March") or a comparison ("sold 9,100 units versus 5,461 a year ago"); a list shares it
    ("opened 5 stores and 3 restaurants in 2024")."""
    if mention.char_start < end:
        return False
    if another_event.search(text, end, mention.char_start) is not None:
        return True  # "now has 60 aircraft after it took delivery of 4 jets in March"
    if not _DIGIT.search(text, end, mention.char_start):
        return False
    return _VERB.search(text, end, mention.char_start) is not None


def _attached_to_a_number(mention: PeriodMention, sentence_start: int, text: str) -> bool:
    """Whether a time expression dates a number before it in its own clause ("Revenue reached
    £45m in 2024, and ..."), rather than the sentence ("In 2024, it opened 5 stores and ...").
    Such a time dates no fact past a new main clause (", and Kavo plans to invest $30 million")
    but does date a clause that hangs on its own (", which also includes its 5,000th ...")."""
    lo = sentence_start
    for stop in _CLAUSE_STOP.finditer(text, sentence_start, mention.char_start):
        lo = stop.end()
    return _DIGIT.search(text, lo, mention.char_start) is not None


_CLAUSE_STOP = re.compile(r"[,;:()–—]")
# A verb or an infinitive between two numbers: they belong to two statements.
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|could|should|remains?|plans?|aims?|"
    r"expects?|to\s+[a-z]+)\b",
    re.IGNORECASE,
)
_NEW_CLAUSE = re.compile(r",\s*(?:and|but|while|whereas)\s|;")
_DIGIT = re.compile(r"(?<![\w-])\d")  # a number of its own, not "Covid-19"
# A line opening with a place in capitals, then a date, then the wire's mark or a dash.
_DATELINE = re.compile(
    r"[ \t]*[A-Z][A-Za-z .'’-]{1,40},[^\n]{0,40}?\d{4}\s*"
    r"(?:/[^/\n]{1,30}/|\([^)\n]{1,30}\))?\s*(?:--|–|—|-)"
)
DATELINE_REACH = 90  # a dateline's date is this near the start of its line
STATEMENT_REACH = 30  # a statement's verb is this near before its day ("announced plans Monday")
_RELATIVE_CLAUSE = re.compile(r"\s*,\s*(?:which|that|when)\s")
# Words that open a clause about another event ("Since opening its first school in 2009, ...").
SUBORDINATORS = ("after", "before", "when", "following", "because", "since", "once", "whereas")
_OPENING_SUBORDINATE = re.compile(
    rf"[\s\"“‘'(•*-]*(?:{'|'.join(SUBORDINATORS)})\s[^,;]*$", re.IGNORECASE
)
# Only places between a fact's clause and a time: the time is the fact's ("opened its first store
# outside North America, in Shanghai, in December"; "in the U.S., Canada and China during ...").
# Possessive: a run of capitalised words is one place, never split again on a failed match
# (a plain nesting backtracks exponentially: 16 words took 22 s).
_PLACES_ONLY = re.compile(
    r"(?:\s*+(?:,\s*and|,|and)?\s*+(?:(?:in|at|near|outside|across|throughout|on)\s+)?"
    r"(?:the\s+)?[A-Z][\w.'’-]*+(?:\s+[A-Z][\w.'’-]*+)*+)++[\s,]*"
)
# What may stand between a fact's words and a planned cue that governs it ("32 gyms are
# expected to open", "400 studios in the pipeline"), in the folded text.
_AUXILIARIES = re.compile(
    r"\s*(?:in\s+(?:the|its|our)\s+)?"  # "400 studios in the pipeline"
    r"(?:(?:that|which)\s+)?"  # "the 70 new routes that will start"
    r"(?:(?:are|is|were|was|have|has|had|been|being|also|still)\s+){0,2}"
)


def _next_one(mention: PeriodMention, pub: date) -> tuple[date, date]:
    """The next occurrence of a time that names no year, for a plan ("will open 20 stores by
    June" said in August: next June; "the casino will open Tuesday" said on a Friday)."""
    if mention.repeats == "week":
        day = date.fromordinal(mention.start.toordinal() + 7)
        return day, day
    start, end = _a_year_later(mention.start), _a_year_later(mention.end)
    return (pub if mention.kind == "deadline" else start), end


def _a_year_later(day: date) -> date:
    """The same day a year later; February 29 becomes the 28th."""
    year = day.year + 1
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


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


@dataclass(frozen=True)
class DatingCues:
    """The words dating reads besides times. A fact is planned by `planned` in its clause
    (searched in the folded text); or, for a clause opening with one of `participles` ("...,
    creating up to 1,000 jobs"), by one in the sentence before it, the clause it hangs on; or,
    in a headline, by `headline` ("Harbor to Open 40 Stores"); or by being what an
    `announcing` verb announces. `another_event` between a fact and a time after it makes the
    time another event's ("after", "versus"); a `statement_day` dates nothing."""

    planned: WordSearch
    participles: re.Pattern[str]
    headline: WordSearch
    another_event: re.Pattern[str]
    announcing: WordSearch
    announced_gap: re.Pattern[str]  # what may stand between an announcing verb and its number
    statement_day: re.Pattern[str]  # a weekday right after a statement's verb


def dating_cues(rules: Rules) -> DatingCues:
    participles = rules.planned_participles
    opening = alternation(folded_phrases(participles)) if participles else "(?!)"
    # Subordinating words, and the comparisons that name an earlier value (elided_noun)
    others = list(SUBORDINATORS)
    announcements = rules.announcements
    weekdays = alternation(fold_case(d) for d in rules.periods.weekdays)
    qualifiers = [p for q in rules.qualifiers for p in q.phrases]
    between = alternation(folded_phrases([*announcements.between, *qualifiers]))
    statement_verbs = alternation(folded_phrases(announcements.statement_verbs))
    return DatingCues(
        WordSearch(folded_phrases(rules.planned_cues)),
        re.compile(rf"{opening}(?![\w-])"),
        WordSearch(folded_phrases(rules.headline_plans)),
        re.compile(
            rf"(?<![\w-]){alternation([*others, *rules.elided_noun.comparisons])}\s",
            re.IGNORECASE,
        ),
        WordSearch(folded_phrases(announcements.verbs)),
        re.compile(rf"(?:\s+(?:{between}|{weekdays}|to\s+[a-z]+)(?![\w-])){{0,6}}\s+"),
        re.compile(
            rf"(?<![\w-])(?:{statement_verbs})(?:\s+plans?)?\s+(?:on\s+)?{weekdays}(?![\w-])\W*$"
        ),
    )
