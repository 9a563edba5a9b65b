"""Time expressions ("first half of 2025", "by mid-2026", "last year", "now") → date intervals."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flows.extract.patterns import (
    alternation,
    factored,
    fold_case,
    is_word_char,
    norm,
    phrase_source,
    separator_class,
)
from flows.extract.rules import PeriodVocabulary

_YEAR = r"(?:19|20)\d{2}(?![\w-])"
UPCOMING_DAYS = 31
# The named groups of PeriodFinder.pattern's alternatives, in the order _span tries them.
_ALTERNATIVES = (
    *("window", "range", "mlist", "fiscal", "relm", "weekday", "part", "span", "code"),
    *("month", "month2", "year", "rel", "ago", "thisfy", "years", "firstm", "ylist"),
    *("mquarter", "lastq", "reld"),
)  # a day with no year this close after publication is the coming one


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class PeriodMention:
    """A time expression in the text, resolved against the publication date."""

    start: date
    end: date
    text: str  # as written, preposition included ("by mid-2026")
    char_start: int
    char_end: int
    kind: str  # explicit | deadline | horizon | now
    # "year" for a month named without a year ("by June"), "week" for a weekday ("Tuesday"):
    # taken as the latest one, which a plan may mean the next of
    repeats: str | None = None


NOT_AFTER_REACH = 40  # "Founded in Lübeck in 2006": how far before the time the word may be
FISCAL_BOUND_REACH = 40  # "its fiscal year that begins on March 4": how far the start may be
HALF_YEAR_DAYS = 183


def _repeats(m: re.Match[str]) -> str | None:
    """What a match of PeriodFinder.pattern recurs with when it names no year: "year" for a
    month without a year or a day, "week" for a weekday, else None."""
    if m.group("weekday"):
        return "week"
    if (m.group("month") or m.group("month2")) and not (
        m.group("my") or m.group("my2") or m.group("myr") or m.group("day") or m.group("day2")
    ):
        return "year"
    return None


def _shifted(day: date, months: int, days: int) -> date:
    """day moved by whole calendar months (clamped to the month's last day) and days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return date.fromordinal(moved.toordinal() + days)


def _day_without_year(month: int, day: int, pub: date) -> date | None:
    """The coming such day when it is at most UPCOMING_DAYS after publication ("to inaugurate
    ... on September 30" in a text of 27 September), else the last one up to publication ("On
    December 30" in a text of 3 January: last year's). None for a day no year has near."""
    days = [
        date(year, month, day)
        for year in (pub.year - 1, pub.year, pub.year + 1)
        if 1 <= day <= calendar.monthrange(year, month)[1]
    ]
    upcoming = [d for d in days if 0 < (d - pub).days <= UPCOMING_DAYS]
    if upcoming:
        return upcoming[0]
    past = [d for d in days if d <= pub and (pub - d).days < 366]
    return past[-1] if past else None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_end(year: int, month: int) -> date:
    # A table and isleap: calendar.monthrange also works out the month's first weekday.
    leap_day = month == 2 and calendar.isleap(year)
    return date(year, month, _MONTH_DAYS[month] + leap_day)


def months_span(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), month_end(year, last)


def fiscal_year(year: int, start_month: int) -> tuple[date, date]:
    """Fiscal year `year` starting in `start_month`, named after the calendar year it ends in
    ("fiscal 2008" from September: Sep 2007 - Aug 2008; "FY25" from April: Apr 2024 - Mar 2025)."""
    if start_month == 1:
        return months_span(year, 1, 12)
    return date(year - 1, start_month, 1), month_end(year, start_month - 1)


class PeriodFinder:
    """One compiled expression for every time phrase the vocabulary describes."""

    def __init__(self, vocab: PeriodVocabulary) -> None:
        self.vocab = vocab
        self._months = vocab.months  # case-sensitive keys
        self._parts = {norm(k): v for k, v in vocab.parts.items()}
        self._halves = {norm(k): v for k, v in vocab.halves.items()}
        self._quarters = {norm(k): v for k, v in vocab.quarters.items()}
        self._relative = {norm(k): v for k, v in vocab.relative_years.items()}
        self._relative.update({norm(k): 0 for k in vocab.implied_year})
        self._deadline = {norm(p) for p in vocab.deadline_prepositions}
        self._to_date = {norm(p) for p in vocab.to_date_prepositions}
        self._since = {norm(p) for p in vocab.since_prepositions}
        self._relative_months = {norm(k): v for k, v in vocab.relative_months.items()}
        self._relative_days = {norm(k): v for k, v in vocab.relative_days.items()}
        self._weekdays = {d: i for i, d in enumerate(vocab.weekdays)}
        self._counts = {norm(k): v for k, v in vocab.windows.count_words.items()}
        self._units = {norm(k): u for k, u in vocab.windows.units.items()}
        self.pattern = re.compile(r"(?<![\w-])" + self._source(), re.IGNORECASE)
        # Where an expression may start: the same expression in lower case, searched in the
        # folded text from the separator before it, so the engine skips between separators
        # and rejects most of them with literal comparisons (see patterns.prefilter_source).
        # It also accepts "may 2025"; self.pattern then reads the original text there.
        # The separator is [^\w-], written as separator_class (see there).
        # Without capturing groups: a group opening an alternative hides its first letter from
        # the engine's one-comparison rejection; the scan only needs where a match starts.
        self._scan = re.compile(separator_class("-") + self._scan_source())
        self._horizon = re.compile(
            r"(?<!\w)" + alternation(vocab.horizon_nouns) + r"\s+$", re.IGNORECASE
        )
        self._not_after_words = [w.lower() for w in vocab.not_after]
        # "founded in 1998", "Founded in Lübeck in 2006": a place may stand between
        self._not_after = (
            re.compile(
                rf"(?<![\w-])(?:{alternation(vocab.not_after)})(?:[ \t]+in[ \t]+[A-Z][^\s,.;]*"
                r"(?:[ \t]+[A-Z][^\s,.;]*)?)?[ \t]+$",
                re.IGNORECASE,
            )
            if vocab.not_after
            else None
        )
        # Where a text says when its fiscal year starts or ends ("its fiscal year that began
        # Aug. 31", "the financial year ending March 31"): see fiscal_start.
        months = alternation(vocab.months) + r"\.?(?![\w])"
        year_words = alternation(vocab.fiscal_year_names) if vocab.fiscal_year_names else "(?!)"
        self._fiscal_names = [n.lower() for n in vocab.fiscal_year_names]
        self._fiscal_bound = re.compile(
            rf"(?i:{year_words})\s+(?:that\s+|which\s+)?(?:(?P<begins>"
            rf"{alternation(vocab.fiscal_starts)})|(?P<ends>{alternation(vocab.fiscal_ends)}))"
            rf"\s+(?:on\s+)?(?P<month>{months})"
            if vocab.fiscal_starts and vocab.fiscal_ends
            else "(?!)"
        )

    def _scan_source(self) -> str:
        """_source(fold=True) without groups, as one flat alternation of literal-led branches.

        The same strings match at the same places, but the engine rejects a separator with one
        comparison per branch, where the nested form enters the optional preposition and every
        group first (measured: the scan was 60% of the cost of finding periods). The branches
        are then written as a tree of their beginnings (patterns.factored), so a separator costs
        one comparison per distinct first letter, not per branch (~90 branches: the scan 0.061
        -> 0.039 s over the fact sentences of 2,000 documents). The scan only tells where a
        match starts; self.pattern reads it.
        """
        v = self.vocab

        def lower(values: Iterable[str]) -> list[str]:
            return [p.lower() for p in values]

        def year(relatives: Iterable[str]) -> str:
            return rf"(?:{_YEAR}|{alternation(lower(relatives))})"

        any_year = year([*v.relative_years, *v.implied_year])
        halves_and_quarters = [*v.halves, *v.quarters]
        months = alternation(lower(v.months)) + r"\.?(?!\w)"
        branches = [rf"{phrase_source(p)}[\s-]+{any_year}" for p in lower(v.parts)]
        for words in lower(k for k in halves_and_quarters if " " in k):
            branches += [rf"the\s+{phrase_source(words)}\s+of\s+{any_year}",
                         rf"{phrase_source(words)}\s+of\s+{any_year}"]  # fmt: skip
        branches += [
            rf"{phrase_source(code)}(?:[\s-]?{year(v.relative_years)})?"
            for code in lower(k for k in halves_and_quarters if " " not in k)
        ]
        branches += [
            rf"{phrase_source(month)}\.?(?!\w)(?:\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\d))?"
            rf"(?:,?\s+{_YEAR})?"
            for month in lower(v.months)
        ]
        branches += [rf"{phrase_source(p)}[\s-]+{months}" for p in lower(v.parts)]
        # \d\d? for \d{1,2}: a branch must open with a character test to be rejected fast.
        branches.append(rf"\d\d?(?:st|nd|rd|th)?\s+{months}(?:,?\s+{_YEAR})?")
        branches += [r"19\d{2}(?![\w-])", r"20\d{2}(?![\w-])"]  # _YEAR, split likewise
        branches += [phrase_source(p) for p in lower([*v.relative_years, *v.now])]
        branches += [
            phrase_source(p) for p in lower([*v.relative_months, *v.relative_days, *v.weekdays])
        ]
        for words in lower(k for k in halves_and_quarters if " " in k):  # with no year
            branches += [rf"the\s+{phrase_source(words)}", phrase_source(words)]
        w = v.windows
        window = (
            rf"the\s+{alternation(lower([*w.back, *w.ahead]))}\s+"
            rf"(?:(?:\d{{1,3}}|{alternation(lower(w.count_words))})\s+)?{alternation(lower(w.units))}"
        )
        branches += [rf"{phrase_source(p)}\s?'?\d{{2,4}}" for p in lower(v.fiscal_year)]
        branches += [phrase_source(p) for p in lower(v.current_fiscal_year)]
        if w.ago:
            counts = alternation(lower([*w.count_words, "a", "an"]))
            branches.append(
                rf"(?:\d{{1,3}}|{counts})\s+{alternation(lower(w.units))}\s+"
                rf"{alternation(lower(w.ago))}"
            )
        branches += [phrase_source(p) for p in lower(v.latest_quarter)]
        branches += (
            [rf"the\s+{months}\s+{alternation(lower(v.quarter_nouns))}"] if v.quarter_nouns else []
        )
        branches += [rf"{phrase_source(p)}\s+{months}" for p in lower(v.range_starts)]
        branches += [rf"{phrase_source(p)}\s+(?:19|20)\d\d" for p in lower(v.range_starts)]
        counts = alternation(lower(v.windows.count_words))
        branches.append(rf"(?:the\s+)?first\s+(?:\d{{1,2}}|{counts})\s+months")
        if not branches:
            return "(?!)"
        expression = "(?:" + factored(branches, keep_order=False) + ")"
        # One copy of the expression after the prepositions, not one per preposition: as fast,
        # and a sixth of the pattern to compile (0.04 s rather than 0.27 s per process).
        prepositions = alternation(lower(v.prepositions))
        # A window only after a preposition ("over the past five years"): a branch opening with
        # "the" would be tried at every "the" of the text. One branch for both after the
        # preposition: the engine tries the prepositions once per separator, not twice
        # (the scan over facts' sentences 12% faster).
        top = [rf"{prepositions}\s+(?:{expression}|{window})", *branches]
        return "(?:" + factored(top, keep_order=False) + r")(?!\w)"

    def _source(self, fold: bool = False) -> str:
        """The expression; with fold, every phrase in lower case, for the folded text."""
        v = self.vocab

        def phrases(values: Iterable[str]) -> str:
            return alternation(p.lower() for p in values) if fold else alternation(values)

        words_of = [k for k in {**v.halves, **v.quarters} if " " in k]
        codes_of = [k for k in {**v.halves, **v.quarters} if " " not in k]
        months = "(?-i:" + phrases(v.months) + r")\.?(?!\w)"
        relative = phrases(v.relative_years)
        any_year = phrases([*v.relative_years, *v.implied_year])

        def year(name: str, relatives: str) -> str:
            return rf"(?:(?P<{name}>{_YEAR})|(?P<{name}r>{relatives}))"

        w = v.windows
        counts = rf"(?:(?P<wn>\d{{1,3}})|(?P<ww>{phrases(w.count_words)}))\s+"
        window = (
            rf"the\s+(?:(?P<back>{phrases(w.back)})|(?P<ahead>{phrases(w.ahead)}))\s+"
            rf"(?:{counts})?(?P<unit>{phrases(w.units)})"
        )
        # "a year ago", "two quarters earlier": one day, counted back from publication
        ago = (
            (
                rf"(?:(?P<an>\d{{1,3}})|(?P<aw>{phrases([*w.count_words, 'a', 'an'])}))\s+"
                rf"(?P<au>{phrases(w.units)})\s+(?:{phrases(w.ago)})"
            )
            if w.ago
            else "(?!)"
        )
        quarter_nouns = phrases(v.quarter_nouns) if v.quarter_nouns else "(?!)"
        latest_quarter = phrases(v.latest_quarter) if v.latest_quarter else "(?!)"
        fiscal = rf"(?-i:{phrases(v.fiscal_year)})\s?'?(?P<fy>\d{{4}}|\d{{2}})(?!\d)"

        def month_day(n: str) -> str:
            return (
                rf"(?P<rm{n}>{months})(?:\s+(?P<rd{n}>\d{{1,2}})(?:st|nd|rd|th)?(?!\d))?"
                rf"(?:,?\s+(?P<ry{n}>{_YEAR}))?"
            )

        ranges = (
            rf"(?:{phrases(v.range_starts)})\s+{month_day('1')}\s*"
            rf"(?:{phrases(v.range_joins)})\s*{month_day('2')}"
        )
        years = (
            rf"(?:{phrases(v.range_starts)})\s+(?P<yr1>{_YEAR})\s*"
            rf"(?:{phrases(v.range_joins)})\s*(?P<yr2>{_YEAR})"
        )
        month_list = (
            rf"(?P<ml1>{months})(?:,\s+{months})*,?\s+and\s+(?P<ml2>{months})\s+"
            rf"(?P<mly>{_YEAR})"
        )
        return (
            rf"(?P<all>(?P<wprep>{phrases(v.prepositions)})\s+(?P<window>{window})"
            r"|(?:(?P<prep>" + phrases(v.prepositions) + r")\s+)?(?:"
            rf"(?P<range>{ranges})"
            rf"|(?P<years>{years})"
            rf"|(?P<ylist>(?P<yl1>{_YEAR})(?:,\s+{_YEAR})*,?\s+and\s+(?P<yl2>{_YEAR}))"
            rf"|(?P<firstm>(?:the\s+)?first\s+(?:(?P<fmn>\d{{1,2}})|(?P<fmw>{phrases(w.count_words)}))"
            rf"\s+months(?:\s+of\s+{year('fmy', any_year)})?)"
            rf"|(?P<mlist>{month_list})"
            rf"|(?P<fiscal>{fiscal})"
            rf"|(?P<thisfy>{phrases(v.current_fiscal_year)})(?![\w-]|\s?'?\d)"
            rf"|(?P<part>{phrases(v.parts)})[\s-]+{year('py', any_year)}"
            rf"|(?:the\s+)?(?P<span>{phrases(words_of)})(?:\s+of\s+{year('sy', any_year)})?"
            rf"|(?P<code>(?-i:{phrases(codes_of)}))(?:[\s-]?{year('cy', relative)})?"
            rf"|(?P<mquarter>(?:the\s+)?(?P<mqm>{months})\s+(?:{quarter_nouns})"
            rf"(?:,?\s+(?:of\s+)?(?P<mqy>{_YEAR}))?)"
            rf"|(?P<lastq>{latest_quarter})(?!\s+of\s|-)"
            # "mid-November", "the end of March 2020": the month
            rf"|(?:(?:{phrases(v.parts)})[\s-]+)?"
            rf"(?P<month>{months})(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d))?"
            rf"(?:,?\s+(?P<my>{_YEAR})|\s+(?P<myr>{relative}))?"  # "in March next year"
            rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{months})(?:,?\s+(?P<my2>{_YEAR}))?"
            rf"|(?P<ago>{ago})"
            rf"|(?P<year>{_YEAR})"
            rf"|(?P<rel>{relative})"
            rf"|(?P<relm>{phrases(v.relative_months)})"
            rf"|(?P<reld>{phrases(v.relative_days) if v.relative_days else '(?!)'})"
            rf"|(?P<now>{phrases(v.now)})"
            rf"|(?P<weekday>(?-i:{phrases(v.weekdays)}))"
            r"))(?!\w)"
        )

    def find(
        self,
        text: str,
        lo: int,
        hi: int,
        published_at: date,
        folded: str | None = None,
        fiscal_start: int = 1,
    ) -> list[PeriodMention]:
        """Every time expression between lo and hi, in order (folded: fold_case(text)), fiscal
        years starting in month `fiscal_start`."""
        folded = fold_case(text) if folded is None else folded
        resolve = self.resolve
        found = [
            resolve(m, text, published_at, fiscal_start)
            for m in self._matches(text, folded, lo, hi)
        ]
        return [mention for mention in found if mention is not None]

    def _matches(self, text: str, folded: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
        """Matches of self.pattern between lo and hi: leftmost first, not overlapping."""
        pos = max(0, lo - 1)  # the separator before the next expression is at pos or after
        if lo == 0 and (first := self.pattern.match(text, 0, hi)) is not None:
            yield first
            pos = first.end()
        while (hit := self._scan.search(folded, pos, hi)) is not None:
            start = hit.start() + 1
            # A letter beyond ASCII is no separator (the scan has no IGNORECASE: ASCII ones are).
            if folded[start - 1] > "\x7f" and is_word_char(folded[start - 1]):
                pos = start
                continue
            m = self.pattern.match(text, start, hi)
            if m is None:  # only the folded text reads as a time here ("may 2025")
                pos = start
                continue
            yield m
            pos = m.end()

    def fiscal_start(self, text: str, folded: str | None = None) -> int:
        """The month a text's fiscal years start in, when it says ("fiscal year that began Aug.
        31": 8; "financial year ending March 31": 4); else 1, the calendar year."""
        folded = fold_case(text) if folded is None else folded
        if not any(name in folded for name in self._fiscal_names):
            return 1  # most texts name no fiscal year: a substring test tells
        m = self._fiscal_bound.search(text)
        if m is None:
            return 1
        month = self._months[m.group("month").rstrip(".")]
        return month if m.group("begins") else month % 12 + 1

    def parse(self, phrase: str, published_at: date) -> PeriodMention | None:
        """Resolve a phrase that is exactly one time expression ("in Q3 2024"); else None."""
        m = self.pattern.fullmatch(phrase)
        return self.resolve(m, phrase, published_at) if m else None

    def resolve(
        self, m: re.Match[str], text: str, pub: date, fiscal_start: int = 1
    ) -> PeriodMention | None:
        """The mention a match of self.pattern stands for; None when it is no time after all.
        `fiscal_start`: the month the text's fiscal years start in (fiscal_start())."""
        # One call for the groups it needs, not a call per group (as NumberReader.read does).
        written_prep, window_prep, now, ahead, written = m.group(
            "prep", "wprep", "now", "ahead", "all"
        )
        prep = norm(written_prep or window_prep or "")
        span = self._span(m, pub, has_prep=bool(prep), fiscal_start=fiscal_start)
        if span is None:
            return None
        start, end = span
        char_start, char_end = m.span("all")
        if self._not_after is not None and self._founding(text, char_start):
            return None  # "founded in 1998": the company's birth, no time of its facts
        kind = "explicit"
        if now:
            kind = "now"
        elif prep in self._deadline or ahead:
            kind = "deadline"
            if end >= pub:
                start = pub
        elif prep in self._to_date:
            start = date(end.year, 1, 1)  # "already opened more than 100 through June"
        elif prep in self._since:
            end = max(start, pub)
        elif prep == "for" and self._horizon.search(text, max(0, char_start - 24), char_start):
            kind = "horizon"
        return PeriodMention(start, end, written, char_start, char_end, kind, _repeats(m))

    def _founding(self, text: str, char_start: int) -> bool:
        """Whether a time expression is a founding's ("founded in 1998", "Founded in Lübeck in
        2006"): a substring test first, as most times are none."""
        lo = max(0, char_start - NOT_AFTER_REACH)
        window = text[lo:char_start].lower()
        return any(w in window for w in self._not_after_words) and (
            self._not_after.search(text, lo, char_start) is not None
        )

    def _year(self, m: re.Match[str], name: str, pub: date) -> int:
        if m.group(name):
            return int(m.group(name))
        return pub.year + self._relative[norm(m.group(name + "r"))]

    def _span(
        self, m: re.Match[str], pub: date, has_prep: bool, fiscal_start: int = 1
    ) -> tuple[date, date] | None:
        # Which alternative matched, from one call (see resolve): only its groups are set.
        (
            window,
            range_,
            mlist,
            fiscal,
            relm,
            weekday,
            part,
            span,
            code,
            month,
            month2,
            bare,
            rel,
            ago,
            this_fiscal_year,
            years,
            first_months,
            year_list,
            month_quarter,
            latest_quarter,
            relative_day,
        ) = m.group(*_ALTERNATIVES)
        if relative_day:
            day = date.fromordinal(pub.toordinal() + self._relative_days[norm(relative_day)])
            return day, day
        if month_quarter:  # "the December quarter": the three months ending in December
            return self._quarter_ending(
                self._months[m.group("mqm").rstrip(".")], m.group("mqy"), pub
            )
        if latest_quarter:
            return self._latest_quarter(pub)
        if window:
            return self._window(m, pub)
        if ago:
            return self._ago(m, pub)
        if range_:
            return self._range(m, pub)
        if first_months:  # "the first nine months of 2024", "in the first five months"
            return self._first_months(m, pub)
        if year_list:  # "in 2027 and 2029", "in 2030, 2032 and 2036": the first to the last
            first, last = int(m.group("yl1")), int(m.group("yl2"))
            return (date(first, 1, 1), date(last, 12, 31)) if first < last else None
        if years:  # "between 2026 and 2036"
            first, last = int(m.group("yr1")), int(m.group("yr2"))
            return (date(first, 1, 1), date(last, 12, 31)) if first < last else None
        if mlist:
            year = int(m.group("mly"))
            first, last = (self._months[m.group(g).rstrip(".")] for g in ("ml1", "ml2"))
            return date(year, first, 1), month_end(year, last)
        if fiscal:
            year = int(m.group("fy"))
            return fiscal_year(year + 2000 if year < 100 else year, fiscal_start)
        if this_fiscal_year:  # the fiscal year publication falls in, named after its end
            stated = self._stated_fiscal_year(m, pub)
            if stated is not None:
                return stated
            ends_next_year = fiscal_start > 1 and pub.month >= fiscal_start
            return fiscal_year(pub.year + 1 if ends_next_year else pub.year, fiscal_start)
        if relm:
            month_index = pub.year * 12 + pub.month - 1 + self._relative_months[norm(relm)]
            return months_span(month_index // 12, month_index % 12 + 1, month_index % 12 + 1)
        if weekday:
            back = (pub.weekday() - self._weekdays[weekday]) % 7
            day = date.fromordinal(pub.toordinal() - back)
            return day, day
        if part:
            first, last = self._parts[norm(part)]
            return months_span(self._year(m, "py", pub), first, last)
        if span or code:
            key, year_group = norm(span or code), "sy" if span else "cy"
            if not (m.group(f"{year_group}") or m.group(f"{year_group}r")):
                if code and not has_prep:
                    return None  # "two new H2 stations": a code is a time only after "in", "during"
                return self._half_or_quarter_of_latest_year(key, pub)  # "during Q1"
            year = self._year(m, year_group, pub)
            if key in self._halves:
                half = self._halves[key]
                return months_span(year, 6 * half - 5, 6 * half)
            quarter = self._quarters[key]
            return months_span(year, 3 * quarter - 2, 3 * quarter)
        if month or month2:
            return self._month_day(m, pub, has_prep)
        if bare:
            # A bare number like 2023 is only a time when a preposition says so ("in 2023").
            return months_span(int(bare), 1, 12) if has_prep else None
        if rel:
            return months_span(pub.year + self._relative[norm(rel)], 1, 12)
        return pub, pub  # now

    @staticmethod
    def _quarter_ending(month: int, year: str | None, pub: date) -> tuple[date, date]:
        """The three months ending in `month` of `year`; with no year, the latest such quarter
        ended by publication."""
        last_year = int(year) if year else pub.year - (month_end(pub.year, month) > pub)
        first = last_year * 12 + month - 3  # months since year 0 of the quarter's first month
        return date(first // 12, first % 12 + 1, 1), month_end(last_year, month)

    @staticmethod
    def _latest_quarter(pub: date) -> tuple[date, date]:
        """The latest calendar quarter ended by publication."""
        index = pub.year * 4 + (pub.month - 1) // 3 - 1
        year, quarter = divmod(index, 4)
        return months_span(year, 3 * quarter + 1, 3 * quarter + 3)

    def _stated_fiscal_year(self, m: re.Match[str], pub: date) -> tuple[date, date] | None:
        """The fiscal year a phrase names by its start ("its fiscal year beginning March 4",
        said in February: the one about to begin), the one starting nearest publication."""
        end = m.end("thisfy")
        bound = self._fiscal_bound.search(m.string, m.start("thisfy"), end + FISCAL_BOUND_REACH)
        if bound is None or not bound.group("begins") or bound.start() >= end:
            return None
        month = self._months[bound.group("month").rstrip(".")]
        begin = date(pub.year, month, 1)
        if (begin - pub).days > HALF_YEAR_DAYS:
            begin = begin.replace(year=begin.year - 1)
        elif (pub - begin).days > 2 * HALF_YEAR_DAYS:
            begin = begin.replace(year=begin.year + 1)
        return begin, _shifted(begin, 12, -1)

    def _first_months(self, m: re.Match[str], pub: date) -> tuple[date, date] | None:
        """ "the first nine months of 2024": January to September; with no year, of the latest
        year in which that many months have begun by publication."""
        count = int(m.group("fmn")) if m.group("fmn") else self._counts[norm(m.group("fmw"))]
        if not 1 <= count <= 12:
            return None
        if m.group("fmy") or m.group("fmyr"):
            year = self._year(m, "fmy", pub)
        else:
            year = pub.year if pub.month >= count else pub.year - 1
        return months_span(year, 1, count)

    def _half_or_quarter(self, key: str, year: int) -> tuple[date, date]:
        if key in self._halves:
            half = self._halves[key]
            return months_span(year, 6 * half - 5, 6 * half)
        quarter = self._quarters[key]
        return months_span(year, 3 * quarter - 2, 3 * quarter)

    def _half_or_quarter_of_latest_year(self, key: str, pub: date) -> tuple[date, date]:
        """ "In the first six months" with no year: the latest one begun by publication."""
        start, end = self._half_or_quarter(key, pub.year)
        return self._half_or_quarter(key, pub.year - 1) if start > pub else (start, end)

    def _ago(self, m: re.Match[str], pub: date) -> tuple[date, date]:
        """ "a year ago" → the day a year before publication; "two quarters earlier" likewise."""
        unit = self._units[norm(m.group("au"))]
        count = int(m.group("an")) if m.group("an") else self._counts.get(norm(m.group("aw")), 1)
        day = _shifted(pub, -count * unit.months, -count * unit.days)
        return day, day

    def _window(self, m: re.Match[str], pub: date) -> tuple[date, date]:
        """ "in the past five years" → [pub − 5 years, pub]; "in the next six months" → [pub,
        pub + 6 months]; a plural unit without a count is a few ("in the coming weeks")."""
        unit = self._units[norm(m.group("unit"))]
        if m.group("wn"):
            count = int(m.group("wn"))
        elif m.group("ww"):
            count = self._counts[norm(m.group("ww"))]
        else:
            count = self._counts.get("few", 3) if m.group("unit").endswith("s") else 1
        sign = -1 if m.group("back") else 1
        other = _shifted(pub, sign * count * unit.months, sign * count * unit.days)
        return (other, pub) if sign < 0 else (pub, other)

    def _range(self, m: re.Match[str], pub: date) -> tuple[date, date] | None:
        """ "From September 23 to December 31, 2022", "from January to July"."""
        year_text = m.group("ry2") or m.group("ry1")
        year = int(year_text) if year_text else pub.year
        first_year = int(m.group("ry1")) if m.group("ry1") else year
        first, last = (self._months[m.group(g).rstrip(".")] for g in ("rm1", "rm2"))
        if first > last and not m.group("ry1"):
            first_year = year - 1  # "from November to February"
        try:
            start = date(first_year, first, int(m.group("rd1") or 1))
            end = date(year, last, int(m.group("rd2"))) if m.group("rd2") else month_end(year, last)
        except ValueError:
            return None
        return (start, end) if start <= end else None

    def _month_day(self, m: re.Match[str], pub: date, has_prep: bool) -> tuple[date, date] | None:
        month = self._months[(m.group("month") or m.group("month2")).rstrip(".")]
        day_text = m.group("day") or m.group("day2")
        year_text = m.group("my") or m.group("my2")
        relative = m.group("myr")
        if not (day_text or year_text or has_prep):
            return None  # "March" alone, without "in"/"by", is too often something else
        if relative:  # "in March next year"
            year_text = str(pub.year + self._relative[norm(relative)])
        year = int(year_text) if year_text else pub.year
        if day_text is None:
            start, end = months_span(year, month, month)
            if year_text is None and start > pub:
                start, end = months_span(year - 1, month, month)
            return start, end
        day = int(day_text)
        if year_text is not None:
            if not 1 <= day <= calendar.monthrange(year, month)[1]:
                return None
            return date(year, month, day), date(year, month, day)
        when = _day_without_year(month, day, pub)
        return None if when is None else (when, when)
