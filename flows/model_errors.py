"""How a typed model's complaint is told to the person who edited the file (issue 15).

Every file a user edits (settings, manifest, catalogue, checks) is read into a pydantic model;
its first error becomes one sentence naming the file, the key, what was found and what was
expected. These helpers word the "expected" and "did you mean" parts the same way everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic_core import ErrorDetails

# pydantic's wording where it says more about Python than about the file: a whole number, not
# "a valid integer, unable to parse string as an integer"; a list, not a tuple.
_PLAIN_WORDS = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "path_type": "a path (text)",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of keys",
}


def expected(error: ErrorDetails) -> str:
    """What was expected, from one of pydantic's errors ("Input should be ..." without it; a
    validator's ValueError says what it expected, "Value error, " without it)."""
    message = _PLAIN_WORDS.get(error["type"]) or error["msg"]
    for prefix in ("Input should be ", "Value should be ", "Value error, "):
        message = message.removeprefix(prefix)
    return message[:1].lower() + message[1:]


def did_you_mean(found: str, known: Iterable[str]) -> str:
    """The text " (did you mean 'x'?)" for the closest known name, or "" if none."""
    close = difflib.get_close_matches(found, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
