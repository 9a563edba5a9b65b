"""Event triggers found by the scan → launch, partnership and market-entry events."""

from __future__ import annotations

import re
from functools import lru_cache

from flows.extract.entities import EntityMatcher
from flows.extract.page import Page
from flows.extract.patterns import alternation, factored, is_word_char, norm, phrase_source
from flows.extract.rules import EventVocabulary
from flows.extract.scopes import ScopeFinder
from flows.model import Event

PARTNERSHIP, LAUNCH_AFTER, LAUNCH_BEFORE, MARKET_ENTRY = (
    "partnership",
    "launch_after",
    "launch_before",
    "market_entry",
)
GAP = "..."  # in a trigger: up to six words ("co-created ... with")
PRODUCT_BEFORE_REACH = 80  # a product this far before a "making its debut" trigger is its subject
ANAPHORA_REACH = 3000  # "It is scheduled to debut" refers to a product named this far back
QUOTE_DATE_GAP = 16  # a date this close after an event's words joins its quote

# A name: capitalised words, "&" inside ("Mickey & Friends"), no trailing full stop.
_TOKEN = r"[A-Z](?:[\w’'&-]|\.(?=\w))*"
_NAME = rf"{_TOKEN}(?:[ \t]+(?:&[ \t]+)?{_TOKEN})*"
_NAMES = re.compile(_NAME)
_LIST = re.compile(rf"{_NAME}(?:(?:,[ \t]+and[ \t]+|,[ \t]+|[ \t]+and[ \t]+){_NAME})*")
_LIST_JOIN = re.compile(r",[ \t]+(?:and[ \t]+)?|[ \t]+and[ \t]+")
_SKIP_ARTICLES = r"(?:(?:the|its|their|a|an|new|all-new)\s+)*"
_GAP = re.compile(r"\s+")


def trigger_source(phrase: str) -> str:
    return r"(?:\s+\S+){0,6}?\s+".join(phrase_source(p) for p in phrase.split(GAP))


class EventFinder:
    def __init__(self, vocab: EventVocabulary, scopes: ScopeFinder) -> None:
        self.vocab = vocab
        self._scopes = scopes  # the places a market entry may name are scopes
        self._kinds: dict[str, set[str]] = {}
        for kind, triggers in (
            (PARTNERSHIP, vocab.partnership_triggers),
            (LAUNCH_AFTER, vocab.product_after),
            (LAUNCH_BEFORE, vocab.product_before),
            (MARKET_ENTRY, vocab.market_entry_triggers),
        ):
            for t in triggers:
                self._kinds.setdefault(self._key(t), set()).add(kind)
        triggers = sorted(self.triggers(), key=lambda p: (-len(p), p))
        self.source = (
            r"(?P<trigger>(?<![\w-])(?:"
            + factored([trigger_source(t) for t in triggers])
            + r")(?![\w-]))"
        )
        self._lead = re.compile(
            r"\s+(?:(?:[a-z][\w-]*\s+){0,4}" + alternation(vocab.list_leads) + r"\s+)?(?:the\s+)?"
        )
        self._place_names = {a: name for name, aliases in vocab.places.items() for a in aliases}
        # No look-behind in front: a pattern that opens with the alternation of literal names
        # lets the engine skip to their first letters; places_in checks the word boundary.
        self._places = re.compile(alternation(self._place_names) + r"(?![\w])")
        self._aliases = {a: n for n, aliases in vocab.subject_aliases.items() for a in aliases}
        self._anaphora = re.compile(alternation(vocab.anaphora) + r"\s")
        self._articles = re.compile(rf"\s+{_SKIP_ARTICLES}")
        # Keyed by a catalogued entity's products (or none): never one compile per document.
        self._products = lru_cache(maxsize=256)(self._product_patterns)
        self._sorted_kinds: dict[str, list[str]] = {}  # trigger as written -> sorted kinds

    def triggers(self) -> list[str]:
        v = self.vocab
        return [
            *v.partnership_triggers,
            *v.product_after,
            *v.product_before,
            *v.market_entry_triggers,
        ]

    @staticmethod
    def _key(trigger: str) -> str:
        return norm(trigger.split(GAP)[0].strip()) + (GAP if GAP in trigger else "")

    def kinds(self, matched: str) -> set[str]:
        found = self._kinds.get(norm(matched))
        if found is None:  # a trigger with a gap: look it up by its first part
            found = next(
                (
                    k
                    for key, k in self._kinds.items()
                    if key.endswith(GAP) and norm(matched).startswith(key[:-3])
                ),
                set(),
            )
        return found

    def find(self, m: re.Match[str], page: Page) -> list[Event]:
        events: list[Event] = []
        trigger = m.group("trigger")
        kinds = self._sorted_kinds.get(trigger)
        if kinds is None:  # a few dozen triggers as written
            kinds = self._sorted_kinds[trigger] = sorted(self.kinds(trigger))
        for kind in kinds:
            if kind == PARTNERSHIP:
                events += self._partnerships(m, page)
            elif kind == MARKET_ENTRY:
                events += self._market_entries(m, page)
            else:
                events += self._launch(m, page, kind)
        return events

    def _partnerships(self, m: re.Match[str], page: Page) -> list[Event]:
        text = page.text
        lead = self._lead.match(text, m.end())
        names = _LIST.match(text, lead.end()) if lead else None
        if names is None:
            return []
        out = []
        for name in _NAMES.finditer(text, names.start(), names.end()):
            subject = self._aliases.get(name.group(), name.group())
            out.append(
                self._event(
                    page,
                    m.start(),
                    m.start(),
                    names.end(),
                    "partnership",
                    subject,
                    self.vocab.partnership_id,
                )
            )
        return [e for e in out if e.subject != e.entity]

    def _market_entries(self, m: re.Match[str], page: Page) -> list[Event]:
        sentence, clause = page.sentence_and_clause(m.start())
        seen, out = set(), []
        # Most entry triggers name no place ("entered seven new markets"): the places after the
        # trigger in its clause are looked for first, the sentence's scopes only then.
        places = self._places_in(page.text, m.end(), clause[1])
        if not places or not page.has_words(self._scopes.mentioned, sentence):
            return []
        self._list_on(page.text, places, sentence[1])
        if places[-1].end() > clause[1]:  # "entered Poland, Portugal and Greece in 2025"
            clause = (clause[0], page.sentence_and_clause(places[-1].start())[1][1])
        for place in places:
            subject = self._place_names[place.group()]
            if subject not in seen:
                seen.add(subject)
                out.append(
                    self._event(
                        page,
                        m.start(),
                        m.start(),
                        places[-1].end(),
                        "market_entry",
                        subject,
                        self.vocab.market_entry_id,
                        clause,
                    )
                )
        return out

    def _list_on(self, text: str, places: list[re.Match[str]], hi: int) -> None:
        """Extend places with the places listed after the last one, across the commas that end
        its clause ("entered Poland, Portugal and Greece")."""
        while (join := _LIST_JOIN.match(text, places[-1].end(), hi)) is not None and (
            place := self._places.match(text, join.end(), hi)
        ) is not None:
            places.append(place)

    def _places_in(self, text: str, lo: int, hi: int) -> list[re.Match[str]]:
        """Place names between lo and hi, not inside a longer word: what finditer would give with
        a (?<![\\w]) look-behind in front of the pattern."""
        found, search = [], self._places.search
        while (m := search(text, lo, hi)) is not None:
            start = m.start()
            if start > 0 and is_word_char(text[start - 1]):
                lo = start + 1  # the look-behind fails here: the search goes on one further
                continue
            found.append(m)
            lo = m.end()
        return found

    def _launch(self, m: re.Match[str], page: Page, kind: str) -> list[Event]:
        text = page.text
        after, anywhere = self._products(page.matcher.products, page.resolver.catalogued_aliases)
        if kind == LAUNCH_AFTER:
            product = self._product_after(text, m.end(), page.matcher, after, anywhere)
            if product is None:
                return []
            start, (end, name) = m.start(), product
            rule_id = self.vocab.launch_after_id
        else:
            sentence = page.sentence(m.start())
            near = [
                p
                for p in anywhere.finditer(
                    text, max(sentence[0], m.start() - PRODUCT_BEFORE_REACH), m.start()
                )
            ]
            if near:
                start, name = near[-1].start(), near[-1].group()
            elif self._anaphora.match(text, sentence[0]):
                earlier = list(
                    anywhere.finditer(text, max(0, sentence[0] - ANAPHORA_REACH), sentence[0])
                )
                if not earlier:
                    return []
                start, name = sentence[0], earlier[-1].group()
            else:
                return []
            end, rule_id = m.end(), self.vocab.launch_before_id
        subject = self._aliases.get(name, name)
        return [self._event(page, m.start(), start, end, "launch", subject, rule_id)]

    def _event(
        self,
        page: Page,
        pos: int,
        start: int,
        end: int,
        event_type: str,
        subject: str,
        rule_id: str,
        clause: tuple[int, int] | None = None,
    ) -> Event:
        """The event at pos; `clause`: the clause that dates it, when not pos's own."""
        sentence, own_clause = page.sentence_and_clause(pos)
        clause = own_clause if clause is None else clause
        dating = page.dating.date(pos, clause, sentence)
        mention = dating.mention
        if (
            mention is not None
            and end < mention.char_end <= clause[1]
            and (mention.char_start - end <= QUOTE_DATE_GAP)
        ):
            end = mention.char_end  # "launched in 2023": the date belongs in the quote
        quote = page.quote(start, end)
        doc = page.doc
        return Event.new(
            doc_id=doc.doc_id,
            file=doc.file,
            entity=page.subject(sentence, min(start, pos)),
            event_type=event_type,
            subject=subject,
            period_start=dating.start,
            period_end=dating.end,
            period_text=dating.text,
            status=dating.status,
            quote=quote,
            char_start=start,
            char_end=end,
            source="rules",
            rule_id=rule_id,
        )

    def _product_after(
        self,
        text: str,
        pos: int,
        matcher: EntityMatcher,
        after: re.Pattern[str],
        anywhere: re.Pattern[str],
    ) -> tuple[int, str] | None:
        """(end, name) of the product written right after a trigger at pos.

        Articles first ("the new"), then maybe the entity's name ("smart #5"): the document's
        own name when the catalogue does not know it (tried first), else a catalogued alias.
        """
        lead = self._articles.match(text, pos)
        if lead is None:
            return None
        if matcher.own is not None and (own := matcher.own.match(text, lead.end())):
            gap = _GAP.match(text, own.end())
            product = anywhere.match(text, gap.end()) if gap else None
            if product is not None:
                return product.end(), product.group()
        product = after.match(text, lead.end())
        return (product.end("p"), product.group("p")) if product else None

    def _product_patterns(
        self, products: tuple[str, ...], catalogued_aliases: tuple[str, ...]
    ) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """(product after a catalogued alias or nothing, product anywhere) for an entity.

        An entity with catalogued products is matched on those only; any other entity's products
        are recognised by the generic model-name pattern of extraction.yaml.
        """
        if products:
            product = r"(?<![\w#])" + alternation(products) + r"(?![\w])"
        else:
            product = r"(?<![\w#])" + self.vocab.generic_product + r"(?![\w])"
        entity = alternation(catalogued_aliases)
        after = re.compile(rf"(?:{entity}\s+)?(?P<p>{product})")
        return after, re.compile(product)
