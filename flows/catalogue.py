"""The metric and entity catalogue: data files under catalogue/, loaded into typed records."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Metric:
    id: str
    description: str
    unit: str
    kind: str  # stock | flow
    cumulative: bool = False
    stock_of: str | None = None
    parts: tuple[str, ...] = ()
    subset_of: str | None = None
    about_tolerance: float = 0.05


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...]
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    directory: Path
    metrics: dict[str, Metric] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            raise CatalogueError(
                f"unknown metric {metric_id!r}: not in {self.directory / 'metrics.yaml'}"
            ) from None


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


def _metrics(path: Path) -> dict[str, Metric]:
    metrics = {}
    for metric_id, spec in read_yaml_mapping(path).get("metrics", {}).items():
        try:
            metrics[metric_id] = Metric(
                id=metric_id,
                description=spec["description"],
                unit=spec["unit"],
                kind=spec["kind"],
                cumulative=bool(spec.get("cumulative", False)),
                stock_of=spec.get("stock_of"),
                parts=tuple(spec.get("parts", ())),
                subset_of=spec.get("subset_of"),
                about_tolerance=float(spec.get("about_tolerance", 0.05)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueError(f"{path}: metric {metric_id!r}: missing or bad {exc}") from exc
        if spec["kind"] not in ("stock", "flow"):
            raise CatalogueError(f"{path}: metric {metric_id!r}: kind must be stock or flow")
    for metric in metrics.values():
        for ref in (metric.stock_of, metric.subset_of, *metric.parts):
            if ref is not None and ref not in metrics:
                raise CatalogueError(f"{path}: metric {metric.id!r} refers to unknown {ref!r}")
    return metrics


def _entities(path: Path) -> dict[str, Entity]:
    entities = {}
    for name, spec in read_yaml_mapping(path).get("entities", {}).items():
        spec = spec or {}
        entities[name] = Entity(
            name=name,
            aliases=tuple(spec.get("aliases", [name])),
            products=tuple(spec.get("products", ())),
        )
    return entities


def catalogue_version(directory: Path) -> tuple:
    """The catalogue files' names, modification times and sizes: changes when any file does."""
    return tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path in sorted(directory.glob("*.yaml"))
        for stat in (path.stat(),)
    )


def load_catalogue(directory: Path) -> Catalogue:
    """Load metrics.yaml and entities.yaml from `directory`, cached per version of its files
    (a long-lived process sees an edited catalogue on its next call)."""
    return _load_catalogue(directory, catalogue_version(directory))


@lru_cache(maxsize=8)
def _load_catalogue(directory: Path, version: tuple) -> Catalogue:
    return Catalogue(
        directory=directory,
        metrics=_metrics(directory / "metrics.yaml"),
        entities=_entities(directory / "entities.yaml"),
    )
