"""`can_fall` in catalogue/metrics.yaml: whether a level can go down, which sets the severity
of a fall (count_fell warns, cumulative_never_decreases errs). Declared per stock and
milestone, defaulted by kind, validated against the kind, and staged for the SQL checks."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.catalogue import CatalogueError, load_catalogue
from flows.validate import prepare_staging

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    for name in ("metrics.yaml", "scopes.yaml", "entities.yaml"):
        shutil.copy(REPO / "catalogue" / name, tmp_path / name)
    return tmp_path


def set_metric_key(directory: Path, metric: str, key: str, value: object) -> None:
    path = directory / "metrics.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["metrics"][metric][key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_the_shipped_catalogue_says_which_counts_can_fall() -> None:
    metrics = load_catalogue(REPO / "catalogue").metrics
    can_fall = {m: metrics[m].can_fall for m in metrics}
    # presence can fall: stores close, countries are left, customers and staff leave
    for metric in ("stores_count", "markets_count", "customers_count", "employees"):
        assert can_fall[metric] is True
    # what was reached stays reached: markets ever entered, the Nth store, units delivered
    for metric in ("market_entry_ordinal", "store_ordinal", "cumulative_deliveries"):
        assert can_fall[metric] is False
    # a flow has no level to fall
    assert {
        m for m, spec in metrics.items() if spec.kind == "flow" and can_fall[m] is not None
    } == set()
    # every stock and milestone states it (the default is not relied on)
    raw = yaml.safe_load((REPO / "catalogue" / "metrics.yaml").read_text(encoding="utf-8"))
    undeclared = [
        m for m, spec in raw["metrics"].items() if spec["kind"] != "flow" and "can_fall" not in spec
    ]
    assert undeclared == []


def test_left_out_a_stock_can_fall_and_a_milestone_cannot(catalogue_dir: Path) -> None:
    path = catalogue_dir / "metrics.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["metrics"]["gyms_count"] = {
        "description": "Gyms.",
        "family": "gyms",
        "unit": "gyms",
        "kind": "stock",
    }
    data["metrics"]["gym_ordinal"] = {
        "description": "The Nth gym.",
        "family": "gyms",
        "unit": "gyms",
        "kind": "milestone",
        "milestone_of": "gyms_count",
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    metrics = load_catalogue(catalogue_dir).metrics
    assert (metrics["gyms_count"].can_fall, metrics["gyms_count"].cumulative) == (True, False)
    assert (metrics["gym_ordinal"].can_fall, metrics["gym_ordinal"].cumulative) == (False, True)


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        (
            "new_stores",
            True,
            [
                "metric 'new_stores'",
                "key 'can_fall'",
                "found true on a flow",
                "expected can_fall on a stock or a milestone only",
            ],
        ),
        (
            "store_ordinal",
            True,
            [
                "metric 'store_ordinal'",
                "key 'can_fall'",
                "found true on a milestone",
                "expected false or nothing",
            ],
        ),
        (
            "stores_count",
            "sometimes",
            [
                "metric 'stores_count'",
                "key 'can_fall'",
                "found 'sometimes'",
                "expected a valid boolean",
            ],
        ),
    ],
)
def test_a_can_fall_that_does_not_fit_names_file_metric_key_found_and_expected(
    catalogue_dir: Path, metric: str, value: object, expected: list[str]
) -> None:
    set_metric_key(catalogue_dir, metric, "can_fall", value)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(catalogue_dir)
    message = str(raised.value)
    assert str(catalogue_dir / "metrics.yaml") in message
    for part in expected:
        assert part in message


def test_a_misspelt_can_fall_is_an_unknown_key_with_a_hint(catalogue_dir: Path) -> None:
    set_metric_key(catalogue_dir, "stores_count", "can_fal", False)
    with pytest.raises(CatalogueError, match=r"key 'can_fal'.*did you mean 'can_fall'"):
        load_catalogue(catalogue_dir)


def test_the_checks_read_can_fall_from_staging(catalogue_dir: Path) -> None:
    from flows.warehouse import connect

    con: duckdb.DuckDBPyConnection = connect(":memory:")
    try:
        prepare_staging(con, load_catalogue(catalogue_dir), [], date(2026, 11, 1))
        rows = dict(
            ((metric, (can_fall, cumulative)))
            for metric, can_fall, cumulative in con.execute(
                "select metric, can_fall, cumulative from staging.metric_catalogue"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows["stores_count"] == (True, False)
    assert rows["cumulative_deliveries"] == (False, True)
    # a milestone cannot fall, but its value is a floor, not a level GX's series can bound
    assert rows["store_ordinal"] == (False, False)
    assert rows["new_stores"] == (None, False)
