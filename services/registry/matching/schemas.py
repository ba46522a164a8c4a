import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from services.registry.people.schemas import PersonRead
from shared.types import OfficeTime, RegionCode

MAX_RECORDS = 1000
Decision = Literal["match", "possible", "no_match"]
Digits = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,20}$")]


class MatchRecord(BaseModel):
    """A record to find in the registry. Any of the fields may be missing; a NIK or KK number that is
    not 16 digits is kept for what it can still say (nothing, for a NIK of the wrong length)."""

    ref: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="Your own id for the record, echoed back", examples=["victim-0042"]
    )
    person_id: uuid.UUID | None = Field(
        default=None,
        description="A registered person to find duplicates of: missing fields are taken from them, "
        "they are left out of their own candidates, and pairs already judged to be two people say so",
    )
    nik: Digits | None = Field(default=None, examples=["6371014506850001"])
    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(default=None, examples=["Hj. Siti Rahmah"])
    birth_date: date | None = Field(default=None, examples=["1985-06-05"])
    sex: Literal["M", "F"] | None = None
    region_code: RegionCode | None = None
    kk_number: Digits | None = Field(default=None, examples=["6371011203150002"])
    address: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, examples=["Jl. Pramuka No. 12"]
    )

    @model_validator(mode="after")
    def _something_to_match_on(self) -> "MatchRecord":
        if not (self.nik or self.full_name or self.kk_number or self.person_id):
            raise ValueError("a record needs at least a nik, full_name, kk_number or person_id")
        return self


class MatchRequest(BaseModel):
    records: list[MatchRecord] = Field(
        min_length=1,
        max_length=MAX_RECORDS,
        description=f"Up to {MAX_RECORDS} records per call",
        examples=[[{"full_name": "Siti Rahmah", "birth_date": "1985-06-05", "region_code": "63.71.01.1001"}]],
    )
    top: int = Field(default=5, ge=1, le=20, description="Candidates returned per record, best first")


class FieldEvidence(BaseModel):
    field: str = Field(examples=["name"])
    level: str = Field(description="How the field agreed, or `missing`", examples=["one_typo"])
    weight: float = Field(
        description="How strongly: log2 of m/u; positive speaks for one person, negative against",
        examples=[9.8],
    )
    similarity: float | None = Field(default=None, description="Names: Jaro–Winkler, 0–1")


class Evidence(BaseModel):
    fields: list[FieldEvidence]
    flags: list[str] = Field(
        default_factory=list,
        description="`nik_shared_by_different_people`: the same NIK on two clearly different people; "
        "`rejected_as_different_people`: an officer judged this pair to be two people",
    )
    match_weight: float = Field(description="The prior's weight plus the fields' weights")


class Candidate(BaseModel):
    person: PersonRead
    score: float = Field(ge=0, le=1, description="Posterior probability that the two are one person")
    decision: Decision
    evidence: Evidence


class MatchResult(BaseModel):
    index: int = Field(description="The record's position in the request")
    ref: str | None = None
    decision: Decision = Field(description="The best candidate's decision; no_match without candidates")
    candidates: list[Candidate]
    warnings: list[str] = Field(default_factory=list)


class Thresholds(BaseModel):
    match: float
    possible: float


class MatchResponse(BaseModel):
    results: list[MatchResult]
    model_id: uuid.UUID | None = Field(description="The parameters used; null: the built-in defaults")
    thresholds: Thresholds


class LevelParameters(BaseModel):
    levels: list[str]
    m: list[float]
    u: list[float]
    weights: list[float]


class ModelRead(BaseModel):
    id: uuid.UUID | None = Field(description="null: the built-in defaults, no estimate stored yet")
    prior: float
    people_per_region: float
    fields: dict[str, LevelParameters]
    estimated_from: dict[str, Any]
    created_by: str | None
    created_at: OfficeTime | None
    thresholds: Thresholds


class EstimateRequest(BaseModel):
    region: RegionCode | None = Field(default=None, description="Learn from this region only")
    people: int | None = Field(
        default=None, ge=1000, le=2_000_000, description="At most this many people (whole regencies)"
    )
