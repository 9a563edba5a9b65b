"""Extraction batches: in order, about equal in text, a multiple of the runner's slots."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from flows.model import Document
from flows.pipeline import batches
from flows.runtime.runners import make_task_runner, parallel_slots


def document(n: int, length: int) -> Document:
    return Document(
        f"d{n}", f"{n}.txt", date(2024, 1, 1), None, None, None, None, "txt", length, "x" * length
    )


def test_documents_of_equal_length_are_cut_into_equal_batches_for_every_worker() -> None:
    docs = [document(n, 100) for n in range(10_001)]
    parts = batches(docs, 2500, slots=2)
    assert sorted(len(p) for p in parts) == [2500, 2500, 2500, 2501]  # not 4 x 2,500 and 1
    assert [len(p) for p in batches(docs[:7000], 5000, slots=2)] == [3500, 3500]
    assert [len(p) for p in batches(docs[:7000], 5000, slots=1)] == [7000]
    assert [len(p) for p in batches(docs[:4000], 5000, slots=1)] == [4000]
    more = docs + [document(n, 100) for n in range(10_001, 12_000)]
    assert [len(p) for p in batches(more, 5000, slots=1)] == [6000, 6000]
    assert [len(p) for p in batches(docs[:3], 5000, slots=8)] == [1, 1, 1]


def test_batches_hold_about_the_same_text_not_the_same_number_of_documents() -> None:
    long, short = (
        [document(n, 9000) for n in range(10)],
        [document(n, 1000) for n in range(10, 100)],
    )
    parts = batches(long + short, 100, slots=2)
    assert [len(p) for p in parts] == [10, 90]  # 90,010 and 90,090 characters
    assert [p[0].doc_id for p in parts] == ["d0", "d10"]


def test_no_documents_make_no_batches() -> None:
    assert batches([], 2500, slots=2) == []


@given(
    lengths=st.lists(st.integers(0, 5000), max_size=60),
    max_size=st.integers(1, 25),
    slots=st.integers(1, 5),
)
def test_batches_keep_every_document_once_in_order(
    lengths: list[int], max_size: int, slots: int
) -> None:
    docs = [document(n, length) for n, length in enumerate(lengths)]
    parts = batches(docs, max_size, slots)
    assert [d for part in parts for d in part] == docs
    assert all(parts)
    wanted = max(1, round(len(docs) / max_size + 1e-9))  # the nearest count, half up
    assert len(parts) == min(-(-wanted // slots) * slots, len(docs))
    # each batch's text is within one document of an equal share
    if parts:
        share = sum(length + 1 for length in lengths) / len(parts)
        longest = max(lengths) + 1
        for part in parts:
            assert abs(sum(len(d.text) + 1 for d in part) - share) <= 2 * longest


def test_the_default_runner_runs_one_batch_at_a_time() -> None:
    assert parallel_slots(make_task_runner("default", None)) == 1
