"""Where the matches of the extractor's scans may start, found for a whole text in one pass.

Python's regex engine tries a scan at every separator of the text (about one character in six)
and cannot go below that floor: the candidate scan alone was a fifth of extraction. Hyperscan
(a multi-pattern automaton, from its manylinux wheel) finds, in one pass over the text and
for every scan at once, a list of positions that holds every place where the scan matches:

- each scan's pattern is translated from Python's own parse of it into a pattern over bytes
  that matches wherever the scan does (a superset): look-arounds that only forbid are left
  out, a look-ahead that ends the pattern is read as text, characters become the byte classes
  of the text's encoding below;
- the text is encoded one byte per character (cp1252, anything else as "?"), so byte offsets
  are character offsets; a character class takes "?" along, so unencodable characters may
  match anything a class matches;
- Hyperscan reports where matches end, not where they start; run over the reversed text with
  reversed patterns, the end of each reversed match is a start in the text: every start is
  reported, without Hyperscan's start-of-match tracking (which keeps the leftmost only).

The caller then asks Python's engine about each reported position only (an anchored match,
the same pattern, the same window), so what it finds is exactly what the scan's search found.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]  # Python's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]

import hyperscan

ENCODING = "latin-1"  # one byte per character (the others as "?"), encoded at C speed
_UNENCODABLE = ord("?")
# The characters the text's bytes stand for: byte -> character.
_CHAR_OF_BYTE = {b: bytes([b]).decode(ENCODING) for b in range(256)}


class UnsupportedPattern(ValueError):
    """A scan uses a construct the translation does not handle (back-references, flags)."""


MAX_EXPRESSION = 16_000  # characters; Hyperscan refuses longer expressions (16,384)


def reversed_superset(pattern: re.Pattern[str]) -> list[bytes]:
    """Hyperscan expressions that, run over the reversed encoded text, end a match at every
    position (counted from the end) where `pattern` may match in the text.

    Usually one; a pattern too long for one expression is cut at its largest alternation into
    one sequence per branch (the union of their matches is the pattern's), packed back into
    as few expressions as fit.
    """
    if pattern.flags & ~(re.UNICODE):
        raise UnsupportedPattern(f"flags {pattern.flags!r} of {pattern.pattern!r}")
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)

    def translate(items: list) -> str:
        return _sequence(items, parsed.state, pattern.flags, tail=True)

    pending, pieces = [list(parsed.data)], []
    while pending:
        items = pending.pop()
        expression = translate(items)
        if len(expression) <= MAX_EXPRESSION:
            pieces.append(expression)
            continue
        branches = _split(items, translate)
        if branches is None:
            raise UnsupportedPattern(f"an expression of {len(expression)} characters")
        pending.extend(branches)
    return [e.encode("latin-1") for e in _packed(pieces)]


def _split(items: list, translate: Callable[[list], str]) -> list[list] | None:
    """The sequence as one sequence per branch of its largest alternation (in a group or not)."""
    best, best_size = None, 0
    for i, (op, av) in enumerate(items):
        inner = av[3].data if op is sre.SUBPATTERN else [(op, av)]
        if len(inner) == 1 and inner[0][0] is sre.BRANCH:
            size = len(translate([inner[0]]))
            if size > best_size:
                best, best_size = (i, inner[0][1][1]), size
    if best is None:
        return None
    i, branches = best
    return [items[:i] + list(branch.data) + items[i + 1 :] for branch in branches]


def _packed(pieces: list[str]) -> list[str]:
    """Alternatives joined into as few expressions as fit (fewer expressions compile faster)."""
    out: list[str] = []
    for piece in sorted(pieces, key=len, reverse=True):
        for k, expression in enumerate(out):
            if len(expression) + len(piece) + 5 <= MAX_EXPRESSION:
                out[k] = f"{expression}|(?:{piece})"
                break
        else:
            out.append(f"(?:{piece})")
    return out


def _sequence(items: list, state: object, flags: int, tail: bool) -> str:
    """The reversed translation of a sequence of parsed items. `tail`: nothing follows it in
    the whole pattern, so a look-ahead that closes it may be read as text (same starts)."""
    last = len(items) - 1
    out = [_item(op, av, state, flags, tail and i == last) for i, (op, av) in enumerate(items)]
    return "".join(reversed(out))


def _item(op: object, av: object, state: object, flags: int, tail: bool) -> str:
    if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
        return _byte_class(op, av, state, flags)
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(b.data, state, flags, tail) for b in av[1]) + ")"
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, inner = av
        if (add_flags | del_flags) & ~re.UNICODE:
            raise UnsupportedPattern("inline flags")
        return "(?:" + _sequence(inner.data, state, flags, tail) + ")"
    if op is sre.ATOMIC_GROUP:  # an atomic group matches a subset of what the plain one does
        return "(?:" + _sequence(av.data, state, flags, tail) + ")"
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, inner = av
        body = _sequence(inner.data, state, flags, tail=False)
        if not (len(inner.data) == 1 and inner.data[0][0] in (sre.LITERAL, sre.IN)):
            body = "(?:" + body + ")"
        return body + _quantifier(low, high)
    if op is sre.ASSERT:
        direction, inner = av
        # A look-ahead with nothing after it: the same starts when its text is matched.
        return _sequence(inner.data, state, flags, tail=True) if direction == 1 and tail else ""
    if op in (sre.ASSERT_NOT, sre.AT):
        return ""  # they only forbid: leaving them out matches at more places, never fewer
    raise UnsupportedPattern(f"{op} in a scan")


def _quantifier(low: int, high: int) -> str:
    if high is sre.MAXREPEAT or high == sre.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    return "?" if (low, high) == (0, 1) else f"{{{low},{high}}}"


def _byte_class(op: object, av: object, state: object, flags: int) -> str:
    """The bytes whose characters this one-character item matches (asked of Python's engine),
    with "?" for a class: an unencodable character is written "?" and may be any."""
    one = sre_compile.compile(sre_parse.SubPattern(state, [(op, av)]), flags)
    members = {b for b, c in _CHAR_OF_BYTE.items() if one.fullmatch(c)}
    if op is not sre.LITERAL or not _encodable(chr(av)):
        members.add(_UNENCODABLE)
    if not members:
        raise UnsupportedPattern("a character class that matches nothing")
    if len(members) == 1:
        return _byte(next(iter(members)))
    return "[" + "".join(_ranges(sorted(members))) + "]"


def _ranges(members: list[int]) -> list[str]:
    """Sorted bytes as class ranges ("\\x30-\\x39"): Hyperscan limits a pattern's length."""
    out, first = [], 0
    for i, b in enumerate(members):
        if i + 1 < len(members) and members[i + 1] == b + 1:
            continue
        low = members[first]
        out.append(_byte(low) if low == b else f"{_byte(low)}-{_byte(b)}")
        first = i + 1
    return out


def _byte(b: int) -> str:
    """One byte in an expression: letters and digits as themselves (Hyperscan limits an
    expression's length), anything else escaped."""
    return chr(b) if chr(b).isascii() and chr(b).isalnum() else f"\\x{b:02x}"


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


class Starts:
    """Every position where one of several compiled scans may match, per scan, in one pass."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        expressions, ids = [], []
        for index, pattern in enumerate(patterns):
            for expression in reversed_superset(pattern):
                expressions.append(expression)
                ids.append(index)
        self._count = len(patterns)
        self._split = len(set(ids)) < len(ids)  # a pattern in several expressions
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            expressions=expressions,
            ids=ids,
            elements=len(expressions),
            # A pattern that may match nothing (no scan does) then matches at every place.
            flags=[hyperscan.HS_FLAG_ALLOWEMPTY] * len(ids),
        )
        self._local = threading.local()  # Hyperscan's scratch space is one thread's

    def find(self, text: str) -> list[list[int]]:
        """For each pattern, in ascending order, the positions where it may match in text."""
        found: list[list[int]] = [[] for _ in range(self._count)]
        appends = [f.append for f in found]
        size = len(text)

        def report(pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
            appends[pattern](size - end)

        self._database.scan(
            text.encode(ENCODING, "replace")[::-1],
            match_event_handler=report,
            scratch=self._scratch(),
        )
        if self._split:  # two expressions of one pattern may report the same position
            return [sorted(set(positions)) for positions in found]
        for positions in found:
            positions.reverse()  # reported by ascending end in the reversed text
        return found

    def _scratch(self) -> hyperscan.Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        return scratch
