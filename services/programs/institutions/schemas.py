import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import RegionCode

# By SPM service (PP 2/2018): disabilitas, anak, lanjut usia, gelandangan-pengemis; or other.
InstitutionKind = Literal["disabilitas", "anak", "lanjut_usia", "gelandangan_pengemis", "other"]
DischargeOutcome = Literal["returned_to_family", "independent", "referred", "died"]


class InstitutionCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Panti Sosial Tresna Werdha Budi Sejahtera"]
    )
    kind: InstitutionKind
    region_code: RegionCode
    capacity: int = Field(gt=0, le=10_000, examples=[60])


class InstitutionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: InstitutionKind
    region_code: str
    capacity: int
    occupancy: int = 0
    created_at: datetime


class AdmissionCreate(BaseModel):
    person_id: uuid.UUID = Field(description="The client's registry person id")
    admitted_on: date


class DischargeCreate(BaseModel):
    discharged_on: date
    outcome: DischargeOutcome


class AdmissionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    institution_id: uuid.UUID
    person_id: uuid.UUID
    region_code: str
    admitted_on: date
    status: Literal["active", "discharged"]
    discharged_on: date | None
    discharge_outcome: DischargeOutcome | None
    created_at: datetime
