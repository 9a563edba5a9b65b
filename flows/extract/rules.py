"""catalogue/extraction.yaml loaded into typed records. The engines compile these; no logic here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.catalogue import Catalogue, CatalogueError, read_yaml_mapping

INTERVAL_KINDS = ("above", "at_least", "up_to", "below", "just_below", "band")


@dataclass(frozen=True)
class NumberVocabulary:
    words: dict[str, int]
    multipliers: dict[str, int]
    ordinal_words: dict[str, int]
    ordinal_suffixes: tuple[str, ...]
    scales: dict[str, float]
    attached_scales: dict[str, float]
    currencies: dict[str, str]
    percent_markers: tuple[str, ...]


@dataclass(frozen=True)
class Qualifier:
    name: str  # stored in Claim.qualifier
    interval: str  # one of INTERVAL_KINDS
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class MetricRule:
    id: str
    metric: str
    unit: str  # from metrics.yaml
    tolerance: float  # the metric's about_tolerance
    nouns: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    money: bool = False


@dataclass(frozen=True)
class PeriodVocabulary:
    months: dict[str, int]
    parts: dict[str, tuple[int, int]]
    halves: dict[str, int]
    quarters: dict[str, int]
    relative_years: dict[str, int]
    implied_year: tuple[str, ...]
    now: tuple[str, ...]
    prepositions: tuple[str, ...]
    deadline_prepositions: tuple[str, ...]
    horizon_nouns: tuple[str, ...]


@dataclass(frozen=True)
class EventVocabulary:
    partnership_id: str
    partnership_triggers: tuple[str, ...]
    list_leads: tuple[str, ...]
    launch_after_id: str
    launch_before_id: str
    product_after: tuple[str, ...]
    product_before: tuple[str, ...]
    anaphora: tuple[str, ...]
    generic_product: str
    market_entry_id: str
    market_entry_triggers: tuple[str, ...]
    places: dict[str, tuple[str, ...]]
    subject_aliases: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Rules:
    numbers: NumberVocabulary
    qualifiers: tuple[Qualifier, ...]
    noun_modifiers: tuple[str, ...]
    metric_rules: tuple[MetricRule, ...]
    quote_lead_ins: tuple[str, ...]
    not_subject_after: tuple[str, ...]
    planned_cues: tuple[str, ...]
    periods: PeriodVocabulary
    events: EventVocabulary


def _strs(values: Any) -> tuple[str, ...]:
    """A list of phrases. YAML reads a bare on/off/yes/no as a boolean: refuse, don't guess."""
    out = tuple(values or ())
    for v in out:
        if not isinstance(v, str):
            raise ValueError(f"phrase {v!r} is not a string (quote it in the YAML)")
    return out


def _numbers(spec: dict) -> NumberVocabulary:
    return NumberVocabulary(
        words={k: int(v) for k, v in spec["words"].items()},
        multipliers={k: int(v) for k, v in spec["multipliers"].items()},
        ordinal_words={k: int(v) for k, v in spec["ordinal_words"].items()},
        ordinal_suffixes=_strs(spec["ordinal_suffixes"]),
        scales={k: float(v) for k, v in spec["scales"].items()},
        attached_scales={k: float(v) for k, v in spec["attached_scales"].items()},
        currencies={str(k): str(v) for k, v in spec["currencies"].items()},
        percent_markers=_strs(spec["percent_markers"]),
    )


def _qualifiers(spec: dict, path: Path) -> tuple[Qualifier, ...]:
    out = []
    for name, q in spec.items():
        if q["interval"] not in INTERVAL_KINDS:
            raise CatalogueError(
                f"{path}: qualifier {name!r}: interval must be one of {INTERVAL_KINDS}"
            )
        out.append(Qualifier(name=name, interval=q["interval"], phrases=_strs(q["phrases"])))
    return tuple(out)


def _metric_rules(specs: list[dict], catalogue: Catalogue, path: Path) -> tuple[MetricRule, ...]:
    rules = []
    for spec in specs:
        rule_id = spec.get("id", "?")
        if spec.get("metric") not in catalogue.metrics:
            raise CatalogueError(
                f"{path}: rule {rule_id!r}: metric {spec.get('metric')!r} "
                f"is not in {catalogue.directory / 'metrics.yaml'}"
            )
        if not spec.get("nouns") and not spec.get("cues"):
            raise CatalogueError(f"{path}: rule {rule_id!r}: needs nouns, cues or both")
        metric = catalogue.metrics[spec["metric"]]
        rules.append(
            MetricRule(
                id=rule_id,
                metric=metric.id,
                unit=metric.unit,
                tolerance=metric.about_tolerance,
                nouns=_strs(spec.get("nouns")),
                cues=_strs(spec.get("cues")),
                money=bool(spec.get("money", False)),
            )
        )
    if len({r.id for r in rules}) != len(rules):
        raise CatalogueError(f"{path}: metric rule ids must be unique")
    return tuple(rules)


def _periods(spec: dict) -> PeriodVocabulary:
    return PeriodVocabulary(
        months={str(k): int(v) for k, v in spec["months"].items()},
        parts={str(k): (int(v[0]), int(v[1])) for k, v in spec["parts"].items()},
        halves={str(k): int(v) for k, v in spec["halves"].items()},
        quarters={str(k): int(v) for k, v in spec["quarters"].items()},
        relative_years={str(k): int(v) for k, v in spec["relative_years"].items()},
        implied_year=_strs(spec["implied_year"]),
        now=_strs(spec["now"]),
        prepositions=_strs(spec["prepositions"]),
        deadline_prepositions=_strs(spec["deadline_prepositions"]),
        horizon_nouns=_strs(spec["horizon_nouns"]),
    )


def _events(spec: dict) -> EventVocabulary:
    partnership, launch, entry = spec["partnership"], spec["launch"], spec["market_entry"]
    return EventVocabulary(
        partnership_id=partnership["id"],
        partnership_triggers=_strs(partnership["triggers"]),
        list_leads=_strs(partnership.get("list_leads")),
        launch_after_id=launch["id_after"],
        launch_before_id=launch["id_before"],
        product_after=_strs(launch["product_after"]),
        product_before=_strs(launch["product_before"]),
        anaphora=_strs(launch.get("anaphora")),
        generic_product=str(launch["generic_product"]),
        market_entry_id=entry["id"],
        market_entry_triggers=_strs(entry["triggers"]),
        places={str(k): _strs(v) for k, v in spec["places"].items()},
        subject_aliases={str(k): _strs(v) for k, v in (spec.get("subject_aliases") or {}).items()},
    )


def load_rules(catalogue: Catalogue) -> Rules:
    """Read catalogue.directory/extraction.yaml, checking it against the metric catalogue."""
    path = catalogue.directory / "extraction.yaml"
    data = read_yaml_mapping(path)
    try:
        return Rules(
            numbers=_numbers(data["numbers"]),
            qualifiers=_qualifiers(data["qualifiers"], path),
            noun_modifiers=_strs(data.get("noun_modifiers")),
            metric_rules=_metric_rules(data["metric_rules"], catalogue, path),
            quote_lead_ins=_strs(data.get("quote_lead_ins")),
            not_subject_after=_strs(data.get("not_subject_after")),
            planned_cues=_strs(data.get("planned_cues")),
            periods=_periods(data["periods"]),
            events=_events(data["events"]),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise CatalogueError(f"{path}: missing or malformed entry: {exc!r}") from exc
