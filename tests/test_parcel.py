"""Parcel: a task's argument or result that is unpickled only where it is read."""

import copy
import pickle
from datetime import date

import pytest

from flows.model import Document
from flows.pipeline import Parcel


def unpickling_fails() -> None:
    raise AssertionError("the parcel's value was unpickled")


class UnpicklesLoudly:
    """A value whose unpickling is seen: it raises."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (unpickling_fails, ())


def as_dask_sends(value: object) -> object:
    """Pickled with out-of-band buffers and unpickled, as a Dask comm does (protocol 5)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return pickle.loads(data, buffers=buffers)


def test_a_parcel_comes_back_with_its_value() -> None:
    documents = [
        Document("d1", "a.txt", date(2024, 5, 1), "T", "P", None, "smart", "txt", 12, "smart #1 ü"),
        Document("d2", "b.html", date(2024, 6, 1), None, None, "https://x", None, "html", 3, "é"),
    ]
    assert as_dask_sends(Parcel(documents)).value == documents  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(Parcel(documents))).value == documents
    assert copy.copy(Parcel(documents)).value == documents


def test_a_parcel_passes_through_a_scheduler_without_being_unpickled() -> None:
    # A Dask scheduler unpickles each task and pickles it again for the worker: the value
    # inside must stay bytes through both, and be unpickled only where it is read.
    at_scheduler = as_dask_sends(Parcel(UnpicklesLoudly()))
    at_worker = as_dask_sends(at_scheduler)
    again = pickle.loads(pickle.dumps(at_worker, protocol=4))
    with pytest.raises(AssertionError, match="value was unpickled"):
        again.value  # type: ignore[attr-defined]  # noqa: B018


def test_a_parcel_read_once_is_not_unpickled_again() -> None:
    parcel = pickle.loads(pickle.dumps(Parcel({"batch": [1, 2]})))
    first = parcel.value
    assert parcel.value is first
