import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.programs.groups.schemas import WrseAidRead
from services.programs.institutions.schemas import AdmissionRead, BasicNeedMetRead
from services.programs.programs.schemas import BenefitRead, EnrolmentRead
from shared.types import OfficeTime


class AccessLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: uuid.UUID
    reader: str
    action: str
    at: OfficeTime


class TargetingCandidacyRead(BaseModel):
    """A targeting run that put the person forward: why, and what an officer decided."""

    model_config = ConfigDict(from_attributes=True)

    run_id: uuid.UUID
    rank: int
    region_code: str
    reasons: list[list[Any]] = Field(description="[condition, the person's value, met] per condition met")
    decision: str
    decision_reason: str | None
    decided_by: str | None
    decided_at: OfficeTime | None
    enrolment_id: uuid.UUID | None


class DataExport(BaseModel):
    """Everything the programs service holds on one person (UU 27/2022 subject-access request), in the
    caller's regions. Names and identity numbers are the registry's: its own export holds them."""

    generated_at: OfficeTime
    person_id: uuid.UUID
    enrolments: list[EnrolmentRead]
    benefits: list[BenefitRead]
    admissions: list[AdmissionRead]
    basic_needs_met: list[BasicNeedMetRead]
    wrse_aids: list[WrseAidRead]
    targeting: list[TargetingCandidacyRead]
    access_log: list[AccessLogRead]
