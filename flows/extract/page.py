"""One document being extracted: its text, entity and the per-document caches the finders share."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from flows.extract.dating import DocumentDating
from flows.extract.entities import EntityMatcher, EntityResolver
from flows.extract.patterns import WordPresence, WordSearch
from flows.extract.text import MAX_SENTENCE, Sentences
from flows.model import Claim, Document


@dataclass
class Page:
    doc: Document
    entity: str  # the document's entity: the default subject of its facts
    matcher: EntityMatcher
    dating: DocumentDating
    resolver: EntityResolver
    folded: str  # fold_case(text), for phrases matched in any case
    words: WordPresence  # the word lists whose presence in a sentence facts ask about
    last_claim: Claim | None = None  # the claim found last: a noun for numbers without one
    _stops: Sentences | None = None  # built on the first sentence asked for
    _subjects: dict[tuple[int, int], str] = field(default_factory=dict)
    _contexts: dict[int, tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)
    _last_sentence: tuple[int, int] = (0, 0)  # the last sentence found, for its next numbers
    # sentence -> whether each list of `words` is in it (see has_words)
    _words_in: dict[tuple[int, int], dict[WordSearch, bool]] = field(default_factory=dict)
    # Where a catalogued alias could start (EntityMatcher.catalogued_starts); built on the first
    # subject asked for (False: not yet; None: the aliases allow no such list).
    _catalogued_starts: list[int] | bool | None = False

    @property
    def text(self) -> str:
        return self.doc.text

    def quote(self, start: int, end: int) -> str:
        """text[start:end], a fact's quote: its provenance holds by construction, so an empty
        span can only be a bug of the finder that asked."""
        if start >= end:
            raise AssertionError(f"{self.doc.file}: empty quote at {start}")
        return self.doc.text[start:end]

    def sentence(self, pos: int) -> tuple[int, int]:
        return self.sentence_and_clause(pos)[0]

    def sentence_and_clause(self, pos: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """(sentence, clause) holding pos: what every fact asks first, in one lookup (an event
        asks again for each of its partners or places)."""
        found = self._contexts.get(pos)
        if found is None:
            stops = self._stops
            if stops is None:
                stops = self._stops = Sentences(self.doc.text)
            last = self._last_sentence
            if last[0] <= pos < last[1]:
                sentence = last  # a sentence shorter than MAX_SENTENCE is the same from inside
            else:
                sentence = stops.bounds(pos)
                if sentence[1] - sentence[0] < MAX_SENTENCE:
                    self._last_sentence = sentence
            found = self._contexts[pos] = (sentence, stops.clause(pos, sentence))
        return found

    def canonical(self, name: str) -> str:
        """Another company named in the text, as the catalogue knows it; the document's entity
        when the name is one of its own ("Ace" in an article about Ace Hardware)."""
        known = self.matcher.canonical.get(name)
        if known is not None:
            return known
        own_first = self.entity.split()[0] if self.entity.split() else self.entity
        return self.entity if name.split()[0] == own_first else name

    def has_words(self, finder: WordSearch, sentence: tuple[int, int]) -> bool:
        """Whether one of the finder's phrases is in the sentence (asked once per sentence,
        for every list of `words` at once: most sentences have none of them, and then no fact
        of theirs needs a closer look). The finder must be one of `words`' lists."""
        found = self._words_in.get(sentence)
        if found is None:
            found = self._words_in[sentence] = self.words.present(self.folded, *sentence)
        return found[finder]

    def subject(self, sentence_start: int, pos: int) -> str:
        # Each partner or place of one event trigger asks about the same position.
        found = self._subjects.get((sentence_start, pos))
        if found is None:
            if self._catalogued_starts is False:
                self._catalogued_starts = self.matcher.catalogued_starts(self.doc.text)
            starts = self._catalogued_starts
            if starts is not None and (
                bisect_left(starts, sentence_start) == bisect_left(starts, pos)  # type: ignore[arg-type]
            ):
                # No catalogued alias before pos in the sentence: the subject is the document's
                # entity, without searching (most facts; the search was 6% of extraction).
                found = self.entity
            else:
                found = self.resolver.subject(
                    self.doc.text, sentence_start, pos, self.matcher, self.entity
                )
            self._subjects[sentence_start, pos] = found
        return found
