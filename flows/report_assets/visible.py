"""Characters that change how text around them is shown, made visible.

Text from documents can carry bidirectional controls (U+202E turns what follows right to left,
so "txt.exe" can be shown as "exe.txt"), zero-width characters (U+200B makes two different names
look the same) and other invisible format characters. Shown as they are, they let a document
reorder or hide what a reader sees in the report. `visible` replaces each of them with its code
point in plain text (‹U+202E›): plain text, not markup, so it is right in every place text goes
(an element, an attribute, an SVG <title>) and is escaped like the rest.

The data is never changed: only what is displayed (report.json keeps the text as stored).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

# Unicode general categories shown as code points: Cf (format: the bidi controls U+202A–U+202E,
# U+2066–U+2069, U+200E, U+200F, U+061C, the zero-width U+200B–U+200D, U+2060, U+FEFF, the
# soft hyphen, tag characters, ...) and Cc (control characters), but for the three that are
# layout in HTML text.
SHOWN_CATEGORIES = frozenset({"Cf", "Cc"})
LAYOUT_CONTROLS = frozenset("\t\n\r")


def visible(text: str) -> str:
    """`text` with every format and control character (but tab, newline and carriage return)
    replaced by its code point between ‹›: 'abc\\u202edef' → 'abc‹U+202E›def'."""
    return hidden_characters().sub(code_point, text)


def code_point(match: re.Match[str]) -> str:
    return f"‹U+{ord(match.group()):04X}›"


@cache
def hidden_characters() -> re.Pattern[str]:
    """One character class of every code point in SHOWN_CATEGORIES, for this Python's Unicode
    version (built once, ~0.1 s: scanning the categories beats a hand-kept list of ranges)."""
    chosen = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in SHOWN_CATEGORIES and chr(c) not in LAYOUT_CONTROLS
    ]
    return re.compile("[" + "".join(re.escape(c) for c in chosen) + "]")
