"""Estimating the model's parameters from the registry itself, as splink does (the approach of
Fellegi–Sunter with EM, Winkler 1988; splink's training recipe):

1. u, how often two *different* people agree at each level: counted on random pairs of people of one
   region (two random people are almost never one person).
2. m, how often two records of *one* person agree at each level: by expectation–maximisation on the
   pairs of one blocking rule at a time, with u fixed. A rule's own fields are left out of its session
   (pairs that were chosen for sharing a birth date say nothing about how often duplicates share
   one), so each session estimates the other fields; a field's m is the mean over the sessions that
   estimated it.
3. λ, the prior: the number of true pairs, from the birth-date session (its expected matches divided
   by the share of duplicates that share a birth date, m(exact) + m(swapped)), over the number of
   pairs of people in the same region.

EM runs on tables of distinct comparison patterns with their counts (a few hundred rows whatever the
number of pairs), in plain Python: small, fast, and readable in full here."""

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.registry.matching.blocking import candidate_pairs
from services.registry.matching.comparisons import (
    BIRTH_DATE,
    FIELDS,
    HOUSEHOLD,
    MISSING,
    Levels,
    Rec,
    compare,
)
from services.registry.matching.model import MatchModel

# The defaults (model.DEFAULT) as a Dirichlet prior: each field's counts get pseudo-counts worth this
# share of the observed ones (and at least one pair), spread as the defaults are. Where the data are
# rich the prior is invisible; a level the sample never shows keeps the defaults' odds rather than a
# weight of ±infinity.
PRIOR_SHARE = 0.01


def _smoothed(counts: list[float], default: Sequence[float]) -> list[float]:
    strength = PRIOR_SHARE * sum(counts) + 1.0
    total = sum(counts) + strength
    return [(c + strength * d) / total for c, d in zip(counts, default, strict=True)]


@dataclass(frozen=True)
class Session:
    rule: str  # a blocking rule of blocking.RULES
    excluded: frozenset[int]  # the fields the rule fixes: not estimated in this session


# Two sessions estimate every field: the birth-date one all but the birth date, the KK one all but
# the household. (A session blocked on names would leave only the birth date and sex when the NIK is
# missing: too little for EM to tell duplicates from namesakes.)
SESSIONS = (
    Session("birth_date", frozenset({BIRTH_DATE})),
    Session("kk_number", frozenset({HOUSEHOLD})),
)


@dataclass
class SessionReport:
    rule: str
    pairs: int
    patterns: int
    iterations: int
    converged: bool
    expected_matches: float


@dataclass
class Estimation:
    model: MatchModel
    people: int
    partitions: int
    random_pairs: int
    population_pairs: int
    expected_true_pairs: float
    sessions: list[SessionReport] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "partitions": self.partitions,
            "random_pairs": self.random_pairs,
            "population_pairs": self.population_pairs,
            "expected_true_pairs": round(self.expected_true_pairs, 1),
            "sessions": [vars(s) for s in self.sessions],
        }


def u_from_random_pairs(
    partitions: Sequence[Sequence[Rec]], pairs: int, rng: random.Random, default: MatchModel
) -> tuple[list[list[float]], int]:
    """u from random pairs within partitions, drawn in proportion to each partition's pair count."""
    sizes = [len(p) * (len(p) - 1) // 2 for p in partitions]
    total = sum(sizes)
    counts = [[0.0] * len(f.levels) for f in FIELDS]
    drawn = 0
    if total == 0:
        return [list(u) for u in default.u], 0
    for part, size in zip(partitions, sizes, strict=True):
        n = len(part)
        for _ in range(round(pairs * size / total)):
            i, j = rng.randrange(n), rng.randrange(n - 1)
            if j >= i:
                j += 1
            for f, level in enumerate(compare(part[i], part[j])):
                if level != MISSING:
                    counts[f][level] += 1
            drawn += 1
    return [_smoothed(c, d) for c, d in zip(counts, default.u, strict=True)], drawn


def em_session(
    patterns: Mapping[Levels, int],
    u: Sequence[Sequence[float]],
    m_start: Sequence[Sequence[float]],
    m_default: Sequence[Sequence[float]],
    excluded: frozenset[int],
    *,
    prior_start: float = 0.05,
    max_iterations: int = 200,
    tolerance: float = 1e-7,
) -> tuple[list[list[float]], float, int, bool]:
    """EM with u fixed: returns (m, λ among these pairs, iterations, converged). m of the excluded
    fields is returned as it came."""
    rows = list(patterns.items())
    total = sum(c for _, c in rows)
    included = [f for f in range(len(FIELDS)) if f not in excluded]
    log_u = [[math.log2(max(x, 1e-12)) for x in us] for us in u]
    m = [list(ms) for ms in m_start]
    prior = prior_start
    iterations, converged = 0, False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (returned)
        log_m = [[math.log2(max(x, 1e-12)) for x in ms] for ms in m]
        counts = [[0.0] * len(f.levels) for f in FIELDS]
        matches = 0.0
        prior_weight = math.log2(prior / (1 - prior))
        for levels, count in rows:
            weight = prior_weight
            for f in included:
                level = levels[f]
                if level != MISSING:
                    weight += log_m[f][level] - log_u[f][level]
            p = 1.0 / (1.0 + 2.0 ** -max(min(weight, 60.0), -60.0))
            expected = p * count
            matches += expected
            for f in included:
                level = levels[f]
                if level != MISSING:
                    counts[f][level] += expected
        new_prior = min(max(matches / total, 1e-9), 1 - 1e-9)
        new_m = [_smoothed(counts[f], m_default[f]) if f in included else m[f] for f in range(len(FIELDS))]
        change = max(
            abs(new_prior - prior),
            *(abs(a - b) for f in included for a, b in zip(m[f], new_m[f], strict=True)),
        )
        m, prior = new_m, new_prior
        if change < tolerance:
            converged = True
            break
    return m, prior, iterations, converged


def estimate(
    partitions: Sequence[Sequence[Rec]],
    start: MatchModel,
    *,
    random_pairs: int = 1_000_000,
    seed: int = 0,
) -> Estimation:
    """The model's parameters from people grouped by region (each group a partition of a scan)."""
    rng = random.Random(seed)
    people = sum(len(p) for p in partitions)
    population = sum(len(p) * (len(p) - 1) // 2 for p in partitions)
    u, drawn = u_from_random_pairs(partitions, random_pairs, rng, start)
    estimates: list[list[list[float]]] = [[] for _ in FIELDS]
    reports: list[SessionReport] = []
    session_matches: dict[str, float] = {}
    for session in SESSIONS:
        patterns: Counter[Levels] = Counter()
        for part in partitions:
            for i, j in candidate_pairs(part, rules=[session.rule]):
                patterns[compare(part[i], part[j])] += 1
        pairs = sum(patterns.values())
        if pairs == 0:
            reports.append(SessionReport(session.rule, 0, 0, 0, False, 0.0))
            continue
        m, prior, iterations, converged = em_session(patterns, u, start.m, start.m, session.excluded)
        for f in range(len(FIELDS)):
            if f not in session.excluded:
                estimates[f].append(m[f])
        session_matches[session.rule] = prior * pairs
        reports.append(
            SessionReport(session.rule, pairs, len(patterns), iterations, converged, round(prior * pairs, 1))
        )
    m_final = [
        [sum(ms[level] for ms in found) / len(found) for level in range(len(FIELDS[f].levels))]
        if found
        else list(start.m[f])
        for f, found in enumerate(estimates)
    ]
    # The birth-date rule finds the duplicates that share a birth date (or have it swapped) and whose
    # two records both have one: its expected matches over that share is the number of duplicate
    # pairs in the sample.
    dated = sum(r.birth_date is not None for p in partitions for r in p) / people if people else 0.0
    recall = (m_final[BIRTH_DATE][0] + m_final[BIRTH_DATE][1]) * dated * dated
    true_pairs = session_matches.get("birth_date", 0.0) / recall if recall > 0 else 0.0
    prior = true_pairs / population if population and true_pairs > 0 else start.prior
    model = MatchModel(
        prior=prior, m=m_final, u=u, people_per_region=people / len(partitions) if partitions else 1.0
    )
    return Estimation(
        model=model,
        people=people,
        partitions=len(partitions),
        random_pairs=drawn,
        population_pairs=population,
        expected_true_pairs=true_pairs,
        sessions=reports,
    )
