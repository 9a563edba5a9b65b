"""The extract stage: one compiled scan per document, rule work only around what it finds.

The scan is a single regular expression built from catalogue/extraction.yaml that finds, in
one pass over a lower-cased copy of the text, every event trigger, every money amount and every
number that a metric noun may follow (digits, number words, ordinals). Sentence and clause
boundaries, metric nouns, qualifiers, periods and entities are then looked up only in the window
around each hit, so the cost per megabyte does not grow with the number of rules.

Where the time goes (10,000 synthetic articles, ~3.6 KB and ~10 facts each): about a fifth in
the scan, a quarter in dating (the periods of each fact's sentence), the rest in the work per
fact (number, noun, qualifier, subject, quote, the row itself); see bench/HISTORY.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from flows.catalogue import Catalogue, catalogue_version, load_catalogue
from flows.extract.claims import ClaimFinder
from flows.extract.dating import DocumentDating, dating_cues
from flows.extract.entities import EntityResolver
from flows.extract.events import EventFinder, trigger_source
from flows.extract.mentions import date_repeated_mentions
from flows.extract.noun_phrases import compound_nouns
from flows.extract.numbers import NumberReader
from flows.extract.page import Page
from flows.extract.patterns import (
    WordPresence,
    fold_case,
    is_word_char,
    phrase_source,
    prefilter_source,
    rests_by_first_char,
)
from flows.extract.periods import PeriodFinder
from flows.extract.rules import Rules, load_rules
from flows.extract.scopes import ScopeFinder
from flows.extract.subjects import NamedSubjects
from flows.model import Claim, Document, Event


@dataclass
class Extraction:
    claims: list[Claim] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class Extractor:
    """Built once from a catalogue (and its extraction.yaml); compiles everything up front."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.rules: Rules = load_rules(catalogue)
        self.numbers = NumberReader(self.rules.numbers, compound_nouns(self.rules))
        self.periods = PeriodFinder(self.rules.periods)
        self.scopes = ScopeFinder(self.rules.scopes)
        self.claims = ClaimFinder(self.rules, self.numbers, self.scopes)
        self.events = EventFinder(self.rules.events, self.scopes)
        self.entities = EntityResolver(catalogue, self.rules.not_subject_after)
        self._dating_cues = dating_cues(self.rules)
        self._sentence_words = WordPresence(self.claims.sentence_words())
        self._named = named_subjects(self.rules)
        # Triggers first: where a trigger and a number word start at the same place, the
        # trigger is the longer reading.
        self.reader = re.compile(f"{self.events.source}|{self.numbers.source}", re.IGNORECASE)
        # Where a candidate starts with no letter (digits, a currency sign) no trigger can be
        # read, and the triggers' case-insensitive branches are entered at each such place
        # before the number is (a quarter of the reading there): the number alone is read
        # there, with a "trigger" group that never takes part, so that every candidate has one.
        if all(t.strip()[:1].isalpha() for t in self.events.triggers()):
            numbers_only = f"(?P<trigger>(?!))|{self.numbers.source}"
            self._number_reader = re.compile(numbers_only, re.IGNORECASE)
        else:
            self._number_reader = self.reader
        self.scan = re.compile(self._prefilter())

    def _prefilter(self) -> str:
        """Where a number or trigger may start; `reader` then reads it there (see patterns).

        Most numbers in news are years, dates, phone numbers, percentages: no metric noun
        follows them. Digits and ordinal words (never money, never chained with other number
        words) are only candidates when a noun may follow, checked by a look-ahead in the scan
        itself, so the engine skips them without a call into Python. Cardinal words keep no
        look-ahead: "two hundred and fifty" must be read whole from its first word.
        """
        n = self.rules.numbers
        ahead = self.claims.scan_source()
        words = rests_by_first_char([*n.words, *n.multipliers])
        for first, rests in self.numbers.article_scan_rests().items():
            words.setdefault(first, []).extend(rests)
        noun_ahead = f"(?={self.claims.noun_phrase_scan_source()})"
        ordinals = rests_by_first_char(
            n.ordinal_words, lambda rest: phrase_source(rest) + r"(?![\w])" + noun_ahead
        )
        for first, rests in [
            *ordinals.items(),
            *rests_by_first_char(self.events.triggers(), trigger_source).items(),
        ]:
            words.setdefault(first, []).extend(rests)
        # A year ("in 2023,") is never read: the scan skips it after its first digit. The branch
        # opens with the digit itself, a character test the engine rejects at once at every
        # separator, where a look-ahead in front ((?!(?:19|20)\d\d)\d) or a group is entered at
        # each. The digits are taken possessively (*+): what may follow them starts with a letter
        # or a space.
        suffixes = [*n.ordinal_suffixes, *n.attached_scales]
        run = r"[\d,.]*+" if not any(re.match(r"[\d,.]", s) for s in suffixes) else r"[\d,.]*"
        first_digit = r"\d(?!(?<=1)9\d\d(?![\w])|(?<=2)0\d\d(?![\w]))"
        digits = rf"{first_digit}{run}(?:[-–]\d{run})?(?={self.numbers.suffix_source()}{ahead})"
        return prefilter_source(words, sorted(n.currencies), digits)

    def candidates(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """Every number and trigger in the text, read in full, in order, not overlapping.

        `folded` is fold_case(text), when the caller has it already.
        """
        folded = fold_case(text) if folded is None else folded
        scan, reader = partial(self.scan.search, folded), self.reader.match
        number_reader = self._number_reader.match
        first = reader(text, 0)
        if first is not None:
            yield first
        pos = first.end() if first is not None else 0
        while (hit := scan(max(0, pos - 1))) is not None:
            start = hit.start() + 1  # the scan matches from the separator before a candidate
            # A letter beyond ASCII is no separator (the scan has no IGNORECASE: ASCII ones are).
            if folded[start - 1] > "\x7f" and is_word_char(folded[start - 1]):
                pos = start + 1  # search on from the character after it
                continue
            m = (reader if folded[start].isalpha() else number_reader)(text, start)
            if m is None:
                pos = hit.end()
                continue
            yield m
            pos = max(m.end(), start + 1)

    def page(self, doc: Document) -> Page | None:
        """The document with its entity and per-document caches; None when it has no entity."""
        entity = self.entities.document_entity(doc)
        if entity is None:
            return None
        folded = fold_case(doc.text)
        return Page(
            doc=doc,
            entity=entity,
            matcher=self.entities.matcher(entity),
            dating=DocumentDating(
                self.periods, self._dating_cues, doc.text, doc.published_at, folded
            ),
            resolver=self.entities,
            folded=folded,
            words=self._sentence_words,
            named=self._named,
        )

    def extract(self, doc: Document) -> Extraction:
        """Claims and events of one document, in text order."""
        page = self.page(doc)
        if page is None:
            return Extraction()  # no subject to state facts about: nothing can be attributed
        found = Extraction()
        for m in self.candidates(doc.text, page.folded):
            if m.group("trigger") is not None:
                found.events.extend(self.events.find(m, page))
            else:
                claim = self.claims.find(m, page)
                if claim is not None:
                    found.claims.append(claim)
        found.claims = date_repeated_mentions(found.claims)
        return found


def named_subjects(rules: Rules) -> NamedSubjects:
    """Subjects of clauses that may be other companies: no place, month or weekday is one."""
    periods = rules.periods
    not_names = {a for aliases in rules.scopes.values() for a in aliases}
    not_names |= {*periods.months, *periods.weekdays}
    others = rules.other_subjects
    stop_words = {*rules.noun_phrase.stop_words, *others.not_names, *others.name_after}
    cue_words = {w for w in others.name_after if " " not in w}  # "rival", "competitor"
    return NamedSubjects(others.verbs, not_names, stop_words, cue_words)


def extractor_version(catalogue_dir: Path) -> str:
    """What the claims of a document depend on besides its text: the catalogue files the
    extractor reads and its code, as one sha256 (raw.extractions; a document extracted under
    another one is extracted again). columns.yaml, the columns' descriptions, is not one."""
    return _extractor_version(catalogue_dir, catalogue_version(catalogue_dir))


@lru_cache(maxsize=4)
def _extractor_version(catalogue_dir: Path, version: tuple) -> str:
    digest = hashlib.sha256()
    files = [catalogue_dir / name for name in EXTRACTOR_CATALOGUE]
    for path in [*files, *sorted(EXTRACTOR_CODE.glob("*.py"))]:
        content = path.read_bytes() if path.exists() else b""  # scopes.yaml may be absent
        digest.update(path.name.encode() + b"\x00" + content + b"\x00")
    return digest.hexdigest()


EXTRACTOR_CODE = Path(__file__).resolve().parent
EXTRACTOR_CATALOGUE = ("metrics.yaml", "entities.yaml", "scopes.yaml", "extraction.yaml")


def extractor_for(catalogue_dir: Path) -> Extractor:
    """This process's Extractor for the catalogue in `catalogue_dir`, built once per version of
    its files and shared by every batch the process extracts (threads too: an Extractor keeps
    no state between documents). Its compiled patterns and memo caches then stay warm across
    batches: a new one per 2,500-document batch cost ~15% more CPU (bench/HISTORY.md)."""
    return _extractor(catalogue_dir, catalogue_version(catalogue_dir))


@lru_cache(maxsize=4)
def _extractor(catalogue_dir: Path, version: tuple) -> Extractor:
    return Extractor(load_catalogue(catalogue_dir))


__all__ = ["Extraction", "Extractor", "extractor_for", "extractor_version"]
