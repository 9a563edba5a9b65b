"""Who a fact is about: the document's entity, or a catalogued company named as the subject."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flows.catalogue import Catalogue
from flows.extract.patterns import SuffixMatch, WordSearch, phrase_source
from flows.model import Document

NOT_ALIAS_SEPARATORS = "#"  # "#5" is a product, so "#" cannot come before an alias
_SEPARATOR = re.compile(rf"[^\w{NOT_ALIAS_SEPARATORS}]")


class OwnName:
    """The name of a document entity that the catalogue does not know ("Calora Home").

    Most documents of a large corpus are about such an entity, each with a different name, so
    this is compiled per entity: a literal-led pattern (cheap to compile, and the engine finds
    its first word with a fast substring search); the boundary before it is checked here.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._pattern = re.compile(phrase_source(name) + r"(?![\w])")

    def finditer(self, text: str, lo: int, hi: int) -> Iterator[tuple[int, int, str]]:
        for m in self._pattern.finditer(text, lo, hi):
            s = m.start()
            if s == 0 or _SEPARATOR.match(text, s - 1):
                yield s, m.end(), self.name  # as the canonical key, whatever the whitespace

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        """The name written at pos (no boundary check: the caller is at a word start)."""
        return self._pattern.match(text, pos)


@dataclass(frozen=True, eq=False)  # hashed by identity: one per entity, cached by the resolver
class EntityMatcher:
    """Aliases of every catalogued entity, plus the document's own when its hint is new."""

    catalogued: WordSearch  # every catalogued alias: one pattern, compiled once
    own: OwnName | None  # the document entity's name, when the catalogue does not know it
    canonical: dict[str, str]  # alias as written → entity name
    products: tuple[str, ...]  # the document entity's catalogued products
    # What every catalogued alias starts with (see first_word_prefix); None if one has none.
    prefixes: tuple[str, ...] | None

    def catalogued_starts(self, text: str) -> list[int] | None:
        """Every position where a catalogued alias could start, in order (None: unknown).

        Any alias found between lo and hi starts at one of them. Without a catalogued alias
        before a fact, its subject is the document's entity: the document's own name maps to
        it, so only a catalogued alias can name another subject (see EntityResolver.subject).
        """
        if self.prefixes is None:
            return None
        starts = []
        for prefix in self.prefixes:
            at = text.find(prefix)
            while at >= 0:
                starts.append(at)
                at = text.find(prefix, at + 1)
        starts.sort()
        return starts

    def finditer(self, text: str, lo: int, hi: int) -> Iterator[tuple[int, int, str]]:
        """Aliases between lo and hi, in order, not overlapping (the longer one at a tie)."""
        if self.own is None:
            yield from self.catalogued.finditer(text, lo, hi)
            return
        catalogued = list(self.catalogued.finditer(text, lo, hi))
        own = list(self.own.finditer(text, lo, hi))
        if not catalogued or not own:  # one list alone is in order and without overlaps
            yield from catalogued or own
            return
        hits = sorted([*catalogued, *own], key=lambda h: (h[0], h[0] - h[1]))
        end = -1
        for hit in hits:
            if hit[0] >= end:
                yield hit
                end = hit[1]


def first_word_prefix(name: str) -> str:
    """The characters every match of the name starts with, as written: its first word up to
    any apostrophe (phrase_source lets whitespace between words and either apostrophe vary)."""
    words = name.split()
    first = words[0] if words else ""
    for apostrophe in "'’":
        first = first.split(apostrophe, 1)[0]
    return first


class EntityResolver:
    def __init__(self, catalogue: Catalogue, not_subject_after: tuple[str, ...]) -> None:
        self._entities = catalogue.entities
        self._canonical = {a: e.name for e in catalogue.entities.values() for a in e.aliases}
        self._canonical.update({e.name: e.name for e in catalogue.entities.values()})
        self._folded = {a.casefold(): name for a, name in self._canonical.items()}
        self.catalogued_aliases = tuple(sorted(self._canonical))
        self._catalogued = WordSearch(self._canonical, not_separators=NOT_ALIAS_SEPARATORS)
        prefixes = {first_word_prefix(alias) for alias in self._canonical}
        # What every catalogued alias starts with (EntityMatcher.prefixes): the same for all.
        self._prefixes = None if "" in prefixes else tuple(sorted(prefixes))
        self._not_subject = SuffixMatch(
            [*not_subject_after, *(f"{p} the" for p in not_subject_after)], re.IGNORECASE
        )
        # One matcher per distinct document entity; a corpus may name thousands of them.
        self._matcher = lru_cache(maxsize=4096)(self._build_matcher)

    def document_entity(self, doc: Document) -> str | None:
        """The manifest hint (canonicalised), else the first catalogued alias in the text."""
        if doc.entity_hint:
            hint = doc.entity_hint.strip()
            return self._folded.get(hint.casefold(), hint)
        found = self._catalogued.search(doc.text, 0, len(doc.text))
        return self._canonical[found[2]] if found else None

    def matcher(self, entity: str | None) -> EntityMatcher:
        return self._matcher(entity)

    def _build_matcher(self, entity: str | None) -> EntityMatcher:
        canonical, own = self._canonical, None
        if entity is not None and entity not in self._canonical:
            canonical = {**self._canonical, entity: entity}  # a new entity is its own alias
            own = OwnName(entity)
        known = self._entities.get(entity) if entity else None
        return EntityMatcher(
            self._catalogued, own, canonical, known.products if known else (), self._prefixes
        )

    def subject(
        self, text: str, sentence_start: int, pos: int, matcher: EntityMatcher, default: str
    ) -> str:
        """The nearest entity named before pos in the sentence that is not an investor/partner."""
        chosen = default
        for start, _, alias in matcher.finditer(text, sentence_start, pos):
            if self._not_subject.find(text, start, floor=sentence_start) is None:
                chosen = matcher.canonical[alias]
        return chosen
