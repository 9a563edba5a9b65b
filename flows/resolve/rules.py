"""The resolution rules (checks/resolution.yaml), read into typed models.

Every key is checked (pydantic, `extra="forbid"`): a typo is a ResolutionRulesError naming the
file, the rule and the key, what was found and what was expected. How each method weighs two
sides is code (flows/resolve/disputes.py); which rules apply, in what order and with what
thresholds is data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flows.catalogue import read_yaml_mapping
from flows.model_errors import did_you_mean, expected

RULES_FILE = "resolution.yaml"


class ResolutionRulesError(ValueError):
    """checks/resolution.yaml is malformed; the message names the file, the entry and the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OwnRelease(_Model):
    """How to tell a company's own release from a report about it, from the manifest."""

    kinds: tuple[str, ...] = ()
    """Values of a `kind` column of raw.documents that mean the company's own release (used
    only when ingest records one)."""
    publisher_patterns: tuple[str, ...] = ()
    """Regular expressions (case-insensitive) that, found in the publisher, mark a release."""
    publisher_names_entity: bool = True
    """The publisher is the entity's name or one of its aliases (catalogue/entities.yaml)."""
    url_host_names_entity: bool = True
    """A label of the url's host is the entity's name or alias, letters and digits only
    (smart.com, global.smart.com for smart; smart-europe.com is not smart's)."""

    @field_validator("publisher_patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"a regular expression ({pattern!r}: {exc})") from None
        return patterns

    def is_own_release(
        self, names: frozenset[str], publisher: str | None, url: str | None, kind: str | None
    ) -> bool:
        """Whether a document is the release of the entity going by `names` (normalised with
        `plain`)."""
        if kind is not None and kind in self.kinds:
            return True
        if publisher and any(re.search(p, publisher, re.I) for p in self.publisher_patterns):
            return True
        if self.publisher_names_entity and publisher and plain(publisher) in names:
            return True
        if self.url_host_names_entity and url:
            labels = (urlsplit(url).hostname or "").split(".")
            return any(plain(label) in names for label in labels[:-1])  # not the TLD
        return False


def plain(name: str) -> str:
    """A name as compared with another: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


class _Rule(_Model):
    id: str = Field(min_length=1)
    description: str = Field(min_length=1)


class LaterLevel(_Rule):
    """Where every claim is a level of a metric that can fall, the side stated wholly later
    supersedes the other."""

    method: Literal["later_level"]


class IndependentSources(_Rule):
    """The side with more independent sources (distinct publishers where known, else distinct
    documents; a document on both sides counts for neither) wins."""

    method: Literal["independent_sources"]
    min_sources: int = Field(default=2, ge=1)
    """At least this many sources on the winning side ("documents that agree")."""
    min_margin: int = Field(default=1, ge=1)
    """And at least this many more than the other side."""


class OwnReleaseWins(_Rule):
    """For claims about one date: the side stated by the company's own release, when the other
    side has none, wins."""

    method: Literal["own_release"]


Rule = Annotated[LaterLevel | IndependentSources | OwnReleaseWins, Field(discriminator="method")]


class ResolutionRules(_Model):
    """checks/resolution.yaml: how to recognise an own release, and the rules in priority order."""

    own_release: OwnRelease = OwnRelease()
    rules: tuple[Rule, ...] = ()

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"each rule id once ({rule.id!r} appears twice)")
            seen.add(rule.id)
        return rules

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


NO_RULES = ResolutionRules()  # every dispute a tie: both sides quarantined, as before resolution


def load_resolution_rules(checks_dir: Path) -> ResolutionRules:
    """checks_dir/resolution.yaml; a missing file means no rules (every dispute is a tie)."""
    path = checks_dir / RULES_FILE
    if not path.exists():
        return NO_RULES
    data = read_yaml_mapping(path, ResolutionRulesError)
    try:
        return ResolutionRules.model_validate(data)
    except ValidationError as exc:
        raise ResolutionRulesError(describe(path, data, exc)) from None


def describe(path: Path, data: dict, exc: ValidationError) -> str:
    """pydantic's first error as file, entry, key, found and expected."""
    error = exc.errors(include_url=False)[0]
    loc = list(error["loc"])
    if loc[:1] == ["rules"] and len(loc) > 2 and loc[2] in METHODS:
        del loc[2]  # pydantic puts a rule's method (the union's tag) in the path
    where, model, keys = locate(data, loc)
    key = ".".join(str(k) for k in keys) or "?"
    prefix = f"{path}: {where}, key {key!r}"
    if error["type"] == "extra_forbidden":
        known = list(model.model_fields)
        hint = did_you_mean(str(keys[-1]), known)
        return f"{prefix}: found an unknown key{hint}; expected one of {', '.join(known)}"
    if error["type"] == "missing":
        return f"{prefix}: found nothing; expected a value (the key is required)"
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        found = error["input"].get("method") if isinstance(error["input"], dict) else None
        return f"{path}: {where}, key 'method': found {found!r}; expected one of " + ", ".join(
            repr(m) for m in METHODS
        )
    return f"{prefix}: found {error.get('input')!r}; expected {expected(error)}"


def locate(data: dict, loc: list) -> tuple[str, type[BaseModel], list]:
    """Where an error is, for people ("rule #2 ('x')"), the model there, and the key path in it."""
    if loc[:1] == ["rules"] and len(loc) > 1 and isinstance(loc[1], int):
        rules = data.get("rules") or []
        entry = rules[loc[1]] if loc[1] < len(rules) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        method = entry.get("method") if isinstance(entry, dict) else None
        where = f"rule #{loc[1] + 1}" + (f" ({name!r})" if name else "")
        return where, METHODS.get(method, _Rule), loc[2:]
    if loc[:1] == ["own_release"] and len(loc) > 1:
        return "own_release", OwnRelease, loc[1:]
    return "top level", ResolutionRules, loc


METHODS: dict[str, type[_Rule]] = {
    "later_level": LaterLevel,
    "independent_sources": IndependentSources,
    "own_release": OwnReleaseWins,
}
