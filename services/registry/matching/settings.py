"""Matching's settings: decision thresholds and sizes, from the environment (`KESSOS_MATCH_*`)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.registry.matching.model import Thresholds


class MatchingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KESSOS_MATCH_", extra="ignore")

    # A pair is one person (`match`) from this score, worth an officer's look (`possible`) from that.
    threshold: float = Field(default=0.95, gt=0, le=1)
    possible_threshold: float = Field(default=0.5, gt=0, le=1)
    # Online match: the share of the records sent that are expected to be registered at all (a
    # disaster victim may well not be). With the regency's size it makes the prior of a candidate.
    registered_share: float = Field(default=0.5, gt=0, lt=1)
    # Scans: a regency with more people than this is scanned district by district.
    partition_people: int = Field(default=60_000, ge=1_000)
    # Partitions one registry process links at the same time (the others wait their turn).
    scan_concurrency: int = Field(default=2, ge=1)
    # Parameter estimation: how many people (whole regencies, in code order) to learn from.
    estimation_people: int = Field(default=250_000, ge=1_000)

    def thresholds(self) -> Thresholds:
        return Thresholds(match=self.threshold, possible=min(self.possible_threshold, self.threshold))


@lru_cache(maxsize=1)
def settings() -> MatchingSettings:
    return MatchingSettings()
