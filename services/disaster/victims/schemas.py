import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.disaster.common import KkNumber, Nik, utc
from shared.types import RegionCode

Condition = Literal["meninggal", "hilang", "luka", "mengungsi", "terdampak"]
FoundCondition = Literal["meninggal", "luka", "mengungsi", "terdampak"]
Sex = Literal["M", "F"]
AgeGroup = Literal["child", "adult", "elderly", "unknown"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class VictimCreate(BaseModel):
    """A victim as registered in the field. Without documents, leave out nik and birth_date."""

    id: uuid.UUID | None = Field(
        default=None,
        description="Chosen by the phone when it registers offline; "
        "sending the same record again is harmless",
    )
    disaster_id: uuid.UUID
    full_name: Name = Field(examples=["Siti Rahmah"])
    sex: Sex
    nik: Nik | None = None
    kk_number: KkNumber | None = None
    birth_date: date | None = None
    condition: Condition = Field(examples=["mengungsi"])
    household_id: uuid.UUID | None = Field(
        default=None, description="Shared by the members of one family (any UUID the phone picks)"
    )
    pregnant: bool = False
    disability: bool = False
    region_code: RegionCode = Field(description="Where the victim was hit: the home village or district")
    person_id: uuid.UUID | None = Field(default=None, description="The registry person, when known")
    registered_at: datetime | None = Field(
        default=None, description="When registered in the field; now if absent"
    )

    _aware_registered_at = field_validator("registered_at")(utc)


class VictimSyncRecord(VictimCreate):
    id: uuid.UUID = Field(description="The client-generated id: the victim's id from now on")
    registered_at: datetime = Field(description="When it was registered in the field")


class VictimUpdate(BaseModel):
    """Send only what changes. A missing (hilang) victim changes condition through /found."""

    full_name: Name | None = None
    sex: Sex | None = None
    nik: Nik | None = None
    kk_number: KkNumber | None = None
    birth_date: date | None = None
    condition: Condition | None = None
    household_id: uuid.UUID | None = None
    pregnant: bool | None = None
    disability: bool | None = None
    person_id: uuid.UUID | None = None


class VictimFound(BaseModel):
    found_on: date
    found_place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = (
        Field(examples=["Puskesmas Martapura"])
    )
    condition: FoundCondition = Field(description="The condition in which the victim was found")


class VictimRead(BaseModel):
    id: uuid.UUID
    disaster_id: uuid.UUID
    household_id: uuid.UUID | None
    full_name: str
    sex: Sex
    nik: str | None = Field(description="Masked unless the caller may read personal data")
    kk_number: str | None = Field(description="Masked unless the caller may read personal data")
    birth_date: date | None = Field(description="Hidden unless the caller may read personal data")
    age_group: AgeGroup
    condition: Condition
    pregnant: bool | None = Field(description="Health data: hidden unless the caller may read personal data")
    disability: bool | None = Field(description="Hidden unless the caller may read personal data")
    region_code: str
    person_id: uuid.UUID | None
    match_status: str | None = Field(
        description="Identity matching against the registry; null: not matched yet"
    )
    found_on: date | None
    found_place: str | None
    site_id: uuid.UUID | None = Field(description="The evacuation site the victim is checked in at, if any")
    registered_at: datetime
    recorded_by: str
    updated_at: datetime
