"""checks/exceptions.yaml read into a typed model: a bad entry names the file, the entry, the
key, what was found and what was expected (issue 16, point 9), never "'int' object is not
iterable"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checks import CHECKS_DIR
from checks.registry import CheckCatalogueError, load_exceptions

ENTRY = (
    "exceptions:\n"
    "  - check: same_time_claims_agree\n"
    "    claim_ids: [b0c1d2e3f4a5b6c7, a0b1c2d3e4f5a6b7]\n"
    "    reason: The later article counts markets without Hong Kong and Macau.\n"
    "    reviewer: j.doe\n"
    "    date: 2026-11-20\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exceptions.yaml"
    path.write_text(text)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(CheckCatalogueError) as raised:
        load_exceptions(path)
    return str(raised.value)


def test_a_good_entry_is_read_with_its_claim_ids_sorted(tmp_path: Path) -> None:
    [entry] = load_exceptions(write(tmp_path, ENTRY))
    assert (entry.check_id, entry.claim_ids, entry.reviewer, entry.reviewed_on) == (
        "same_time_claims_agree",
        ("a0b1c2d3e4f5a6b7", "b0c1d2e3f4a5b6c7"),
        "j.doe",
        date(2026, 11, 20),
    )


def test_the_bundled_file_and_a_missing_one_are_read(tmp_path: Path) -> None:
    assert load_exceptions(CHECKS_DIR / "exceptions.yaml") == []
    assert load_exceptions(tmp_path / "absent.yaml") == []


def test_a_number_where_claim_ids_are_expected_names_the_entry_and_the_key(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, ENTRY.replace("[b0c1d2e3f4a5b6c7, a0b1c2d3e4f5a6b7]", "5"))
    assert refusal(path) == (
        f"{path}: exception #1 (check 'same_time_claims_agree'), key 'claim_ids': found 5; "
        "expected a list"
    )


def test_a_claim_id_of_digits_only_must_be_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY.replace("b0c1d2e3f4a5b6c7", "1234567890123456"))
    assert refusal(path) == (
        f"{path}: exception #1 (check 'same_time_claims_agree'), key 'claim_ids.0': found "
        "1234567890123456; expected a claim id as text (quote one made of digits only)"
    )


def test_a_misspelt_key_names_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY.replace("reviewer:", "reviwer:"))
    message = refusal(path)
    assert message.startswith(
        f"{path}: exception #1 (check 'same_time_claims_agree'), key 'reviwer': found an "
        "unknown key (did you mean 'reviewer'?); expected one of check, claim_ids, reason, "
        "reviewer, date"
    )


def test_a_missing_key_and_a_bad_date_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY.replace("    reason: The later", "    because: The later"))
    assert "key 'because': found an unknown key" in refusal(path)
    path = write(tmp_path, ENTRY.replace("2026-11-20", "20 November"))
    assert refusal(path).startswith(
        f"{path}: exception #1 (check 'same_time_claims_agree'), key 'date': found "
        "'20 November'; expected a valid date"
    )


def test_an_entry_that_is_not_a_mapping_and_an_unknown_top_level_key_are_named(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "exceptions:\n  - 5\n")
    assert refusal(path) == f"{path}: exception #1: found 5; expected a mapping of keys"
    path = write(tmp_path, "exception: []\n")
    assert refusal(path) == (
        f"{path}: top level, key 'exception': found an unknown key (did you mean "
        "'exceptions'?); expected one of exceptions"
    )
