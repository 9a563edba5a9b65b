"""Numbers as written ("70,000", "twenty-two", "40th", "$1.2bn") → values, values → intervals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flows.extract.patterns import SuffixMatch, alternation, norm, words_pattern
from flows.extract.rules import NumberVocabulary, Qualifier
from flows.model import INF


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class Amount:
    """One number found in text, with its currency and scale applied."""

    value: float
    start: int  # span of the number as written, currency and scale included
    end: int
    currency: str | None = None  # "USD" … when a currency marker was written
    ordinal: bool = False
    percent: bool = False
    scaled: bool = False  # a scale word or suffix was applied ("million", "bn")
    digits: str | None = None  # the digits as written, for a plain number in digits ("2023")
    low: float | None = None  # the low end of a range written in digits ("110-115": 110)
    at_least: bool = False  # written with a plus ("30+ countries")
    # the currency its scale word implies when no noun follows ("invested around 300 crore")
    implied_currency: str | None = None


@dataclass(slots=True)  # not frozen: a frozen init costs 3x (object.__setattr__ per field)
class Interval:
    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False


def interval_for(value: float, kind: str, tolerance: float) -> Interval:
    """The interval a qualifier kind (rules.INTERVAL_KINDS, or exact/ordinal) gives a value."""
    if kind == "above":
        return Interval(value, INF, lo_open=True)
    if kind == "at_least":
        return Interval(value, INF)
    if kind == "up_to":
        return Interval(0.0, value)
    if kind == "below":
        return Interval(0.0, value, hi_open=True)
    if kind == "just_below":
        return Interval(value * (1 - tolerance), value, hi_open=True)
    if kind == "band":
        return Interval(value * (1 - tolerance), value * (1 + tolerance))
    return Interval(value, value)


class NumberReader:
    """Finds numbers with one compiled scan and reads their value, scale and currency."""

    def __init__(self, vocab: NumberVocabulary, compound_nouns: Sequence[str] = ()) -> None:
        """compound_nouns: nouns a number may be joined to by a hyphen ("121-store")."""
        self.vocab = vocab
        self._compound_nouns = compound_nouns
        self._words = {norm(k): v for k, v in vocab.words.items()}
        self._multipliers = {norm(k): v for k, v in vocab.multipliers.items()}
        self._ordinal_words = {norm(k): v for k, v in vocab.ordinal_words.items()}
        self._scales = {norm(k): v for k, v in vocab.scales.items()}
        self._attached = {norm(k): v for k, v in vocab.attached_scales.items()}
        self._fractions = {norm(k): v for k, v in vocab.fractions.items()}
        vague = alternation(vocab.vague_before) if vocab.vague_before else "(?!)"
        self._vague = re.compile(rf"(?<![\w-]){vague}\s+$", re.IGNORECASE)
        self.source = self._anchor_source()
        self.anchor = re.compile(self.source, re.IGNORECASE)
        # Read right after a number: an optional scale word, then maybe a percent marker.
        self._ordinal_scales = {norm(k): v for k, v in vocab.ordinal_scales.items()}
        ordinal_scale = (
            r"|\s+(?P<oscale>" + alternation(vocab.ordinal_scales) + r")(?!\w)"
            if vocab.ordinal_scales
            else ""
        )
        self._currency_words = {norm(k): v for k, v in vocab.currency_words.items()}
        self._implied = {norm(k): v for k, v in vocab.implied_currencies.items()}
        named_currency = (
            r"(?:\s+(?P<cword>" + alternation(vocab.currency_words) + r")(?!\w))?"
            if vocab.currency_words
            else "(?P<cword>(?!))?"
        )
        self._after = re.compile(
            # "$1.2 billion", "a $100-million facility", "10 billion yuan"
            r"(?:(?:\s+|-)(?P<scale>"
            + alternation(vocab.scales)
            + rf")(?!\w){ordinal_scale})?"
            + named_currency
            + r"(?P<pct>\s*%|\s+(?:"
            + alternation(m for m in vocab.percent_markers if m != "%")
            + r")(?!\w))?",
            re.IGNORECASE,
        )

    def suffix_source(self) -> str:
        """Regex source of what may come between digits and the next word: a suffix, a scale.

        ("40th", "10k", "1.2 million"); lower case, for the scan's look-ahead (engine.py).
        """
        v = self.vocab
        suffixes = [s.lower() for s in [*v.ordinal_suffixes, *v.attached_scales]]
        return (
            rf"(?:{alternation(suffixes)})?\+?"
            # possessive: a scale word is the number's, never a word before its noun
            rf"(?:\s+{alternation(s.lower() for s in v.scales)}(?!\w))?+"
        )

    def _anchor_source(self) -> str:
        """Regex source with named groups cur, num, ord, att, words, ordword (see read())."""
        v = self.vocab
        currencies = "(?-i:" + alternation(v.currencies) + ")"
        # a hyphen joins a noun ("121-store chain") or a scale ("$100-million facility")
        joined = rf"(?!{alternation([*self._compound_nouns, *v.scales])}[ \t])"
        cardinal = alternation([*v.words, *v.multipliers])
        after_multiplier = "|".join(f"(?<={re.escape(m)})" for m in v.multipliers)
        joiner = rf"(?:(?:{after_multiplier})\s+and\s+|[ \t]+|-)"
        # A range in digits reads as its high end, its low end kept apart ("110-115 stores").
        digits = (
            # a currency, written close ("VND735 billion") or spaced; else no word before
            rf"(?:(?P<cur>{currencies})[ \t]?|(?<![\w#+/.,:-]))"
            r"(?:(?P<low>\d{1,3}(?:,\d{3})+|\d+)[-–](?=\d))?"
            # thousands grouped by threes, or the Indian way ("1,45,000": lakhs by twos)
            r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,2}(?:,\d\d)+,\d{3}|\d+(?:\.\d+)?)"
            rf"(?:(?P<ord>{alternation(v.ordinal_suffixes)})|(?P<att>{alternation(v.attached_scales)}))?"
            r"(?P<plus>\+(?![\d+]))?"  # "30+ countries": at least 30
            rf"(?!\w|[.,:]\d|-{joined}\w)"  # not a clock's time ("9:30")
        )
        words = rf"(?<![\w-])(?P<words>{cardinal}(?:{joiner}{cardinal})*)(?!\w|-\w)"
        ordinal = rf"(?P<ordword>{words_pattern(v.ordinal_words)})(?!-\w)"
        # "a million members": an article is one, only before a scale word.
        article = (
            rf"(?<![\w-])(?P<article>{alternation([*v.articles, *v.fractions])})"
            rf"(?=\s+{alternation(v.scales)}(?!\w))"
        )
        return f"{digits}|{words}|{ordinal}|{article}"

    def article_scan_rests(self) -> dict[str, list[str]]:
        """For the engine's scan: where an article may start a number ("a million"), by its
        first letter, each rest with the look-ahead for a scale word (lower case)."""
        scales = alternation(s.lower() for s in self.vocab.scales)
        out: dict[str, list[str]] = {}
        for article in [*self.vocab.articles, *self.vocab.fractions]:
            a = article.lower()
            out.setdefault(a[0], []).append(re.escape(a[1:]) + rf"(?=\s+{scales}(?!\w))")
        return out

    def read(self, m: re.Match[str], text: str) -> Amount | None:
        """The Amount of an anchor match (of self.anchor, or a scan built from self.source)."""
        # One call for every group: a call per group cost as much as the rest of the reading.
        ordword, words, num, cur, ordinal, att, article, low, plus = m.group(
            "ordword", "words", "num", "cur", "ord", "att", "article", "low", "plus"
        )
        start, end = m.span()
        if ordword is not None:
            return Amount(float(self._ordinal_words[norm(ordword)]), start, end, ordinal=True)
        digits = None
        if article is not None:  # "a million", "half a million"
            value, currency = self._fractions.get(norm(article), 1.0), None
        elif words is not None:
            value = parse_number_words(words, self._words, self._multipliers)
            if value is None or self._vague.search(text, max(0, start - 12), start):
                return None  # "a few hundred thousand users" is no number
            currency = None
        else:
            value = float(num.replace(",", ""))
            currency = self.vocab.currencies[cur.strip()] if cur else None
            if ordinal:
                return Amount(value, start, end, ordinal=True)
            if att:
                return Amount(
                    value * self._attached[att.lower()],
                    start,
                    end,
                    currency=currency,
                    scaled=True,
                    at_least=plus is not None,
                )
            digits = num
            if low is not None and not value / 2 <= float(low.replace(",", "")) < value:
                return None  # "3-1234" is a code, not a range: a range's ends are alike
        after = self._after.match(text, end)
        scale, pct = after.group("scale", "pct")
        if scale is None and after.end() > end and after.group("oscale") is not None:
            # "its 10 millionth customer": a milestone of ten million
            value *= self._ordinal_scales[norm(after.group("oscale"))]
            return Amount(value, start, after.end("oscale"), currency=currency, ordinal=True)
        implied = None
        if scale is not None:
            value *= self._scales[norm(scale)]
            end = after.end("scale")
            implied = self._implied.get(norm(scale))
        cword = after.group("cword")
        if cword is not None and currency is None:
            currency, end = self._currency_words[norm(cword)], after.end("cword")
        if pct is not None:
            end = after.end("pct")
        return Amount(
            value,
            start,
            end,
            currency=currency,
            percent=pct is not None,
            scaled=scale is not None,
            digits=digits,
            low=float(low.replace(",", "")) if low else None,
            at_least=plus is not None,
            implied_currency=implied,
        )

    def parse(self, phrase: str) -> Amount | None:
        """Read a phrase that is exactly one number ("70,000", "$1.2 billion"); else None."""
        m = self.anchor.match(phrase)
        if m is None:
            return None
        amount = self.read(m, phrase)
        if amount is None or amount.end != len(phrase.rstrip()):
            return None
        return amount


def parse_number_words(
    phrase: str, words: dict[str, int], multipliers: dict[str, int]
) -> float | None:
    """ "twenty-two" → 22, "two hundred and fifty thousand" → 250000; None if not well formed."""
    total, current, last = 0, 0, None
    for token in re.split(r"[\s-]+", phrase.lower()):
        if token == "and":
            continue
        if token in words:
            value = words[token]
            # Only units may follow a tens word ("twenty-two"), never another tens or unit.
            if last == "word" and not (current % 100 >= 20 and current % 10 == 0 and value < 10):
                return None
            current += value
            last = "word"
        elif token in multipliers:
            factor = multipliers[token]
            if factor >= 1000:
                total += (current or 1) * factor
                current = 0
            else:
                current = (current or 1) * factor
            last = "multiplier"
        else:
            return None
    return float(total + current)


class QualifierReader:
    """Finds the qualifier written just before a number ("over 580" → over/above)."""

    def __init__(self, qualifiers: tuple[Qualifier, ...]) -> None:
        self._by_phrase = {norm(p): (q.name, q.interval) for q in qualifiers for p in q.phrases}
        self._before = SuffixMatch(self._by_phrase, re.IGNORECASE)

    def find(self, text: str, number_start: int) -> tuple[tuple[str, str], int] | None:
        """((name, interval kind) of the qualifier ending right before number_start, its start)."""
        found = self._before.find(text, number_start)
        if found is None:
            return None
        return self._by_phrase[norm(found[1])], found[0]
