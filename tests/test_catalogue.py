"""The typed catalogue (flows/catalogue.py): the real files load; a typo in any of them is a
CatalogueError naming the file, the entry, the key, what was found and what was expected; and
entries that only look odd (optional keys left out) load."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pydantic
import pytest
import yaml

from flows.catalogue import Catalogue, CatalogueError, Entity, Metric, Scope, load_catalogue

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    for name in ("metrics.yaml", "scopes.yaml", "entities.yaml"):
        shutil.copy(REPO / "catalogue" / name, tmp_path / name)
    return tmp_path


def edit(directory: Path, name: str, change: Callable[[dict], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def load_error(directory: Path) -> str:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(directory)
    return str(raised.value)


# --- the catalogue as shipped -----------------------------------------------------------------


def test_the_catalogue_loads_typed() -> None:
    catalogue = load_catalogue(REPO / "catalogue")
    assert isinstance(catalogue, Catalogue)
    stores = catalogue.metric("stores_count")
    assert (stores.family, stores.unit, stores.kind, stores.cumulative) == (
        "stores",
        "stores",
        "stock",
        False,
    )
    assert stores.about_tolerance == 0.05  # the default
    ordinal = catalogue.metric("store_ordinal")
    assert (ordinal.kind, ordinal.milestone_of, ordinal.cumulative) == (
        "milestone",
        "stores_count",
        True,
    )
    assert catalogue.metric("new_stores").stock_of == "stores_count"
    assert catalogue.metric("paying_customers_count").subset_of == "customers_count"
    assert catalogue.metric("revenue_usd").other_currency == "revenue"
    assert catalogue.metric("revenue").unit == "currency"
    assert catalogue.scopes["China"] == Scope(
        name="China",
        kind="region",
        aliases=("China", "Chinese mainland", "mainland China", "Mainland China", "Chinese"),
        within="Asia",
    )
    assert catalogue.scopes["global"].within is None
    assert "smart" in catalogue.entities["smart"].aliases


def test_scope_ancestors_are_the_within_chain_up_to_global() -> None:
    catalogue = load_catalogue(REPO / "catalogue")
    assert catalogue.scope_ancestors("London") == ("UK", "Europe", "global")
    assert catalogue.scope_ancestors("China") == ("Asia", "global")
    assert catalogue.scope_ancestors("international") == ("global",)
    assert catalogue.scope_ancestors("global") == ()
    with pytest.raises(CatalogueError, match=r"unknown scope 'Atlantis'.*scopes\.yaml"):
        catalogue.scope_ancestors("Atlantis")


def test_every_scope_chain_ends_at_global() -> None:
    catalogue = load_catalogue(REPO / "catalogue")
    for name in catalogue.scopes:
        chain = (name, *catalogue.scope_ancestors(name))
        assert chain[-1] == "global", name


def test_unknown_metric_names_the_file() -> None:
    with pytest.raises(CatalogueError, match=r"unknown metric 'stores_china'.*metrics\.yaml"):
        load_catalogue(REPO / "catalogue").metric("stores_china")


def test_models_are_frozen_and_forbid_extra_keys() -> None:
    metric = load_catalogue(REPO / "catalogue").metric("stores_count")
    with pytest.raises(pydantic.ValidationError):
        metric.unit = "shops"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="extra"):
        Entity(name="x", aliases=("x",), founded=1999)  # type: ignore[call-arg]


# --- typos: each an error naming file, entry and key, what was found and what was expected ----


def set_key(section: str, entry: str, key: str, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data[section][entry][key] = value

    return change


def drop_key(section: str, entry: str, key: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        del data[section][entry][key]

    return change


TYPOS = {
    "unknown metric key": (
        "metrics.yaml",
        set_key("metrics", "stores_count", "knd", "stock"),
        ["metric 'stores_count'", "key 'knd'", "unknown key", "did you mean 'kind'", "expected"],
    ),
    "bad kind": (
        "metrics.yaml",
        set_key("metrics", "stores_count", "kind", "stok"),
        ["metric 'stores_count'", "key 'kind'", "found 'stok'", "'stock', 'flow' or 'milestone'"],
    ),
    "missing unit": (
        "metrics.yaml",
        drop_key("metrics", "stores_count", "unit"),
        ["metric 'stores_count'", "key 'unit'", "found nothing", "required"],
    ),
    "tolerance not a number": (
        "metrics.yaml",
        set_key("metrics", "revenue", "about_tolerance", "ten percent"),
        ["metric 'revenue'", "key 'about_tolerance'", "found 'ten percent'", "expected"],
    ),
    "stock_of unknown": (
        "metrics.yaml",
        set_key("metrics", "new_stores", "stock_of", "store_count"),
        ["metric 'new_stores'", "key 'stock_of'", "'store_count'", "did you mean 'stores_count'"],
    ),
    "stock_of a flow": (
        "metrics.yaml",
        set_key("metrics", "new_stores", "stock_of", "new_markets"),
        ["metric 'new_stores'", "key 'stock_of'", "'new_markets', a flow", "a stock metric"],
    ),
    "milestone_of unknown": (
        "metrics.yaml",
        set_key("metrics", "store_ordinal", "milestone_of", "stores"),
        ["metric 'store_ordinal'", "key 'milestone_of'", "'stores'", "expected"],
    ),
    "milestone without milestone_of": (
        "metrics.yaml",
        drop_key("metrics", "store_ordinal", "milestone_of"),
        ["metric 'store_ordinal'", "key 'milestone_of'", "found nothing", "expected"],
    ),
    "subset_of unknown": (
        "metrics.yaml",
        set_key("metrics", "paying_customers_count", "subset_of", "customer_count"),
        ["metric 'paying_customers_count'", "key 'subset_of'", "'customer_count'", "expected"],
    ),
    "subset_of in another unit": (
        "metrics.yaml",
        set_key("metrics", "paying_customers_count", "subset_of", "stores_count"),
        ["key 'subset_of'", "'stores_count' in 'stores'", "same unit, 'customers'"],
    ),
    "other_currency unknown": (
        "metrics.yaml",
        set_key("metrics", "revenue_usd", "other_currency", "revenues"),
        ["metric 'revenue_usd'", "key 'other_currency'", "'revenues'", "expected"],
    ),
    "other_currency not in a currency": (
        "metrics.yaml",
        set_key("metrics", "revenue_usd", "other_currency", "funding_usd"),
        ["key 'other_currency'", "'funding_usd' in 'USD'", "'currency'"],
    ),
    "a metric that is a list": (
        "metrics.yaml",
        lambda data: data["metrics"].update(employees=["people", "stock"]),
        ["metric 'employees'", "found a list", "expected a mapping"],
    ),
    "unknown top-level key": (
        "metrics.yaml",
        lambda data: data.update(metric={}),
        ["top-level key 'metric'", "expected only 'metrics'"],
    ),
    "within unknown": (
        "scopes.yaml",
        set_key("scopes", "UK", "within", "Eurpe"),
        ["scope 'UK'", "key 'within'", "found 'Eurpe'", "did you mean 'Europe'", "expected"],
    ),
    "within cycle": (
        "scopes.yaml",
        set_key("scopes", "Europe", "within", "London"),
        ["scope 'Europe'", "key 'within'", "cycle (Europe -> London -> UK -> Europe)"],
    ),
    "scope without within": (
        "scopes.yaml",
        drop_key("scopes", "Japan", "within"),
        ["scope 'Japan'", "key 'within'", "found nothing", "'global' at the top"],
    ),
    "global within something": (
        "scopes.yaml",
        set_key("scopes", "global", "within", "Europe"),
        ["scope 'global'", "key 'within'", "found 'Europe'", "expected nothing"],
    ),
    "bad scope kind": (
        "scopes.yaml",
        set_key("scopes", "Japan", "kind", "country"),
        ["scope 'Japan'", "key 'kind'", "found 'country'", "'region' or 'segment'"],
    ),
    "unknown scope key": (
        "scopes.yaml",
        set_key("scopes", "Japan", "parent", "Asia"),
        ["scope 'Japan'", "key 'parent'", "unknown key", "expected one of kind, aliases, within"],
    ),
    "aliases as text": (
        "scopes.yaml",
        set_key("scopes", "Japan", "aliases", "Japan"),
        ["scope 'Japan'", "key 'aliases'", "found 'Japan'", "expected"],
    ),
    "an alias of two scopes": (
        "scopes.yaml",
        set_key("scopes", "Japan", "aliases", ["Japan", "Korea"]),
        ["scope 'South Korea'", "key 'aliases'", "found 'Korea'", "already an alias of 'Japan'"],
    ),
    "no global scope": (
        "scopes.yaml",
        lambda data: data["scopes"].pop("global"),
        ["scope 'global'", "found nothing", "expected it declared"],
    ),
    "unknown entity key": (
        "entities.yaml",
        set_key("entities", "smart", "alias", ["smart"]),
        ["entity 'smart'", "key 'alias'", "did you mean 'aliases'"],
    ),
}


@pytest.mark.parametrize("typo", TYPOS, ids=list(TYPOS))
def test_a_typo_is_an_error_naming_file_entry_key_found_and_expected(
    catalogue_dir: Path, typo: str
) -> None:
    file, change, expected = TYPOS[typo]
    edit(catalogue_dir, file, change)
    message = load_error(catalogue_dir)
    assert message.startswith(f"{catalogue_dir / file}: "), message
    for words in expected:
        assert words in message, message


def test_an_unreadable_file_names_itself(catalogue_dir: Path) -> None:
    (catalogue_dir / "scopes.yaml").write_text("scopes: [unclosed\n", encoding="utf-8")
    assert load_error(catalogue_dir).startswith(f"{catalogue_dir / 'scopes.yaml'}: cannot read")


# --- look-alikes that must load ---------------------------------------------------------------


def test_a_metric_with_only_its_required_keys_loads(catalogue_dir: Path) -> None:
    edit(
        catalogue_dir,
        "metrics.yaml",
        lambda data: data["metrics"].update(
            gyms_count={"description": "Gyms.", "family": "gyms", "unit": "gyms", "kind": "stock"},
            visits={"description": "Visits.", "family": "gyms", "unit": "visits", "kind": "flow"},
        ),
    )
    catalogue = load_catalogue(catalogue_dir)
    assert catalogue.metric("gyms_count") == Metric(
        id="gyms_count", description="Gyms.", family="gyms", unit="gyms", kind="stock"
    )
    visits = catalogue.metric("visits")  # a flow that adds to no stock
    assert (visits.stock_of, visits.cumulative, visits.about_tolerance) == (None, False, 0.05)


def test_a_scope_without_aliases_and_an_entity_without_entries_load(catalogue_dir: Path) -> None:
    edit(
        catalogue_dir,
        "scopes.yaml",
        lambda data: data["scopes"].update(Lyon={"kind": "region", "within": "France"}),
    )
    edit(catalogue_dir, "entities.yaml", lambda data: data["entities"].update(Voltara=None))
    catalogue = load_catalogue(catalogue_dir)
    assert catalogue.scopes["Lyon"].aliases == ()
    assert catalogue.scope_ancestors("Lyon") == ("France", "Europe", "global")
    assert catalogue.entities["Voltara"] == Entity(name="Voltara", aliases=("Voltara",))


def test_same_alias_twice_in_one_scope_and_a_nested_chain_load(catalogue_dir: Path) -> None:
    def change(data: dict) -> None:
        data["scopes"]["Lyon"] = {"kind": "region", "within": "France", "aliases": ["Lyon"] * 2}
        data["scopes"]["Vieux Lyon"] = {"kind": "region", "within": "Lyon"}

    edit(catalogue_dir, "scopes.yaml", change)
    ancestors = load_catalogue(catalogue_dir).scope_ancestors("Vieux Lyon")
    assert ancestors == ("Lyon", "France", "Europe", "global")


def test_without_scopes_yaml_every_claim_is_global(catalogue_dir: Path) -> None:
    (catalogue_dir / "scopes.yaml").unlink()
    catalogue = load_catalogue(catalogue_dir)
    assert list(catalogue.scopes) == ["global"]
    assert catalogue.scope_ancestors("global") == ()


def test_an_edited_file_is_read_again(catalogue_dir: Path) -> None:
    before = load_catalogue(catalogue_dir)
    assert load_catalogue(catalogue_dir) is before
    edit(
        catalogue_dir,
        "scopes.yaml",
        lambda data: data["scopes"].update(Lyon={"kind": "region", "within": "France"}),
    )
    assert "Lyon" in load_catalogue(catalogue_dir).scopes
    assert "Lyon" not in before.scopes
