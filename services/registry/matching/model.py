"""The Fellegi–Sunter model: for every field and level, m = P(level | same person) and
u = P(level | different people) among candidate pairs, and the prior λ = the share of candidate
pairs that are the same person. A level's match weight is log2(m/u); a pair's score is the posterior
probability that it is one person, P = 1 / (1 + 2^-(log2(λ/(1-λ)) + Σ weights)), in [0, 1]. A missing
field adds nothing. m, u and λ are estimated by EM (em.py) from the registry's own pairs."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from services.registry.matching.comparisons import (
    FIELDS,
    MISSING,
    NIK,
    Levels,
    nik_shared_by_different_people,
)

Decision = Literal["match", "possible", "no_match"]
NIK_SHARED = "nik_shared_by_different_people"
REJECTED = "rejected_as_different_people"
_FLOOR = 1e-6


@dataclass(frozen=True)
class Thresholds:
    match: float = 0.95
    possible: float = 0.5

    def decide(self, score: float, flags: Iterable[str] = ()) -> Decision:
        flags = set(flags)
        if REJECTED in flags:
            return "no_match"
        if NIK_SHARED in flags:
            return "possible"  # an officer looks at it; never merged on the NIK's word
        if score >= self.match:
            return "match"
        if score >= self.possible:
            return "possible"
        return "no_match"


@dataclass
class MatchModel:
    prior: float  # P(one person) for two random people of one region
    m: list[list[float]]
    u: list[list[float]]
    # How many people a region (a scan partition) holds: an online record's prior of being a given
    # candidate is the chance it is registered at all over this (see online_prior_weight).
    people_per_region: float = 50_000.0
    # Lookup tables filled from m and u: weights[f][level], with a 0.0 at the end so that
    # weights[f][MISSING] (index -1) adds nothing.
    weights: list[list[float]] = field(init=False, repr=False)
    prior_weight: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.m) != len(FIELDS) or len(self.u) != len(FIELDS):
            raise ValueError("one list of m and u probabilities per field")
        for f, m, u in zip(FIELDS, self.m, self.u, strict=True):
            if len(m) != len(f.levels) or len(u) != len(f.levels):
                raise ValueError(f"{f.name}: one m and u per level {f.levels}")
        self.weights = [[*_monotone(_log_odds(ms, us)), 0.0] for ms, us in zip(self.m, self.u, strict=True)]
        prior = min(max(self.prior, _FLOOR), 1 - _FLOOR)
        self.prior_weight = math.log2(prior / (1 - prior))

    def online_prior_weight(self, registered_share: float) -> float:
        """The prior for a record sent to the online match against one candidate: the record's person
        is registered with probability `registered_share`, and then is one of the region's people."""
        prior = min(max(registered_share / max(self.people_per_region, 1.0), _FLOOR), 0.5)
        return math.log2(prior / (1 - prior))

    def match_weight(
        self, levels: Levels, *, skip: int | None = None, prior_weight: float | None = None
    ) -> float:
        w = self.weights
        total = self.prior_weight if prior_weight is None else prior_weight
        for f, level in enumerate(levels):
            if f != skip:
                total += w[f][level]
        return total

    def score(self, levels: Levels, *, skip: int | None = None, prior_weight: float | None = None) -> float:
        return probability(self.match_weight(levels, skip=skip, prior_weight=prior_weight))

    def assess(self, levels: Levels, *, prior_weight: float | None = None) -> tuple[float, list[str]]:
        """(score, flags). A NIK shared by two different people is scored on the other fields."""
        if nik_shared_by_different_people(levels):
            return self.score(levels, skip=NIK, prior_weight=prior_weight), [NIK_SHARED]
        return self.score(levels, prior_weight=prior_weight), []

    def evidence(self, levels: Levels, *, name_similarity: float | None = None) -> list[dict[str, Any]]:
        """What each field said: its level and how strongly (the match weight, log2 of m/u: positive
        for evidence of one person, negative against). Values are never repeated here."""
        out: list[dict[str, Any]] = []
        for f, (spec, level) in enumerate(zip(FIELDS, levels, strict=True)):
            item: dict[str, Any] = {
                "field": spec.name,
                "level": "missing" if level == MISSING else spec.levels[level],
                "weight": round(self.weights[f][level], 2),
            }
            if spec.name == "name" and name_similarity is not None and level != MISSING:
                item["similarity"] = round(name_similarity, 3)
            out.append(item)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "people_per_region": round(self.people_per_region, 1),
            "fields": {
                spec.name: {
                    "levels": list(spec.levels),
                    "m": [round(x, 8) for x in m],
                    "u": [round(x, 8) for x in u],
                }
                for spec, m, u in zip(FIELDS, self.m, self.u, strict=True)
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "MatchModel":
        """Fields or levels added since the parameters were stored take the defaults' values."""
        fields = data.get("fields", {})
        m, u = [], []
        for f, spec in enumerate(FIELDS):
            stored = fields.get(spec.name)
            if stored and list(stored.get("levels", [])) == list(spec.levels):
                m.append([float(x) for x in stored["m"]])
                u.append([float(x) for x in stored["u"]])
            else:
                m.append(list(DEFAULT.m[f]))
                u.append(list(DEFAULT.u[f]))
        return cls(
            prior=float(data.get("prior", DEFAULT.prior)),
            m=m,
            u=u,
            people_per_region=float(data.get("people_per_region", DEFAULT.people_per_region)),
        )


def _log_odds(m: Sequence[float], u: Sequence[float]) -> list[float]:
    return [math.log2(max(a, _FLOOR) / max(b, _FLOOR)) for a, b in zip(m, u, strict=True)]


def _monotone(weights: list[float]) -> list[float]:
    """Levels run from the strongest agreement to none: a weaker agreement never counts for more than
    a stronger one, whatever a sample's quirks (e.g. exact names, which blocking on names makes
    common among candidate pairs, would otherwise weigh less than near names)."""
    out: list[float] = []
    for w in weights:
        out.append(min(w, out[-1]) if out else w)
    return out


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-weight))


def normalised(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


# Used until the registry has parameters of its own (POST /api/v1/matching/models estimates them),
# as EM's starting point, and as the prior belief that EM's estimates are drawn towards where the
# data say little (a level the sample never shows keeps these odds). Set by hand from what is known
# of Indonesian registry data: m from how duplicates differ (typos, missing NIKs, moved households),
# u from random pairs of people in one regency of a generated feed (bench/dtks_feed.py).
DEFAULT = MatchModel(
    prior=5e-7,
    m=[
        normalised([0.93, 0.02, 0.05]),
        normalised([0.62, 0.25, 0.06, 0.04, 0.005, 0.025]),
        normalised([0.88, 0.02, 0.03, 0.02, 0.05]),
        normalised([0.99, 0.01]),
        normalised([0.55, 0.12, 0.03, 0.1, 0.04, 0.06, 0.06, 0.04]),
    ],
    u=[
        normalised([2e-6, 1e-6, 1.0]),
        normalised([6e-4, 1.4e-4, 2e-4, 6e-3, 3.5e-3, 0.99]),
        normalised([4e-5, 1e-6, 0.016, 2e-6, 0.98]),
        normalised([0.5, 0.5]),
        normalised([6e-5, 2e-4, 5e-4, 4e-3, 4e-3, 0.056, 0.935, 1e-3]),
    ],
)
