"""The extractor as a whole: provenance on any text, rules as data, entities, the public API."""

from __future__ import annotations

import dataclasses
import inspect
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.catalogue import CatalogueError, load_catalogue
from flows.extract import Extraction, Extractor, extractor_for
from flows.model import Claim, Document, Event

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "data" / "raw" / "documents").glob("*.txt"))
EXTRACTOR = Extractor(load_catalogue(REPO / "catalogue"))


def document(
    text: str, hint: str | None = "Voltara", published: date = date(2024, 5, 5)
) -> Document:
    return Document(
        doc_id="d",
        file="d.txt",
        published_at=published,
        title=None,
        publisher=None,
        url=None,
        entity_hint=hint,
        format="txt",
        size_bytes=len(text),
        text=text,
    )


def test_one_extractor_per_process_and_catalogue_version(tmp_path: Path) -> None:
    catalogue_dir = tmp_path / "catalogue"
    shutil.copytree(REPO / "catalogue", catalogue_dir)
    extractor = extractor_for(catalogue_dir)
    assert extractor_for(catalogue_dir) is extractor
    found = extractor.extract(document("Voltara now operates in 18 markets."))
    assert isinstance(found, Extraction)
    assert [c.value_lo for c in found.claims] == [18.0]
    entities = catalogue_dir / "entities.yaml"
    entities.write_text(entities.read_text() + "\n")  # an edited catalogue: a new extractor
    assert extractor_for(catalogue_dir) is not extractor
    # ... built from the edited files, every one of them (not only the extraction rules)
    entities.write_text(
        entities.read_text() + '  Voltara:\n    aliases: ["Voltara", "Voltara Motors"]\n'
    )
    edited = extractor_for(catalogue_dir)
    assert "Voltara" in edited.catalogue.entities
    assert "Voltara" not in extractor.catalogue.entities
    assert load_catalogue(catalogue_dir) is edited.catalogue


@given(
    st.integers(min_value=0, max_value=10**7),
    st.sampled_from(
        ["markets", "countries and regions", "stores", "showrooms", "outlets", "new markets"]
    ),
)
def test_any_count_with_a_metric_noun_becomes_a_claim(n: int, noun: str) -> None:
    text = f"Voltara now operates {n:,} {noun} worldwide."
    (claim,) = EXTRACTOR.extract(document(text)).claims
    assert (claim.value_lo, claim.value_hi, claim.qualifier) == (n, n, "exact")
    assert claim.quote.endswith(noun) and claim.value_text == f"{n:,}"


FRAGMENTS = [p.read_text(encoding="utf-8") for p in SEEDS]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(FRAGMENTS) - 1), st.integers(0, 4000), st.integers(1, 600)),
        min_size=1,
        max_size=6,
    ),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_every_row_quotes_its_span_on_any_cut_of_news_text(
    cuts: list[tuple[int, int, int]], published: date
) -> None:
    text = "".join(FRAGMENTS[i][s : s + n] for i, s, n in cuts) or "x"
    found = EXTRACTOR.extract(document(text, hint="smart", published=published))
    for row in [*found.claims, *found.events]:
        assert row.quote == text[row.char_start : row.char_end]
        assert row.period_start <= row.period_end
        if row.status == "reported":
            assert row.period_end <= published


def test_a_hint_not_in_the_catalogue_names_the_entity_and_is_its_alias() -> None:
    found = EXTRACTOR.extract(document("Kestrel Motors opened its 12th store.", "Kestrel Motors"))
    assert [c.entity for c in found.claims] == ["Kestrel Motors"]


def test_a_catalogued_alias_in_the_hint_is_canonicalised() -> None:
    found = EXTRACTOR.extract(document("It now operates in 18 markets.", hint="Smart"))
    assert [c.entity for c in found.claims] == ["smart"]


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    for name in ("metrics.yaml", "entities.yaml", "extraction.yaml", "scopes.yaml"):
        shutil.copy(REPO / "catalogue" / name, tmp_path / name)
    return tmp_path


def test_a_new_phrasing_is_a_data_change(catalogue_copy: Path) -> None:
    text = "Voltara now runs 14 experience lounges."
    assert EXTRACTOR.extract(document(text)).claims == []
    rules = catalogue_copy / "extraction.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "dealerships, dealership,", "dealerships, dealership, lounges,"
        ),
        encoding="utf-8",
    )
    (claim,) = Extractor(load_catalogue(catalogue_copy)).extract(document(text)).claims
    assert (claim.metric, claim.value_lo) == ("stores_count", 14)
    assert claim.quote == "14 experience lounges"


def test_a_rule_naming_an_unknown_metric_is_refused(catalogue_copy: Path) -> None:
    rules = catalogue_copy / "extraction.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("metric: employees", "metric: headcount"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="headcount"):
        Extractor(load_catalogue(catalogue_copy))


def test_an_unquoted_yaml_boolean_in_a_phrase_list_is_refused(catalogue_copy: Path) -> None:
    rules = catalogue_copy / "extraction.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace('"on", for', "on, for"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="quote it"):
        Extractor(load_catalogue(catalogue_copy))


def test_claim_new_and_event_new_make_the_rows_their_constructors_make() -> None:
    """The extractor's cheaper constructors: same fields, same order, same ids, same rows."""
    for cls, id_field in ((Claim, "claim_id"), (Event, "event_id")):
        names = [f.name for f in dataclasses.fields(cls)]
        parameters = list(inspect.signature(cls.new).parameters)
        assert sorted(parameters) == sorted(n for n in names if n != id_field)
    found = EXTRACTOR.extract(
        document(" ".join(p.read_text(encoding="utf-8") for p in SEEDS), hint="smart")
    )
    assert found.claims and found.events
    for row in [*found.claims, *found.events]:
        id_field = "claim_id" if isinstance(row, Claim) else "event_id"
        values = {k: v for k, v in vars(row).items() if k != id_field}
        made = type(row)(**values)
        assert made == row and list(vars(made).items()) == list(vars(row).items())
        assert getattr(row, id_field) == getattr(made, id_field)


SUBJECT_PIECES = [
    "smart", "Smart", "SMART", "smart Europe", "smart  Automobile Co., Ltd.", "Smartest",
    "Voltara", "Voltara’s", "led by ", "backed by the ", "with ", " ", ". ", ", ", "\n", "a",
    "40", "#1", "é", "’", "'",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(SUBJECT_PIECES), max_size=25).map("".join),
    st.sampled_from(["Voltara", "smart", "Smart Europe", "O'Neil Bikes"]),
)
def test_the_subject_shortcut_answers_as_the_search(text: str, hint: str) -> None:
    """Page.named_entity skips the alias search where no catalogued alias can start: same
    answer."""
    page = EXTRACTOR.page(document(text, hint=hint))
    if page is None:
        return
    resolver = EXTRACTOR.entities

    def outcome(subject, *args):  # type: ignore[no-untyped-def]
        try:
            return subject(*args)
        except KeyError as exc:  # an alias written with other whitespace: not a catalogue key
            return f"KeyError {exc}"

    for start in range(len(text) + 1):
        for pos in range(start, len(text) + 1):
            expected = outcome(resolver.subject, text, start, pos, page.matcher, page.entity)
            assert outcome(page.named_entity, start, pos) == expected, (start, pos)


def test_a_misspelt_key_in_extraction_yaml_names_the_file_and_the_key(
    catalogue_copy: Path,
) -> None:
    rules = catalogue_copy / "extraction.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("noun_phrase:", "noun_phrse:"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match=r"extraction\.yaml: key noun_phrse: not a key"):
        Extractor(load_catalogue(catalogue_copy))
