import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registry.people.schemas import KkNumber
from shared.types import OfficeTime, RegionCode

# hubungan_keluarga (DOMAIN.md): 1 kepala keluarga, 2 istri/suami, 3 anak, 4 menantu, 5 cucu,
# 6 orang tua/mertua, 7 pembantu, 8 lainnya.
Relationship = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
HEAD: Relationship = "1"


class MemberIn(BaseModel):
    person_id: uuid.UUID
    relationship: Relationship = Field(description="hubungan_keluarga: 1 kepala keluarga … 8 lainnya")
    joined_on: date | None = Field(default=None, description="Defaults to today")


class HouseholdCreate(BaseModel):
    kk_number: KkNumber
    region_code: RegionCode
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    members: list[MemberIn] = Field(min_length=1, max_length=50)


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID
    relationship: Relationship
    joined_on: date
    left_on: date | None


class HouseholdRead(BaseModel):
    id: uuid.UUID
    kk_number: str = Field(description="Masked unless the caller may read personal data")
    region_code: str
    address: str | None
    members: list[MemberRead]
    created_at: OfficeTime
    updated_at: OfficeTime
