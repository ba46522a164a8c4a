import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import OfficeTime, RegionCode

DisasterKind = Literal[
    "banjir", "kebakaran", "tanah_longsor", "cuaca_ekstrem", "karhutla", "konflik_sosial", "other"
]
DisasterLevel = Literal["province", "regency"]
DisasterStatus = Literal["emergency", "recovery", "closed"]
Count = Annotated[int, Field(ge=0, le=100_000_000)]


class Impact(BaseModel):
    """Impact in BNPB's (DIBI) classes, as the office reports it: people meninggal, hilang, luka-luka,
    mengungsi (displaced) and menderita/terdampak (affected); houses damaged heavily, moderately, lightly."""

    model_config = ConfigDict(from_attributes=True)

    dead: Count = 0
    missing: Count = 0
    injured: Count = 0
    displaced: Count = 0
    affected: Count = 0
    houses_heavily_damaged: Count = 0
    houses_moderately_damaged: Count = 0
    houses_lightly_damaged: Count = 0


class ImpactUpdate(BaseModel):
    dead: Count | None = None
    missing: Count | None = None
    injured: Count | None = None
    displaced: Count | None = None
    affected: Count | None = None
    houses_heavily_damaged: Count | None = None
    houses_moderately_damaged: Count | None = None
    houses_lightly_damaged: Count | None = None


class DisasterCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Banjir Kabupaten Banjar 2026"]
    )
    kind: DisasterKind
    level: DisasterLevel
    started_on: date
    region_codes: list[RegionCode] = Field(min_length=1, max_length=500, examples=[["63.03.01", "63.03.02"]])
    impact: Impact | None = None


class DisasterUpdate(BaseModel):
    """Send only what changes. Status moves forward only (emergency → recovery → closed); affected
    regions can be added, not removed (records may already point to them)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    status: DisasterStatus | None = None
    region_codes: list[RegionCode] | None = Field(default=None, min_length=1, max_length=500)
    impact: ImpactUpdate | None = None


class DisasterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: DisasterKind
    level: DisasterLevel
    started_on: date
    region_codes: list[str]
    status: DisasterStatus
    closed_on: date | None
    impact: Impact
    created_at: OfficeTime
    updated_at: OfficeTime
