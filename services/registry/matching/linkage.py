"""Linking a set of records: blocking, comparison and scoring, the CPU-bound heart of a scan and of
parameter estimation. Pure Python and rapidfuzz: no database, no event loop (callers run it in a
thread)."""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.registry.matching.blocking import candidate_pairs
from services.registry.matching.comparisons import Levels, Rec, compare
from services.registry.matching.model import NIK_SHARED, MatchModel


@dataclass(frozen=True)
class ScoredPair:
    i: int
    j: int
    levels: Levels
    score: float
    flags: tuple[str, ...]


@dataclass
class Linked:
    pairs: list[ScoredPair] = field(default_factory=list)  # those kept
    patterns: Counter[Levels] = field(default_factory=Counter)  # every candidate pair's levels
    compared: int = 0


def link(
    records: Sequence[Rec],
    model: MatchModel,
    *,
    inside: int | None = None,
    keep_from: float = 0.5,
    count_patterns: bool = False,
) -> Linked:
    """Compare the candidate pairs of `records`; keep those scoring at least `keep_from`, and every
    NIK shared by two different people whatever its score."""
    out = Linked()
    w0, w1, w2, w3, w4 = model.weights
    prior_weight = model.prior_weight
    patterns = out.patterns
    # The posterior is monotonic in the match weight: compare weights, compute a probability only
    # for the pairs kept.
    keep_weight = _weight_of(keep_from)
    for i, j in candidate_pairs(records, inside):
        levels = compare(records[i], records[j])
        out.compared += 1
        if count_patterns:
            patterns[levels] += 1
        l0, l1, l2, l3, l4 = levels
        total = prior_weight + w0[l0] + w1[l1] + w2[l2] + w3[l3] + w4[l4]
        if total >= keep_weight or l0 == 0:  # an exact NIK may be a NIK shared by two people
            score, flags = model.assess(levels)
            if score >= keep_from or NIK_SHARED in flags:
                out.pairs.append(ScoredPair(i, j, levels, score, tuple(flags)))
    return out


def patterns_of(records: Sequence[Rec]) -> tuple[Counter[Levels], int]:
    """The comparison patterns of every candidate pair (what EM estimates from)."""
    counts: Counter[Levels] = Counter()
    for i, j in candidate_pairs(records):
        counts[compare(records[i], records[j])] += 1
    return counts, sum(counts.values())


def _weight_of(probability: float) -> float:
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))
