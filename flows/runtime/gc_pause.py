"""Garbage collection paused while long-lived modules are imported, and what they made frozen:
Prefect, pandera with Ibis and GX make 100,000-270,000 objects that live as long as the process,
which every later collection would walk again (bench/README.md, "The libraries as shipped").
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
