"""One document being extracted: its text, entity and the per-document caches the finders share."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property

from flows.extract.dating import DocumentDating
from flows.extract.entities import EntityMatcher, EntityResolver
from flows.extract.patterns import WordPresence, WordSearch
from flows.extract.subjects import NamedSubjects
from flows.extract.text import MAX_SENTENCE, Sentences
from flows.model import Claim, Document

SUBJECT_PAST_POS = 40  # how far past a fact's start its subject phrase may end ("X has 40")
OWNER_BEFORE = 12  # how far before a fact's words its owner may be named ("Caribou's 100 ...")
# What may stand between a sentence's start and its first word.
_OPENERS = " \t\n\"“‘'(•*-–—"


@dataclass
class Page:
    doc: Document
    entity: str  # the document's entity: the default subject of its facts
    matcher: EntityMatcher
    dating: DocumentDating
    resolver: EntityResolver
    folded: str  # fold_case(text), for phrases matched in any case
    words: WordPresence  # the word lists whose presence in a sentence facts ask about
    named: NamedSubjects  # names that are the subject of a clause (other companies' facts)
    # The last few claims found, latest last: a noun for numbers without one, and what an
    # earlier value ("up from 5,461") is compared with.
    recent_claims: list[Claim] = field(default_factory=list)
    _stops: Sentences | None = None  # built on the first sentence asked for
    _subjects: dict[tuple[int, int], str] = field(default_factory=dict)
    _contexts: dict[int, tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)
    _last_sentence: tuple[int, int] = (0, 0)  # the last sentence found, for its next numbers
    # sentence -> whether each list of `words` is in it (see has_words)
    _words_in: dict[tuple[int, int], dict[WordSearch, bool]] = field(default_factory=dict)
    # Where a catalogued alias could start (EntityMatcher.catalogued_starts); built on the first
    # subject asked for (False: not yet; None: the aliases allow no such list).
    _catalogued_starts: list[int] | bool | None = False
    _names: dict[str, bool] = field(default_factory=dict)  # word -> whether it is a name (_a_name)
    _named: dict[int, list[tuple[int, int, str, bool]]] = field(default_factory=dict)  # _named_in

    @property
    def last_claim(self) -> Claim | None:
        return self.recent_claims[-1] if self.recent_claims else None

    @cached_property  # the entity is fixed for the page
    def _own_names(self) -> tuple[str, ...]:
        """The entity's name and its first word: how most sentences name their subject."""
        first = self._first_word
        return (self.entity, first) if first != self.entity else (self.entity,)

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
        # whatever its apostrophes or possessive ("Domino’s" of "Domino's Pizza"); its initials
        # ("WM" of "Waste Management")
        first = _bare(name.split()[0])
        if first == _bare(self._first_word) or (name == first and first == self._initials):
            return self.entity
        if self._entity_words.search(name):  # "Sichuan HaiDiLao Catering Co." of Haidilao
            return self.entity
        return name

    @cached_property  # the entity is fixed for the page
    def _entity_words(self) -> re.Pattern[str]:
        """The entity's whole name as words inside a longer name, in any case."""
        return re.compile(rf"(?<![\w-]){re.escape(self.entity)}(?![\w-])", re.IGNORECASE)

    @cached_property  # the entity is fixed for the page
    def _first_word(self) -> str:
        """The first word of the entity's name: how a text names it for short ("Ace")."""
        words = self.entity.split()
        return words[0] if words else self.entity

    @cached_property  # the entity is fixed for the page
    def _initials(self) -> str | None:
        """The initials of a name of two or more words ("WM"), None for a one-word name."""
        words = self.entity.split()
        return "".join(w[0] for w in words).upper() if len(words) > 1 else None

    def has_words(self, finder: WordSearch, sentence: tuple[int, int]) -> bool:
        """Whether one of the finder's phrases is in the sentence (asked once per sentence,
        for every list of `words` at once: most sentences have none of them, and then no fact
        of theirs needs a closer look). The finder must be one of `words`' lists."""
        found = self._words_in.get(sentence)
        if found is None:
            found = self._words_in[sentence] = self.words.present(self.folded, *sentence)
        return found[finder]

    def subject(self, sentence: tuple[int, int], pos: int, end: int | None = None) -> str:
        """Whom the fact at pos is about: another company that is the subject of its clause
        ("By comparison, Morrisons has 500 outlets"), else the nearest entity named before it in
        its sentence, else the document's entity. `end`: where the fact's words end, when an
        entity named in them makes the fact its own ("operates 89 of Caribou's 100 stores")."""
        # Each partner or place of one event trigger asks about the same position.
        sentence_start = sentence[0]
        found = self._subjects.get((sentence_start, pos))
        if found is None:
            found = self._other_subject(sentence, pos, end) or self.named_entity(
                sentence_start, pos
            )
            self._subjects[sentence_start, pos] = found
        return found

    def _other_subject(self, sentence: tuple[int, int], pos: int, end: int | None) -> str | None:
        """The company other than the entity whose subject phrase ("Morrisons has", "Pizza Hut,
        which") is the nearest before pos in its sentence, with no entity named between it and
        the fact's words, nor in them."""
        text, sentence_start = self.doc.text, sentence[0]
        # The subject phrase may end past pos: "McDonald's has more than 37,000" (pos at "has").
        before = [s for s in self._named_in(sentence) if s[0] < pos]
        if not before:
            return None  # most sentences: no subject but the entity's
        if end is not None and self.names_the_entity(max(sentence_start, pos - OWNER_BEFORE), end):
            return None  # "89 of Caribou's 100 locations", "the first Caribou coffeehouse"
        for start, _, name, marked in reversed(before):
            canonical = self.canonical(name)
            if canonical == self.entity:
                return None  # the nearest subject is the entity itself
            # at a sentence's start, or a clause's after a colon ("-India: Construction is")
            before = text[sentence_start:start]
            opens = not before.strip(_OPENERS) or before.rstrip().endswith((":", ";"))
            if opens and not marked and not self._a_name(name):
                continue  # "Revenue rose": a common word with a capital, at a sentence's start
            if next(self.matcher.finditer(text, start, pos), None) is not None:
                return None  # an entity named in it or nearer the fact: the resolver's to say
            return canonical
        return None

    def _named_in(self, sentence: tuple[int, int]) -> list[tuple[int, int, str, bool]]:
        """The subject phrases of a sentence (NamedSubjects.find), found once for its facts."""
        found = self._named.get(sentence[0])
        if found is None:
            text = self.doc.text
            found = self._named[sentence[0]] = self.named.find(
                text,
                self.folded,
                sentence[0],
                min(len(text), sentence[1] + SUBJECT_PAST_POS),
                self._own_names,
            )
        return found

    def names_the_entity(self, lo: int, hi: int) -> bool:
        """Whether text[lo:hi] names the entity: an alias of it, or its name's first word."""
        text, first = self.doc.text, self._first_word
        at = text.find(first, lo, hi) if first not in ("The", "A", "An") else -1
        if at >= 0 and not (at > 0 and text[at - 1].isalnum()):
            after = at + len(first)
            if after >= len(text) or not text[after].isalnum():
                return True
        return any(
            self.canonical(alias) == self.entity
            for *_, alias in self.matcher.finditer(text, lo, hi)
        )

    def _a_name(self, word: str) -> bool:
        """Whether a word opening a sentence is a name: marked as one by its letters, or written
        with a capital inside a sentence somewhere in the text."""
        known = self._names.get(word)
        if known is None:
            known = self._names[word] = self.named.plainly_a_name(word) or (
                re.search(rf"[a-z0-9,)][ \t]+{re.escape(word)}(?![\w])", self.doc.text) is not None
            )
        return known

    def named_entity(self, sentence_start: int, pos: int) -> str:
        """The nearest catalogued entity named before pos in its sentence, else the entity."""
        if self._catalogued_starts is False:
            self._catalogued_starts = self.matcher.catalogued_starts(self.doc.text)
        starts = self._catalogued_starts
        if starts is not None and (
            bisect_left(starts, sentence_start) == bisect_left(starts, pos)  # type: ignore[arg-type]
        ):
            # No catalogued alias before pos in the sentence: the subject is the document's
            # entity, without searching (most facts; the search was 6% of extraction).
            return self.entity
        return self.resolver.subject(self.doc.text, sentence_start, pos, self.matcher, self.entity)


def _bare(word: str) -> str:
    """A word without its possessive, with straight apostrophes: "Domino’s" -> "Domino"."""
    return word.replace("’", "'").removesuffix("'s")
