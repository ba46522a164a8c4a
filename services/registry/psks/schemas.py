import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import OfficeTime, RegionCode

PsksCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", examples=["02"], description="PSKS type, 01–12")]


class RoleCreate(BaseModel):
    psks_type: PsksCode
    person_id: uuid.UUID | None = Field(default=None, description="For types held by people")
    organisation_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(default=None, description="For types held by organisations (04, 05, 06, 08, 12)")
    region_code: RegionCode
    active_from: date
    active_until: date | None = None
    certification: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class RoleEnd(BaseModel):
    active_until: date | None = Field(default=None, description="Defaults to today")


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    psks_type: str
    person_id: uuid.UUID | None
    organisation_name: str | None
    region_code: str
    active_from: date
    active_until: date | None
    certification: str | None
    status: Literal["active", "ended"]
    created_at: OfficeTime


class SummaryRow(BaseModel):
    psks_type: str
    region_code: str = Field(description="The regency (kabupaten/kota)")
    roles: int
    people: int = Field(description="Distinct people holding this type here")
    organisations: int


class SummaryType(BaseModel):
    psks_type: str
    name: str
    roles: int
    people: int


class PsksSummary(BaseModel):
    region: str | None
    by_type_and_region: list[SummaryRow]
    by_type: list[SummaryType]
    total_roles: int
    total_people: int = Field(
        description="Distinct people across all types: a PSM who is also TKSK counts once"
    )
    total_organisations: int
