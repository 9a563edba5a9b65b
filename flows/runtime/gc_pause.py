"""Garbage collection paused while long-lived modules are imported.

An import of Prefect, pandera with Ibis, or Great Expectations makes 100,000-270,000 objects
that live as long as the process; a collection during the import only walks them again and
again (GX: 2.9 -> 2.4 CPU-s, pandera's Ibis engine 0.9 -> 0.75, bench/README.md, End to end).
Standard library only: the GX judge uses it before anything else.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused(*, freeze: bool = False) -> Iterator[None]:
    """No garbage collection inside; with `freeze`, what exists at the end is moved out of
    every later collection's way (for a process's own imports, not a library call's)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()
