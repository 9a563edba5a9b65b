"""Modules deferred until first use (flows/runtime/deferred_import.py)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from flows.runtime.deferred_import import DeferredModule, defer_imports, still_deferred


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A package `deferpkg` whose submodule `heavy` counts its executions in `deferpkg.RUNS`."""
    root = tmp_path / "deferpkg"
    root.mkdir()
    (root / "__init__.py").write_text("RUNS = []\n")
    (root / "heavy.py").write_text(
        textwrap.dedent(
            """
            import deferpkg
            deferpkg.RUNS.append("heavy")
            def answer():
                return 42
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "deferpkg"
    for name in [n for n in sys.modules if n == "deferpkg" or n.startswith("deferpkg.")]:
        del sys.modules[name]


def test_an_import_of_a_deferred_module_runs_nothing_until_an_attribute_is_read(
    package: str,
) -> None:
    assert defer_imports("deferpkg.heavy") == ["deferpkg.heavy"]
    import deferpkg
    from deferpkg import heavy

    assert isinstance(heavy, DeferredModule)
    assert deferpkg.RUNS == []
    assert still_deferred(["deferpkg.heavy"]) == ["deferpkg.heavy"]

    assert heavy.answer() == 42
    assert deferpkg.RUNS == ["heavy"]
    assert still_deferred(["deferpkg.heavy"]) == []
    assert not isinstance(sys.modules["deferpkg.heavy"], DeferredModule)
    assert heavy.answer is sys.modules["deferpkg.heavy"].answer


def test_a_deferred_module_runs_once_however_it_is_reached(package: str) -> None:
    defer_imports("deferpkg.heavy")
    from deferpkg import heavy as first

    first.answer()
    import deferpkg.heavy as second

    assert second.answer() == 42
    import deferpkg

    assert deferpkg.RUNS == ["heavy"]
    with pytest.raises(AttributeError):
        first.missing  # noqa: B018 (the read is the test)


def test_missing_and_already_imported_modules_are_not_deferred(package: str) -> None:
    import json

    assert defer_imports("json", "deferpkg.absent", "no_such_package_anywhere") == []
    assert sys.modules["json"] is json
    with pytest.raises(ModuleNotFoundError):
        import deferpkg.absent  # noqa: F401
