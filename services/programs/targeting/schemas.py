import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import OfficeTime, RegionCode

Decision = Literal["pending", "accepted", "excluded"]
RunStatus = Literal["requested", "computing", "completed", "failed"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]

CONDITION_EXAMPLE = {
    "all": [
        {"attribute": "welfare_decile", "op": "lte", "value": 2},
        {"attribute": "age", "op": "between", "value": [6, 17]},
        {"not": {"attribute": "enrolled_in", "op": "any", "value": ["0b7f6c1e-8d1a-4d4e-9a53-3c8d0f0e2a11"]}},
    ]
}


class RuleCreate(BaseModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    condition: dict[str, Any] = Field(
        description=(
            "A tree of `all` / `any` / `not` over leaves `{attribute, op, value}`. Attributes: "
            "welfare_decile, age (on `age_on`), household_size (int: eq ne lt lte gt gte between in); "
            "sex (M/F), relationship (hubungan keluarga 1–8) (eq ne in); disability (eq true/false); "
            "region (within [prefixes]); ppks (has {types: [01…26], status: [active …]}); "
            "enrolled_in (any [program ids])."
        ),
        examples=[CONDITION_EXAMPLE],
    )
    priority: list[str] = Field(
        default=["welfare_decile", "oldest_assessment"],
        description="Ranking keys in order: welfare_decile (lowest first), oldest_assessment, age_desc, "
        "age_asc, household_size_desc. The person id breaks remaining ties.",
    )
    quota: dict[str, Any] | None = Field(
        default=None,
        description="Most candidates per region: {level: regency|district|village, per_region, regions}",
        examples=[{"level": "regency", "per_region": 100, "regions": {"63.71": 250}}],
    )
    age_on: date | None = Field(
        default=None, description="The day ages are counted on (default: effective_from)"
    )
    effective_from: date
    effective_to: date | None = None


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    program_id: uuid.UUID
    version: int
    description: str | None
    condition: dict[str, Any]
    priority: list[str]
    quota: dict[str, Any] | None
    age_on: date
    effective_from: date
    effective_to: date | None
    created_by: str
    created_at: OfficeTime


class RunCreate(BaseModel):
    rule_version: int | None = Field(
        default=None, ge=1, description="Default: the version in effect on `as_of`"
    )
    as_of: date | None = Field(default=None, description="Default: today")
    region_code: RegionCode | None = Field(
        default=None, description="Consider only people under this region (default: the program's)"
    )


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    program_id: uuid.UUID
    rule_id: uuid.UUID
    rule_version: int
    region_code: str
    status: RunStatus
    requested_by: str
    requested_at: OfficeTime
    snapshot_at: OfficeTime | None = Field(description="The registry state the run read")
    completed_at: OfficeTime | None
    people_scanned: int | None
    eligible_count: int | None = Field(description="People who meet the rule")
    over_quota_count: int | None = Field(description="Eligible people left out by a region's quota")
    candidate_count: int | None
    error: str | None


class ReasonRead(BaseModel):
    path: str = Field(description="The rule part, e.g. condition.all.0", examples=["condition.all.0"])
    attribute: str
    op: str
    value: Any
    actual: Any = Field(description="The person's value (masked without pii:read for personal data)")
    met: bool


class CandidateRead(BaseModel):
    person_id: uuid.UUID
    rank: int
    region_code: str
    sex: str | None
    age_group: str
    welfare_decile: int | None
    reasons: list[ReasonRead] = Field(description="The conditions the person meets")
    decision: Decision
    decision_reason: str | None
    decided_by: str | None
    decided_at: OfficeTime | None
    enrolment_id: uuid.UUID | None


class Explanation(BaseModel):
    run_id: uuid.UUID
    person_id: uuid.UUID
    qualified: bool = Field(description="Whether the person meets the run's rule")
    candidate: bool
    rank: int | None
    decision: Decision | None
    reasons: list[ReasonRead] = Field(description="Met conditions if qualified, else the failed ones")
    note: str
    registry_changed_since_run: bool | None = Field(
        description="The person's registry record changed after the run's snapshot (for a person "
        "who is not a candidate, the reasons come from the record as it is now)"
    )


class AcceptCandidate(BaseModel):
    period_start: date
    period_end: date


class BulkAccept(AcceptCandidate):
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class ExcludeCandidate(BaseModel):
    reason: Reason = Field(examples=["Sudah menerima bantuan serupa dari kabupaten"])


class Refusal(BaseModel):
    person_id: uuid.UUID
    problem: str
    detail: str


class BulkResult(BaseModel):
    accepted: list[CandidateRead]
    refused: list[Refusal]


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    run_id: uuid.UUID
    person_id: uuid.UUID
    action: str
    reason: str | None
    enrolment_id: uuid.UUID | None
    decided_by: str
    decided_at: OfficeTime


class FairnessRow(BaseModel):
    group: str
    population: int = Field(description="Active registry people of the group in the run's region")
    eligible: int = Field(description="Of them, people who meet the rule")
    candidates: int
    accepted: int
    candidate_rate: float | None = Field(description="candidates ÷ eligible")
    selection_ratio: float | None = Field(description="The group's candidate_rate ÷ the overall one")
    flagged: bool = Field(description="selection_ratio below 0.8 or above 1.25 (the four-fifths rule)")


class FairnessRead(BaseModel):
    run_id: uuid.UUID
    overall: FairnessRow
    by_region: list[FairnessRow] = Field(description="By regency")
    by_sex: list[FairnessRow]
    by_age_group: list[FairnessRow]


# ---- the worker's side (role `service`) ----


class RunSpec(BaseModel):
    run_id: uuid.UUID
    program_id: uuid.UUID
    region_code: str
    status: RunStatus
    rule_version: int
    condition: dict[str, Any]
    priority: list[str]
    quota: dict[str, Any] | None
    age_on: date


class CandidateIn(BaseModel):
    person_id: uuid.UUID
    rank: int = Field(ge=1)
    region_code: RegionCode
    sex: Literal["M", "F"] | None
    age_group: str
    welfare_decile: int | None
    reasons: list[tuple[str, Any, bool]] = Field(
        description="[path, actual, met] per condition met; attribute, op and value are the rule's"
    )


class CandidateBatch(BaseModel):
    candidates: list[CandidateIn] = Field(max_length=20_000)


class RunOutcome(BaseModel):
    status: Literal["completed", "failed"]
    snapshot_at: OfficeTime | None = None
    people_scanned: int = 0
    eligible_count: int = 0
    over_quota_count: int = 0
    candidate_count: int = 0
    population: list[list[Any]] = Field(
        default_factory=list, description="[[district, sex, age_group, population, eligible], ...]"
    )
    error: str | None = None


class EnrolledPeople(BaseModel):
    programs: dict[str, list[uuid.UUID]]
