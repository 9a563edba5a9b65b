"""The catalogue of metrics, scopes and entities: data files under catalogue/, read into typed
models (pydantic, `extra="forbid"`), so that a typo in a file people edit is a CatalogueError
naming the file, the entry, the key, what was found and what was expected, never a silent
default or a KeyError three stages later.

- metrics.yaml: what a claim can measure (unit, stock | flow | milestone, whether its level
  can fall, and how metrics relate: `stock_of`, `milestone_of`, `subset_of`, `other_currency`);
- scopes.yaml: where a number holds (global, a region, a country, a segment), each scope
  `within` the one it is a part of, up to `global`;
- entities.yaml: the companies and the names they go by.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flows.model_errors import did_you_mean, expected

GLOBAL_SCOPE = "global"  # the scope of a claim whose text names no place or segment
CURRENCY_UNIT = "currency"  # a metric whose claims carry the amount's own currency code as unit
CURRENCY_CODE = "[A-Z]{3}"  # what such a unit looks like (ISO 4217: EUR, GBP, CNY), as a regex
# `can_fall` when metrics.yaml leaves it out: a stock's level may go down (stores close), so a
# fall is only a warning unless the file says it cannot; the Nth one reached stays reached. A
# flow has no level to fall (a later period's amount may be smaller): it never carries the key.
DEFAULT_CAN_FALL = {"stock": True, "milestone": False}


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file, the entry and the key."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# No count or amount reaches 10^15 (a world's GDP in any currency is below it).
MAX_VALUE = 1e15


class Metric(_Entry):
    """One metric of metrics.yaml (the file's header says what each key means)."""

    id: str
    description: str
    family: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    kind: Literal["stock", "flow", "milestone"]
    can_fall: bool | None = None  # None for a flow only (see DEFAULT_CAN_FALL)
    stock_of: str | None = None
    milestone_of: str | None = None
    subset_of: str | None = None
    other_currency: str | None = None
    about_tolerance: float = Field(default=0.05, ge=0, lt=1)
    max_value: float = Field(default=MAX_VALUE, gt=0, le=MAX_VALUE)

    @model_validator(mode="before")
    @classmethod
    def _kind_default_can_fall(cls, data: object) -> object:
        """A stock or milestone without `can_fall` gets its kind's default (DEFAULT_CAN_FALL);
        whether the key fits the kind is checked with the other keys (_check_metric_can_fall)."""
        if isinstance(data, dict) and data.get("can_fall") is None:
            default = DEFAULT_CAN_FALL.get(data.get("kind"))  # type: ignore[arg-type]
            if default is not None:
                return {**data, "can_fall": default}
        return data

    @property
    def cumulative(self) -> bool:
        """The level never decreases (a stock that cannot fall, or a milestone)."""
        return self.kind != "flow" and not self.can_fall

    def accepts_unit(self, unit: str) -> bool:
        """A claim's unit fits the metric: its own unit, or for unit `currency` a currency
        code (the SQL checks say the same with CURRENCY_CODE)."""
        if self.unit == CURRENCY_UNIT:
            return re.fullmatch(CURRENCY_CODE, unit) is not None
        return unit == self.unit


class Scope(_Entry):
    """One scope of scopes.yaml: where a number holds. `within` is the scope it is a part of
    (None for global only)."""

    name: str
    kind: Literal["region", "segment"]
    aliases: tuple[str, ...] = ()
    within: str | None = None


class Entity(_Entry):
    """One entity of entities.yaml: its canonical name, the names it goes by, its products."""

    name: str
    aliases: tuple[str, ...]
    products: tuple[str, ...] = ()


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    directory: Path
    metrics: dict[str, Metric] = Field(default_factory=dict)
    entities: dict[str, Entity] = Field(default_factory=dict)
    scopes: dict[str, Scope] = Field(default_factory=dict)

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            raise CatalogueError(
                f"unknown metric {metric_id!r}: not in {self.directory / 'metrics.yaml'}"
            ) from None

    def scope_ancestors(self, name: str) -> tuple[str, ...]:
        """The scopes `name` lies within, nearest first, ending with global: ("Asia",
        "global") for China, () for global itself. The loader has ruled out cycles."""
        if name not in self.scopes:
            raise CatalogueError(f"unknown scope {name!r}: not in {self.directory / 'scopes.yaml'}")
        chain = []
        within = self.scopes[name].within
        while within is not None:
            chain.append(within)
            within = self.scopes[within].within
        return tuple(chain)


# libyaml's safe loader (in PyYAML's wheels): the same documents as yaml.safe_load, ~10x
# faster; a run reads the catalogues several times (~50 ms a time in pure Python).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path, error: type[ValueError] = CatalogueError) -> dict:
    """A YAML file whose top level is a mapping; `error` names the file and the problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return data


# --- reading one file ------------------------------------------------------------------------


def _section(path: Path, key: str) -> dict:
    """The one top-level mapping of a catalogue file (`metrics:`, `scopes:`, `entities:`)."""
    data = read_yaml_mapping(path)
    unknown = sorted(str(k) for k in data if k != key)
    if unknown:
        raise CatalogueError(
            f"{path}: top-level key {unknown[0]!r}: found an unknown key; expected only {key!r}"
        )
    section = data.get(key) or {}
    if not isinstance(section, dict):
        raise CatalogueError(
            f"{path}: key {key!r}: found {_kind_of(section)}; expected a mapping of entries"
        )
    return section


def _entries(path: Path, key: str, label: str, model: type[_Entry], id_field: str) -> dict:
    """Each entry of the file's section as `model`, or the first problem as a CatalogueError."""
    return {
        str(name): _entry(path, label, str(name), model, id_field, spec)
        for name, spec in _section(path, key).items()
    }


def _entry(path: Path, label: str, name: str, model: type[_Entry], id_field: str, spec: object):
    """One entry as `model` (its name set as `id_field`), or a CatalogueError."""
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise CatalogueError(
            f"{path}: {label} {name!r}: found {_kind_of(spec)}; expected a mapping of keys"
        )
    if id_field in spec:
        raise CatalogueError(
            f"{path}: {label} {name!r}, key {id_field!r}: found a key that the entry's name "
            "sets; expected it left out"
        )
    try:
        return model.model_validate({id_field: name, **spec})
    except ValidationError as exc:
        raise CatalogueError(_describe(path, label, name, model, exc)) from None


def _describe(path: Path, label: str, name: str, model: type[_Entry], exc: ValidationError) -> str:
    """The first of pydantic's errors, as file, entry, key, found and expected."""
    error = exc.errors(include_url=False)[0]
    key = ".".join(str(part) for part in error["loc"]) or "?"
    where = f"{path}: {label} {name!r}, key {key!r}"
    if error["type"] == "extra_forbidden":
        known = [f for f in model.model_fields if f not in ("id", "name")]
        hint = did_you_mean(key, known)
        return f"{where}: found an unknown key{hint}; expected one of {', '.join(known)}"
    if error["type"] == "missing":
        return f"{where}: found nothing; expected a value (the key is required)"
    return f"{where}: found {error.get('input')!r}; expected {expected(error)}"


def _kind_of(value: object) -> str:
    return {list: "a list", str: f"the text {value!r}"}.get(type(value), type(value).__name__)


# --- references between entries --------------------------------------------------------------


def _metrics(path: Path) -> dict[str, Metric]:
    metrics = _entries(path, "metrics", "metric", Metric, "id")
    for metric in metrics.values():
        _check_metric_references(path, metric, metrics)
    for metric in metrics.values():
        _no_cycle(path, "metric", metric.id, "subset_of", lambda m: metrics[m].subset_of)
    return metrics


def _check_metric_references(path: Path, metric: Metric, metrics: dict[str, Metric]) -> None:
    def bad(key: str, found: str, expected: str) -> CatalogueError:
        return CatalogueError(
            f"{path}: metric {metric.id!r}, key {key!r}: found {found}; expected {expected}"
        )

    def referenced(key: str) -> Metric | None:
        ref = getattr(metric, key)
        if ref is None:
            return None
        if ref not in metrics:
            raise bad(
                key,
                f"{ref!r}, which is not a metric of this file{did_you_mean(ref, metrics)}",
                "the id of a metric in metrics.yaml",
            )
        return metrics[ref]

    _check_metric_can_fall(metric, bad)
    stock = referenced("stock_of")
    if stock is not None and metric.kind != "flow":
        raise bad("stock_of", f"it on a {metric.kind}", "stock_of on a flow only")
    if stock is not None and stock.kind != "stock":
        raise bad("stock_of", f"{stock.id!r}, a {stock.kind}", "a stock metric")
    counted = referenced("milestone_of")
    if metric.kind == "milestone" and counted is None:
        raise bad("milestone_of", "nothing", "the stock whose Nth unit a milestone names")
    if counted is not None and metric.kind != "milestone":
        raise bad("milestone_of", f"it on a {metric.kind}", "milestone_of on a milestone only")
    if counted is not None and counted.kind != "stock":
        raise bad("milestone_of", f"{counted.id!r}, a {counted.kind}", "a stock metric")
    superset = referenced("subset_of")
    if superset is not None and superset.id == metric.id:
        raise bad("subset_of", "the metric itself", "another metric")
    if superset is not None and superset.unit != metric.unit:
        raise bad(
            "subset_of",
            f"{superset.id!r} in {superset.unit!r}",
            f"a metric in the same unit, {metric.unit!r}",
        )
    other = referenced("other_currency")
    if other is not None and other.unit != CURRENCY_UNIT:
        raise bad(
            "other_currency",
            f"{other.id!r} in {other.unit!r}",
            f"a metric whose unit is {CURRENCY_UNIT!r} (the amount's own currency)",
        )


def _check_metric_can_fall(metric: Metric, bad: Callable[[str, str, str], CatalogueError]) -> None:
    """`can_fall` fits the kind: a flow has no level (nothing to fall), and a milestone, the Nth
    one reached, stays reached (the checks make any fall of it an error)."""
    if metric.kind == "flow" and metric.can_fall is not None:
        raise bad(
            "can_fall",
            f"{str(metric.can_fall).lower()} on a flow",
            "can_fall on a stock or a milestone only (a flow is an amount over its period; a "
            "later period's may be smaller without anything falling)",
        )
    if metric.kind == "milestone" and metric.can_fall:
        raise bad(
            "can_fall",
            "true on a milestone",
            "false or nothing (the Nth one reached stays reached)",
        )


def _scopes(path: Path) -> dict[str, Scope]:
    if not path.exists():  # a catalogue from before scopes: every claim is global
        return {GLOBAL_SCOPE: Scope(name=GLOBAL_SCOPE, kind="segment")}
    scopes = _entries(path, "scopes", "scope", Scope, "name")
    if GLOBAL_SCOPE not in scopes:
        raise CatalogueError(
            f"{path}: scope {GLOBAL_SCOPE!r}: found nothing; expected it declared (the scope "
            "of a claim that names no place, and the top of every `within` chain)"
        )
    for scope in scopes.values():
        where = f"{path}: scope {scope.name!r}, key 'within'"
        if scope.name == GLOBAL_SCOPE:
            if scope.within is not None:
                raise CatalogueError(
                    f"{where}: found {scope.within!r}; expected nothing (global is the top)"
                )
        elif scope.within is None:
            raise CatalogueError(
                f"{where}: found nothing; expected the scope it is a part of "
                f"({GLOBAL_SCOPE!r} at the top)"
            )
        elif scope.within not in scopes:
            raise CatalogueError(
                f"{where}: found {scope.within!r}, which is not a scope of this file"
                f"{did_you_mean(scope.within, scopes)}; expected the name of a scope"
            )
    for scope in scopes.values():
        _no_cycle(path, "scope", scope.name, "within", lambda s: scopes[s].within)
    seen: dict[str, str] = {}
    for scope in scopes.values():
        for alias in scope.aliases:
            if seen.setdefault(alias, scope.name) != scope.name:
                raise CatalogueError(
                    f"{path}: scope {scope.name!r}, key 'aliases': found {alias!r}, already an "
                    f"alias of {seen[alias]!r}; expected each alias to name one scope"
                )
    return scopes


def _no_cycle(path: Path, label: str, start: str, key: str, step) -> None:
    chain = [start]
    following = step(start)
    while following is not None:
        if following in chain:
            loop = " -> ".join([*chain[chain.index(following) :], following])
            raise CatalogueError(
                f"{path}: {label} {start!r}, key {key!r}: found a cycle ({loop}); "
                f"expected a chain that ends"
            )
        chain.append(following)
        following = step(following)


def _entities(path: Path) -> dict[str, Entity]:
    entities = {}
    for name, spec in _section(path, "entities").items():
        if spec is None or (isinstance(spec, dict) and "aliases" not in spec):
            spec = {"aliases": [str(name)], **(spec or {})}  # it goes by its name alone
        entities[str(name)] = _entry(path, "entity", str(name), Entity, "name", spec)
    return entities


# --- the catalogue ---------------------------------------------------------------------------


def catalogue_version(directory: Path) -> tuple:
    """The catalogue files' names, modification times and sizes: changes when any file does."""
    return tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path in sorted(directory.glob("*.yaml"))
        for stat in (path.stat(),)
    )


def load_catalogue(directory: Path) -> Catalogue:
    """Load metrics.yaml, scopes.yaml and entities.yaml from `directory`, cached per version
    of its files (a long-lived process sees an edited catalogue on its next call). Without a
    scopes.yaml the catalogue has the one scope `global`."""
    return _load_catalogue(directory, catalogue_version(directory))


@lru_cache(maxsize=8)
def _load_catalogue(directory: Path, version: tuple) -> Catalogue:
    return Catalogue(
        directory=directory,
        metrics=_metrics(directory / "metrics.yaml"),
        entities=_entities(directory / "entities.yaml"),
        scopes=_scopes(directory / "scopes.yaml"),
    )
