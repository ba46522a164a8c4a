import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import OfficeTime

PpksCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", examples=["08"], description="PPKS type, 01–26")]
AssessmentStatus = Literal["active", "resolved_independent", "resolved_other"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class AssessmentCreate(BaseModel):
    ppks_type: PpksCode
    assessed_on: date
    assessor: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(default=None, description="Who assessed; defaults to the caller")
    evidence_note: Note | None = None


class AssessmentUpdate(BaseModel):
    status: AssessmentStatus | None = Field(
        default=None, description="resolved_independent = mandiri (counts for the RPJMD indicator)"
    )
    resolved_on: date | None = Field(default=None, description="Defaults to today when resolving")
    evidence_note: Note | None = None


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    ppks_type: str
    region_code: str
    assessed_on: date
    assessor: str
    status: AssessmentStatus
    resolved_on: date | None
    evidence_note: str | None
    created_at: OfficeTime
    updated_at: OfficeTime
