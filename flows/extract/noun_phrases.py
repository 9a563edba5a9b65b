"""What may stand between a number and its noun, as regex source: for reading a number's noun
phrase ("more than 5,600 locally owned hardware stores", "120 of the EV charging stations",
"155 million are premium paying subscribers") and for the scan's look-aheads."""

from __future__ import annotations

from dataclasses import dataclass

from flows.extract.patterns import alternation, phrase_source
from flows.extract.rules import MetricRule, Rules


@dataclass(slots=True)
class NounPhrase:
    """The words from a number to its noun: the noun as written and where the modifiers are."""

    noun: str
    modifiers: tuple[int, int]  # span of the words between the number and the noun
    end: int  # end of the noun


def compound_nouns(rules: Rules) -> list[str]:
    """The nouns a number may be joined to by a hyphen to size a company ("the 121-store
    chain"): those of the rules that count things, not money (see `compound_heads`)."""
    if not rules.noun_phrase.compound_heads:
        return []
    return sorted({n for r in rules.metric_rules if not r.money for n in r.nouns})


def compound_source(rules: Rules) -> str:
    """Regex source of a hyphen, a counted noun and a head within three words after it (see
    `compound_heads`); the noun in group `noun`."""
    nouns, heads = compound_nouns(rules), rules.noun_phrase.compound_heads
    if not nouns:
        return "(?!)"
    return (
        rf"-(?P<noun>{alternation(nouns)})[ \t]+(?:[\w&'’.-]+[ \t]+){{0,3}}?"
        rf"{alternation(heads)}(?![\w-])"
    )


def scan_sources(rules: Rules, by_noun: dict[str, list[MetricRule]]) -> tuple[str, str]:
    """Look-aheads for the engine's scan of the folded text (lower case), each a little looser
    than what find() then reads: (a noun phrase after an ordinal word; what may follow digits:
    a noun phrase or an elided number's follower, and no percentage, duration or score)."""
    spec = rules.noun_phrase
    # Both are look-aheads: only whether a noun can be reached counts, not which reading
    # reaches it. So the gap words and the spaces are taken whole (possessive: a shorter word
    # or run of spaces could never be followed by the space or word that must come next), and
    # the noun is tried before each further word (lazy), not after the longest run of words
    # and then back: the engine backtracks less at every number (the scan 7% fewer
    # instructions), and the same places match.
    # A word, or a label of digits and letters ("5g", "4k", "737-700s"): "10 million 5G users".
    # A model's number may follow a word ("13 boeing 737 max aircraft").
    gap = r"(?:[^\W\d]|\d[\d-]*[a-z])[\w.'’&®-]*+(?:[ \t]+\d{1,4}+(?![\d,]))?"
    aside = r"(?:\s*[–—]\s*(?:[^\s–—]+\s+){0,3}?[^\s–—]+\s*[–—])?"
    nouns = alternation(n.lower() for n in by_noun)
    noun_phrase = rf"{aside}\s++(?:{gap},?\s++){{0,{spec.max_words}}}?{nouns}(?![\w-])"
    linked = (
        r"(?:\s+(?:of\s+\S+(?:\s+\d[\d,]*)?|" + alternation(c.lower() for c in spec.copulas) + "))?"
    )
    # The scan takes a number's digits with a full stop or comma after them ("to 63."): the
    # stop is then behind the look-ahead.
    follower = rf"(?<=[.,])(?=\s|$)|{follower_source(rules, lower=True)}"
    # "69,000 and 59,000 users respectively", "24 domestic and 4 international destinations"
    and_number = r"(?:[ \t]+[a-z]+)?[ \t]+and[ \t]+\d[\d,.]*+"
    # "10 billion yuan": a currency named after the amount
    currency_words = rules.numbers.currency_words
    named_currency = (
        rf"|\s+{alternation(w.lower() for w in currency_words)}(?![\w])" if currency_words else ""
    )
    joined = compound_nouns(rules)  # "the 121-store chain"
    compound = rf"|-{alternation(n.lower() for n in joined)}[ \t]" if joined else ""
    # No percentage, duration or score; no number run on into another ("+47 94 9791 8916", a
    # phone number; "(708) 646-4760")
    digits_ahead = (
        rf"(?!\s*(?:%|percent|per\s+cent)|{not_a_count_source(rules, lower=True)}"
        r"|\)?[ \t]+\(?\d++(?![a-z]))"
        rf"(?:{linked}{noun_phrase}|{follower}{compound}|{and_number}{noun_phrase}{named_currency})"
    )
    return noun_phrase, digits_ahead


def not_a_count_source(rules: Rules, lower: bool = False) -> str:
    """Regex source of what, right after a number, makes it a duration, an age, an area or a
    few of a kind, never a count (`noun_phrase.not_counts`: "10 years", "1.1 million square
    feet", "two of the most important markets")."""
    words = rules.noun_phrase.not_counts
    if not words:
        return "(?!)"
    written = alternation(w.lower() for w in words) if lower else alternation(words)
    return rf"[\s-]+(?:{written})(?![\w-])"


def follower_source(rules: Rules, lower: bool = False) -> str:
    """Regex source of what may follow a number with no noun of its own: the end of its clause
    or line, or one of `elided_noun.followers` ("32 more by the end of the year")."""
    words = (
        (f.lower() for f in rules.elided_noun.followers) if lower else rules.elided_noun.followers
    )
    return rf"[ \t]*(?:[.,;:!?)\"”\n]|$)|\s+{alternation(words)}(?![\w])"


def noun_phrase_source(rules: Rules, by_noun: dict[str, list[MetricRule]]) -> str:
    """Regex source of what may follow a number up to its noun (see `noun_phrase` in the YAML)."""
    spec = rules.noun_phrase
    # no stop word and no number ("Six Flags Adds Five More Parks": six counts no parks)
    numbers = rules.numbers
    stop = alternation([*spec.stop_words, *numbers.words, *numbers.multipliers])
    named_by_number = alternation(spec.name_words) if spec.name_words else "(?!)"  # "level 2"
    # A word, initials ("U.S."), a model and its number ("Boeing 737", "level 2"), or a label of
    # digits and letters ("5G", "737-700s").
    word = (
        rf"(?!{stop}(?![\w'’.-]))"
        rf"(?:[A-Z]\.(?:[A-Z]\.)+"
        rf"|(?:(?-i:[A-Z])[\w'’&®-]*|{named_by_number})[ \t]+\d{{1,4}}(?![\d,.])"
        r"|[A-Za-z][\w'’&®-]*"
        r"|\d[\d-]*[A-Za-z][\w'’&®-]*)"
    )
    aside = r"(?:\s*[–—]\s*(?:[^\s–—]+\s+){0,3}?[^\s–—]+\s*[–—])?"  # "first – and largest –"
    possessive = r"[A-Z][\w&.-]*['’]s"
    partitive = (
        r"(?:\s+(?:"
        + "|".join(phrase_source(p) for p in spec.partitives)
        + rf"|of\s+{possessive})(?:\s+\d[\d,]*)?)"
    )
    copula = r"(?:\s+" + alternation(spec.copulas) + ")"
    nouns = alternation(by_noun)
    return (
        rf"(?:{partitive}|{copula})?{aside}\s+(?P<mods>(?:{word},?\s+){{0,{spec.max_words}}}?)"
        rf"(?P<noun>{nouns})(?![\w-])"
    )
