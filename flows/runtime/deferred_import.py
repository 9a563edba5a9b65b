"""Modules a library imports as it starts, for features this process never uses, executed on
their first use instead.

Great Expectations imports scipy.stats and altair at start-up for one family of expectations
(distribution tests and their charts), ~1 CPU-s of the GX judge's ~2.7 on this machine
(bench/README.md, End to end); factledger's suites never use them. A deferred module is a
placeholder in `sys.modules`: `import x` and `from pkg import x` bind it without running
anything, and the first attribute read imports the real module, so a later use still works.

Not `importlib.util.LazyLoader`: on Python 3.11 the import system reads the module's
`__spec__` whenever it is imported again, and any attribute read of a lazy module loads it.
Standard library only: the GX judge uses it before anything else.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_loading = threading.RLock()  # a real module may import another deferred one


class DeferredModule(types.ModuleType):
    """Stands in for a module until an attribute of it is read."""

    def __getattr__(self, attribute: str) -> Any:
        real = load_deferred(self.__name__)
        return getattr(real, attribute)


def defer_imports(*names: str) -> list[str]:
    """Defer each module not yet imported that exists; returns the names deferred.

    A module that is not installed is left alone, so its import fails where it is written.
    """
    deferred = []
    for name in names:
        spec = None if name in sys.modules else importlib.util.find_spec(name)
        if spec is None:
            continue
        placeholder = DeferredModule(name)
        placeholder.__spec__ = spec
        sys.modules[name] = placeholder
        deferred.append(name)
    return deferred


def still_deferred(names: list[str]) -> list[str]:
    """Those of `names` whose real module has not been needed yet."""
    return [n for n in names if isinstance(sys.modules.get(n), DeferredModule)]


def load_deferred(name: str) -> types.ModuleType:
    """The real module behind a placeholder, imported now if it was not yet."""
    with _loading:
        current = sys.modules.get(name)
        if isinstance(current, DeferredModule):
            del sys.modules[name]
            real = importlib.import_module(name)
            # Names bound to the placeholder (`from scipy import stats`) now find the real
            # module's attributes in it directly.
            vars(current).update(vars(real))
            return real
    return importlib.import_module(name)
