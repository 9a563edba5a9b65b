"""Who a fact is about: the document's entity, or a catalogued company named as the subject."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flows.catalogue import Catalogue
from flows.extract.patterns import SuffixMatch, WordSearch
from flows.model import Document


@dataclass(frozen=True, eq=False)  # hashed by identity: one per entity, cached by the resolver
class EntityMatcher:
    """Aliases of every catalogued entity, plus the document's own when its hint is new."""

    aliases: WordSearch
    canonical: dict[str, str]  # alias as written → entity name
    products: tuple[str, ...]  # the document entity's catalogued products


class EntityResolver:
    def __init__(self, catalogue: Catalogue, not_subject_after: tuple[str, ...]) -> None:
        self._entities = catalogue.entities
        self._canonical = {a: e.name for e in catalogue.entities.values() for a in e.aliases}
        self._canonical.update({e.name: e.name for e in catalogue.entities.values()})
        self._folded = {a.casefold(): name for a, name in self._canonical.items()}
        self._not_subject = SuffixMatch(
            [*not_subject_after, *(f"{p} the" for p in not_subject_after)], re.IGNORECASE
        )
        self._matcher = lru_cache(maxsize=256)(self._build_matcher)

    def document_entity(self, doc: Document) -> str | None:
        """The manifest hint (canonicalised), else the first catalogued alias in the text."""
        if doc.entity_hint:
            hint = doc.entity_hint.strip()
            return self._folded.get(hint.casefold(), hint)
        found = self.matcher(None).aliases.search(doc.text, 0, len(doc.text))
        return self._canonical[found[2]] if found else None

    def matcher(self, entity: str | None) -> EntityMatcher:
        return self._matcher(entity)

    def _build_matcher(self, entity: str | None) -> EntityMatcher:
        canonical = dict(self._canonical)
        if entity is not None and entity not in self._entities:
            canonical[entity] = entity  # a hint that names a new entity is its own alias
        known = self._entities.get(entity) if entity else None
        aliases = WordSearch(canonical, separators=r"[^\w#]")
        return EntityMatcher(aliases, canonical, known.products if known else ())

    def subject(self, text: str, sentence_start: int, pos: int, matcher: EntityMatcher,
                default: str) -> str:
        """The nearest entity named before pos in the sentence that is not an investor/partner."""
        chosen = default
        for start, _, alias in matcher.aliases.finditer(text, sentence_start, pos):
            if self._not_subject.find(text, start, floor=sentence_start) is None:
                chosen = matcher.canonical[alias]
        return chosen
