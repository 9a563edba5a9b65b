"""catalogue/extraction.yaml read into typed models (pydantic, extra="forbid"): a misspelt key,
a phrase that YAML read as a boolean or a metric the catalogue lacks is a CatalogueError naming
the file and the key, before any document is read. The engines compile these; no logic here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from flows.catalogue import Catalogue, CatalogueError, read_yaml_mapping

INTERVAL_KINDS = ("above", "at_least", "up_to", "below", "just_below", "band")


def _phrases(values: object) -> object:
    """A list of phrases. YAML reads a bare on/off/yes/no as a boolean: refuse, don't guess."""
    for v in values or ():  # type: ignore[union-attr]
        if not isinstance(v, str):
            raise ValueError(f"phrase {v!r} is not a string (quote it in the YAML)")
    return tuple(values or ())  # type: ignore[arg-type]


Phrases = Annotated[tuple[str, ...], BeforeValidator(_phrases)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NumberVocabulary(_Model):
    words: dict[str, int]
    multipliers: dict[str, int]
    articles: Phrases = ()
    fractions: dict[str, float] = Field(default_factory=dict)
    ordinal_words: dict[str, int]
    ordinal_suffixes: Phrases
    scales: dict[str, float]
    attached_scales: dict[str, float]
    ordinal_scales: dict[str, float] = Field(default_factory=dict)
    currencies: dict[str, str]
    currency_words: dict[str, str] = Field(default_factory=dict)
    implied_currencies: dict[str, str] = Field(default_factory=dict)
    percent_markers: Phrases
    vague_before: Phrases = ()


class Qualifier(_Model):
    name: str  # stored in Claim.qualifier
    interval: Literal["above", "at_least", "up_to", "below", "just_below", "band"]
    phrases: Phrases


class MetricRule(_Model):
    id: str
    metric: str
    nouns: Phrases = ()
    cues: Phrases = ()
    # Cues that decide the rule wherever they stand in the clause, however near another
    # rule's cue is ("investment of VND735 billion in a Series C round" is funding)
    decisive_cues: Phrases = ()
    money: bool = False
    # Filled from metrics.yaml by load_rules, never written in the YAML.
    unit: str = ""
    kind: str = "stock"  # the metric's kind: stock | flow | milestone
    tolerance: float = 0.05
    flow_metric: str | None = None  # the flow of this stock (its `stock_of`)
    milestone_metric: str | None = None  # the milestone of this stock (its `milestone_of`)
    other_currency: str | None = None  # the metric of an amount in another currency


class NounPhrase(_Model):
    max_words: int = Field(ge=0, le=8)
    stop_words: Phrases
    partitives: Phrases = ()
    copulas: Phrases = ()
    rate_words: Phrases = ()
    yearly_rates: Phrases = ()
    compound_heads: Phrases = ()
    modified_by: Phrases = ()
    name_words: Phrases = ()
    not_counts: Phrases = ()


class Flows(_Model):
    modifiers: Phrases
    after_noun: Phrases = ()
    level_modifiers: Phrases = ()
    today_modifiers: Phrases = ()
    before_number: Phrases = ()
    verbs: Phrases
    verbs_with_period: Phrases = ()
    stock_verbs: Phrases = ()
    closing_verbs: Phrases = ()


class ElidedNoun(_Model):
    reach: int = Field(ge=0)
    cues: Phrases
    followers: Phrases
    heads_after: Phrases = ()
    comparisons: Phrases = ()


class Ordinals(_Model):
    own: Phrases
    not_own: Phrases = ()


class OtherSubjectsSpec(_Model):
    name_after: Phrases = ()
    market_nouns: Phrases = ()
    deal_words: Phrases = ()
    verbs: Phrases = ()
    not_names: Phrases = ()


class Announcements(_Model):
    verbs: Phrases = ()
    between: Phrases = ()
    statement_verbs: Phrases = ()


class Arithmetic(_Model):
    and_others: Phrases = ()
    parts: Phrases = ()


class WindowUnit(_Model):
    months: int = 0
    days: int = 0


class Windows(_Model):
    back: Phrases
    ahead: Phrases
    units: dict[str, WindowUnit]
    count_words: dict[str, int] = Field(default_factory=dict)
    ago: Phrases = ()


class PeriodVocabulary(_Model):
    months: dict[str, int]
    parts: dict[str, tuple[int, int]]
    halves: dict[str, int]
    quarters: dict[str, int]
    quarter_nouns: Phrases = ()
    latest_quarter: Phrases = ()
    relative_years: dict[str, int]
    implied_year: Phrases
    relative_months: dict[str, int] = Field(default_factory=dict)
    relative_days: dict[str, int] = Field(default_factory=dict)
    now: Phrases
    weekdays: Phrases = ()
    windows: Windows
    fiscal_year: Phrases = ()
    current_fiscal_year: Phrases = ()
    fiscal_year_names: Phrases = ()
    fiscal_starts: Phrases = ()
    fiscal_ends: Phrases = ()
    prepositions: Phrases
    deadline_prepositions: Phrases
    to_date_prepositions: Phrases = ()
    since_prepositions: Phrases = ()
    range_starts: Phrases = ()
    range_joins: Phrases = ()
    horizon_nouns: Phrases
    not_after: Phrases = ()


class Partnership(_Model):
    id: str
    triggers: Phrases
    list_leads: Phrases = ()


class Launch(_Model):
    id_after: str
    id_before: str
    product_after: Phrases
    product_before: Phrases
    anaphora: Phrases = ()
    generic_product: str


class MarketEntry(_Model):
    id: str
    triggers: Phrases


class EventSpec(_Model):
    partnership: Partnership
    launch: Launch
    market_entry: MarketEntry
    subject_aliases: dict[str, Phrases] = Field(default_factory=dict)


class EventVocabulary(_Model):
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
    places: dict[str, tuple[str, ...]]  # the region scopes of scopes.yaml
    subject_aliases: dict[str, tuple[str, ...]]


class ExtractionFile(_Model):
    """extraction.yaml as written (its comments say what each section means)."""

    numbers: NumberVocabulary
    qualifiers: dict[str, dict]
    metric_rules: tuple[MetricRule, ...]
    noun_phrase: NounPhrase
    flows: Flows
    elided_noun: ElidedNoun
    ordinals: Ordinals
    not_fact_cues: Phrases = ()
    not_money: Phrases = ()
    priced_units: str | None = None
    arithmetic: Arithmetic = Arithmetic()
    other_subjects: OtherSubjectsSpec = OtherSubjectsSpec()
    quote_lead_ins: Phrases = ()
    not_subject_after: Phrases = ()
    planned_cues: Phrases = ()
    planned_participles: Phrases = ()
    announcements: Announcements = Announcements()
    headline_plans: Phrases = ()
    periods: PeriodVocabulary
    events: EventSpec


class Rules(_Model):
    numbers: NumberVocabulary
    qualifiers: tuple[Qualifier, ...]
    metric_rules: tuple[MetricRule, ...]
    noun_phrase: NounPhrase
    flows: Flows
    elided_noun: ElidedNoun
    ordinals: Ordinals
    not_fact_cues: tuple[str, ...]
    not_money: tuple[str, ...]
    priced_units: str | None
    arithmetic: Arithmetic
    other_subjects: OtherSubjectsSpec
    quote_lead_ins: tuple[str, ...]
    not_subject_after: tuple[str, ...]
    planned_cues: tuple[str, ...]
    planned_participles: tuple[str, ...]
    announcements: Announcements
    headline_plans: tuple[str, ...]
    periods: PeriodVocabulary
    events: EventVocabulary
    scopes: dict[str, tuple[str, ...]]  # every scope of scopes.yaml and its aliases


def _qualifiers(spec: dict[str, dict]) -> tuple[Qualifier, ...]:
    return tuple(Qualifier(name=name, **q) for name, q in spec.items())


def _metric_rules(rules: tuple[MetricRule, ...], catalogue: Catalogue, path: Path):
    """Each rule completed from its metric in metrics.yaml (unit, tolerance, flow, milestone)."""
    metrics = catalogue.metrics
    out = []
    for rule in rules:
        if rule.metric not in metrics:
            raise CatalogueError(
                f"{path}: metric_rules: rule {rule.id!r}: metric {rule.metric!r} "
                f"is not in {catalogue.directory / 'metrics.yaml'}"
            )
        if not rule.nouns and not rule.cues:
            raise CatalogueError(
                f"{path}: metric_rules: rule {rule.id!r}: needs nouns, cues or both"
            )
        metric = metrics[rule.metric]
        stock = rule.metric if metric.kind == "stock" else None
        base = metric.subset_of or stock  # paying customers are added as customers
        out.append(
            rule.model_copy(
                update={
                    "unit": metric.unit,
                    "kind": metric.kind,
                    "tolerance": metric.about_tolerance,
                    "flow_metric": _related(metrics, "stock_of", stock)
                    or _related(metrics, "stock_of", base),
                    "milestone_metric": _related(metrics, "milestone_of", stock),
                    "other_currency": metric.other_currency,
                }
            )
        )
    if len({r.id for r in out}) != len(out):
        raise CatalogueError(f"{path}: metric_rules: rule ids must be unique")
    return tuple(out)


def _rule_id(
    rule_id: str | None, rules: tuple[MetricRule, ...], path: Path, key: str
) -> str | None:
    """A rule id named by another key, checked against metric_rules."""
    if rule_id is not None and rule_id not in {r.id for r in rules}:
        raise CatalogueError(f"{path}: {key}: {rule_id!r} is not a rule id of metric_rules")
    return rule_id


def _related(metrics: dict, key: str, stock: str | None) -> str | None:
    """The metric whose `key` (stock_of, milestone_of) is `stock`, if any."""
    if stock is None:
        return None
    return next((m.id for m in metrics.values() if getattr(m, key) == stock), None)


def _events(spec: EventSpec, catalogue: Catalogue) -> EventVocabulary:
    partnership, launch, entry = spec.partnership, spec.launch, spec.market_entry
    return EventVocabulary(
        partnership_id=partnership.id,
        partnership_triggers=partnership.triggers,
        list_leads=partnership.list_leads,
        launch_after_id=launch.id_after,
        launch_before_id=launch.id_before,
        product_after=launch.product_after,
        product_before=launch.product_before,
        anaphora=launch.anaphora,
        generic_product=launch.generic_product,
        market_entry_id=entry.id,
        market_entry_triggers=entry.triggers,
        places={s.name: s.aliases for s in catalogue.scopes.values() if s.kind == "region"},
        subject_aliases=spec.subject_aliases,
    )


def _error_location(exc: ValidationError) -> str:
    """The first problem, a misspelt key before the missing one it causes, in a line."""
    first = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        expected = ", ".join(_keys_at(first["loc"][:-1]))
        return f"key {where}: not a key of this file (a typo?); expected one of: {expected}"
    if first["type"] == "missing":
        return f"key {where}: missing"
    found = repr(first.get("input"))
    found = found if len(found) <= 80 else found[:77] + "..."
    return f"key {where}: {first['msg']} (found {found})"


def _keys_at(loc: tuple) -> list[str]:
    """The keys the file may have where `loc` points (a section of ExtractionFile)."""
    model: type[BaseModel] = ExtractionFile
    for part in loc:
        annotation = (
            model.model_fields[str(part)].annotation if str(part) in model.model_fields else None
        )
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def load_rules(catalogue: Catalogue) -> Rules:
    """Read catalogue.directory/extraction.yaml, checking it against the metric catalogue."""
    path = catalogue.directory / "extraction.yaml"
    try:
        data = ExtractionFile.model_validate(read_yaml_mapping(path))
        qualifiers = _qualifiers(data.qualifiers)
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {_error_location(exc)}") from exc
    except TypeError as exc:
        raise CatalogueError(f"{path}: qualifiers: malformed entry: {exc}") from exc
    return Rules(
        numbers=data.numbers,
        qualifiers=qualifiers,
        metric_rules=_metric_rules(data.metric_rules, catalogue, path),
        noun_phrase=data.noun_phrase,
        flows=data.flows,
        elided_noun=data.elided_noun,
        ordinals=data.ordinals,
        not_fact_cues=data.not_fact_cues,
        not_money=data.not_money,
        priced_units=_rule_id(data.priced_units, data.metric_rules, path, "priced_units"),
        arithmetic=data.arithmetic,
        other_subjects=data.other_subjects,
        quote_lead_ins=data.quote_lead_ins,
        not_subject_after=data.not_subject_after,
        planned_cues=data.planned_cues,
        planned_participles=data.planned_participles,
        announcements=data.announcements,
        headline_plans=data.headline_plans,
        periods=data.periods,
        events=_events(data.events, catalogue),
        scopes={s.name: s.aliases for s in catalogue.scopes.values()},
    )
