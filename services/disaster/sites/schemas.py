import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints, field_validator

from shared.types import OfficeTime, RegionCode

Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Area = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=1, examples=[350])]
Liters = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=1, examples=[1500])]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6, examples=[-3.4168])]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6, examples=[114.8463])]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a time zone")
    return value


class SiteCreate(BaseModel):
    disaster_id: uuid.UUID
    name: Name = Field(examples=["Posko Masjid Al-Karomah Martapura"])
    region_code: RegionCode
    address: Address | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    covered_area_m2: Area = Field(description="Covered floor space; capacity is this ÷ 3.5 m² per person")
    toilets: int = Field(ge=0, le=10_000, examples=[6])
    water_liters_per_day: Liters = Field(description="Clean water supplied per day, in litres")


class SiteUpdate(BaseModel):
    """Send only what changes; `status: closed` when the site empties (it must be empty)."""

    name: Name | None = None
    address: Address | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    covered_area_m2: Area | None = None
    toilets: int | None = Field(default=None, ge=0, le=10_000)
    water_liters_per_day: Liters | None = None
    status: Literal["closed"] | None = None


class Headcount(BaseModel):
    """Who is checked in now: by sex and by the groups Sphere and BNPB ask about. Age from the birth date
    (children under 18, elderly 60 and over); without one, the age is unknown."""

    total: int
    male: int
    female: int
    children: int
    adults: int
    elderly: int
    age_unknown: int
    pregnant: int
    disability: int


class SiteWarning(BaseModel):
    code: Literal["over_capacity", "toilets", "water"]
    message: str


class SiteRead(BaseModel):
    id: uuid.UUID
    disaster_id: uuid.UUID
    name: str
    region_code: str
    address: str | None
    latitude: Number | None
    longitude: Number | None
    covered_area_m2: Number
    toilets: int
    water_liters_per_day: Number
    status: Literal["open", "closed"]
    capacity: int = Field(description="People the covered area shelters at 3.5 m² each")
    headcount: Headcount
    warnings: list[SiteWarning] = Field(
        description="Sphere/BNPB minimums not met: over capacity, more than 20 people per toilet, "
        "less than 15 L of water per person per day"
    )
    created_at: OfficeTime
    closed_at: OfficeTime | None


class StayCreate(BaseModel):
    victim_id: uuid.UUID
    at: OfficeTime | None = Field(default=None, description="When it happened in the field; now if absent")

    _aware_at = field_validator("at")(_aware)


class StayRead(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    victim_id: uuid.UUID
    checked_in_at: OfficeTime
    checked_in_by: str
    checked_out_at: OfficeTime | None
    checked_out_by: str | None
