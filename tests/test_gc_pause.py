"""Garbage collection paused around imports (flows/runtime/gc_pause.py)."""

from __future__ import annotations

import gc

import pytest

from flows.runtime.gc_pause import collection_paused


@pytest.fixture(autouse=True)
def restore_gc():
    yield
    gc.unfreeze()
    gc.enable()


def test_collection_is_paused_inside_and_resumed_after() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_collection_off() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_freeze_moves_what_exists_out_of_later_collections() -> None:
    gc.unfreeze()
    with collection_paused(freeze=True):
        kept = [[] for _ in range(1000)]  # noqa: F841 (objects that outlive the block)
    assert gc.get_freeze_count() >= 1000
    assert gc.isenabled()


def test_collection_resumes_when_the_import_raises() -> None:
    gc.enable()
    with pytest.raises(ModuleNotFoundError), collection_paused():
        import no_such_module_here  # noqa: F401
    assert gc.isenabled()
