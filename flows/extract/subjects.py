"""Facts in an article about somebody else than its entity: a rival or an acquired chain named
after a cue ("its rival Brewline operates 3,000 stores", "acquired Bean There, which has 120
locations"), a company that is the subject of its own clause ("Morrisons has 500 outlets",
"Pizza Hut, which has more than 18,000 locations"), or a whole market ("the coffee industry
grew to 38,000 outlets", "Germany now has 30 hydrogen stations")."""

from __future__ import annotations

import re

from flows.extract.patterns import WordSearch, alternation, folded_phrases

# A company's name: capitalised words ("Bean There", "Brewline", "H&M"), at most four.
_WORD = r"[A-Z][\w&'’.-]*"
_NAME = rf"{_WORD}(?:[ \t]+(?:&[ \t]+)?{_WORD}){{0,3}}"
_POSSESSIVE = re.compile(r"['’]s?$")
# The clause that hangs on a name: ", which has 120 locations", ", a staffing company with 31
# locations".
_HANGING = re.compile(
    r"\s*,\s*(?:which|that|whose|with|(?:a|an)\s[^,.;:\n]{1,60}?\s(?:with|which|that|operating))\s",
    re.IGNORECASE,
)
_AND = re.compile(r"\sand\s")
MARKET = "market"  # what find() returns for a whole market's number


class OtherSubjects:
    def __init__(
        self, name_after: tuple[str, ...], market_nouns: tuple[str, ...], places: list[str]
    ) -> None:
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
        # A place having, as its clause's subject: "Germany now has a total of 30 stations"
        self._place_has = re.compile(
            rf"(?:the[ \t]+)?{alternation(places)}[ \t]+(?:(?:now|currently|also|already)[ \t]+)?"
            r"(?:has|have|had|boasts|counts)[ \t]"
        )

    def a_place_has(self, text: str, clause_start: int, number_start: int) -> bool:
        """Whether the clause opens with a place having what the number counts ("At present,
        Germany has another 27 hydrogen stations"): a whole market's, when the sentence names
        no company (the caller's to tell)."""
        return self._place_has.match(text, clause_start, number_start) is not None

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


# A name that may be a clause's subject: capitalised words, or a number joined to one ("7-Eleven").
# A subject's name may also open with a number ("7-Eleven") and join two ("Aldi and Metcash",
# "Bank of America").
_SUBJECT_NAME = rf"(?:\d+-)?{_WORD}(?:[ \t]+(?:(?:&|and|of)[ \t]+)?{_WORD}){{0,3}}"
_TICKER = r"\s*\((?:[A-Z]+:\s*)?[A-Z][A-Z.]{0,6}\)"  # "(NIO)", "(ASX: WES)"
_ASIDE = (  # "7-Eleven — the largest chain —", "Coles, the rival,", "OPay, Opera's fintech arm"
    r"\s*[–—][^–—\n]{1,80}[–—]"
    r"|,\s+(?:the|a|an|its)\s+[^,.;:\n–—]{1,40}?,(?=\s)"
    r"|,\s+[A-Z][\w&.-]*['’]s\s+[^,.;:\n–—]{1,40}?,?(?=\s)"
)
_DESCRIPTOR = ("-based", "-headquartered", "-owned", "-listed")
_NAME_END = re.compile(r"[A-Z\d]")  # what a word that may end a subject's name starts with
APPOSITION = 48  # how far before its verb an apposition's comma may be
REACH = 120  # how far before its verb a subject's name may start (asides included)
_HANGING_AT = re.compile(r",[ \t]*(?:which|whose)\s")
# A name right after one of these is a place or a source, no subject ("a flight to Rajkot,
# which", "According to TechCrunch, the startup has").
_OBJECT_OF = re.compile(r"(?<![\w-])(?:to|in|into|at|from|across|throughout|near)[ \t]+$")
# What marks a single capitalised word at the start of a sentence as a name, not a common word
# written with a capital ("Revenue rose"): a possessive, a capital or digit inside, an ampersand.
_NAME_MARK = re.compile(r"['’]s?$|.[A-Z0-9&]")


class NamedSubjects:
    """Names that are the subject of a clause, with where their subject phrase ends: a name
    followed by one of `verbs` ("Morrisons has", "Nio (NIO) delivered", "7-Eleven — ... — has")
    or by a clause hanging on it ("Pizza Hut, which has"). Which of them are companies other than
    the document's entity is the page's to decide (Page.subject)."""

    def __init__(
        self,
        verbs: tuple[str, ...],
        not_names: set[str],
        stop_words: set[str],
        cue_words: set[str] = frozenset(),
    ) -> None:
        # The verbs are found first (one scan of the folded text for all of them), then a name
        # is looked for right before each: far cheaper than trying every capital of the text.
        self._verbs = WordSearch(folded_phrases(verbs))
        adverbs = r"(?:now|currently|also|still|already|reportedly|alone|itself)"
        name = rf"(?P<name>{_SUBJECT_NAME})(?P<marks>(?:{_TICKER})?(?:{_ASIDE})??)"
        # "Lime's financing was $765 million": the owner of the noun before the verb
        owned = r"(?P<owned>['’]s\s+[a-z][\w-]*)?"
        self._before_verb = re.compile(rf"{name}{owned}\s+(?:{adverbs}\s+)?$")
        self._before_clause = re.compile(rf"{name}\s*$")  # before ", which has"
        self.not_names = not_names  # places, months, weekdays: subjects, but no companies
        self._stop_words = {w.casefold() for w in stop_words}
        # words a name follows inside a run of capitals ("Another Tesla Rival Hyundai")
        self._cue_words = {w.casefold() for w in cue_words}

    def find(
        self, text: str, folded: str, lo: int, hi: int, own: tuple[str, ...] = ()
    ) -> list[tuple[int, int, str, bool]]:
        """(start, end of the subject phrase, name, whether a ticker or an apposition marks it as
        a name) of each subject between lo and hi, in order. `folded`: fold_case(text); `own`:
        the names of the document's entity, found right before a verb without a regex (the
        subject of most sentences)."""
        found = {}
        for start, end, _ in self._verbs.finditer(folded, lo, hi):
            if not text[start].islower():
                continue  # "Smart Delivered 70,000 Cars": a title's words, not a subject's verb
            if not self._may_follow_a_name(text, lo, start):
                continue  # "it has", "the company operates": most verbs, told without a regex
            before = start - 1
            name = next((n for n in own if text.endswith(n, lo, before)), None)
            if name is not None and text[before] == " ":
                found.setdefault(before - len(name), (before - len(name), end, name, False))
                continue
            self._add(found, text, self._before_verb, max(lo, start - REACH), start, end)
        for hanging in _HANGING_AT.finditer(text, lo, hi):
            at = hanging.start()
            self._add(found, text, self._before_clause, max(lo, at - REACH), at, hanging.end())
        return [found[k] for k in sorted(found)]

    @staticmethod
    def _may_follow_a_name(text: str, lo: int, verb: int) -> bool:
        """Whether the word before a verb (or before the adverb before it) can end a subject
        phrase: a capitalised word, a ticker's parenthesis, an aside's dash; or an apposition
        may stand between."""
        if text.rfind(",", max(lo, verb - APPOSITION), verb) >= 0:
            return True  # maybe an apposition: "OPay, Opera's fintech arm raised"
        end = verb - 1  # the verb follows a space
        for _ in range(2):
            start = text.rfind(" ", lo, end) + 1
            if start == 0 or start >= end:
                return start == 0 and lo < end and _NAME_END.match(text, lo) is not None
            if _NAME_END.match(text, start) is not None or text[end - 1] in ")–—,":
                return True
            end = start - 1
        return False

    def _add(
        self,
        found: dict[int, tuple[int, int, str, bool]],
        text: str,
        pattern: re.Pattern[str],
        lo: int,
        hi: int,
        end: int,
    ) -> None:
        m = pattern.search(text, lo, hi)
        if m is None:
            return
        at = m.start()
        if at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_&'’.-"):
            return  # inside a word: no name starts here
        if _OBJECT_OF.search(text, max(0, at - 12), at) is not None:
            return
        trimmed = self._trimmed(m.group("name"))
        if trimmed is not None:
            skipped, name = trimmed
            if m.groupdict().get("owned"):
                name = _POSSESSIVE.sub("", name)
            found.setdefault(at + skipped, (at + skipped, end, name, bool(m.group("marks"))))

    def _trimmed(self, written: str) -> tuple[int, str] | None:
        """(characters skipped, name): the name without leading function words ("But Domino’s")
        or its possessive; None when it is no company's name ("The Company", a place, a month)."""
        if written.startswith("The ") or written == "The":
            return None  # "The Company", "The Group": the entity's own description
        skipped = 0
        for word in written.split():
            # "But Domino's", "Florida-based Kestrel": no part of the name
            if word.casefold() not in self._stop_words and not word.endswith(_DESCRIPTOR):
                break
            skipped = written.index(word, skipped) + len(word) + 1
        rest = written[skipped:].lstrip()
        words = list(re.finditer(r"\S+", rest))
        cues = [i for i, w in enumerate(words) if w.group().casefold() in self._cue_words]
        if cues:  # "Another Tesla Rival Hyundai": Hyundai
            rest = rest[words[cues[-1] + 1].start() :] if cues[-1] + 1 < len(words) else ""
        skipped = len(written) - len(rest)
        if not rest:
            return None
        # Followed by a verb, an "'s" is part of the name ("Sainsbury's has"), kept as written.
        bare = _POSSESSIVE.sub("", rest)
        if bare in self.not_names or bare.split()[0] in self.not_names:
            return None
        return skipped, rest.replace("’", "'")  # one spelling for the ledger's entity

    @staticmethod
    def plainly_a_name(name: str) -> bool:
        """Whether a single word at a sentence's start is marked as a name by its own letters."""
        return " " in name or _NAME_MARK.search(name) is not None
