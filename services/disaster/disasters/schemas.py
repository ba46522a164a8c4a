import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import RegionCode

DisasterKind = Literal[
    "banjir", "kebakaran", "tanah_longsor", "cuaca_ekstrem", "karhutla", "konflik_sosial", "other"
]
DisasterLevel = Literal["province", "regency"]


class DisasterCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Banjir Kabupaten Banjar 2026"]
    )
    kind: DisasterKind
    level: DisasterLevel
    started_on: date
    region_codes: list[RegionCode] = Field(min_length=1, max_length=500, examples=[["63.03.01", "63.03.02"]])


class DisasterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: DisasterKind
    level: DisasterLevel
    started_on: date
    region_codes: list[str]
    status: Literal["emergency", "recovery", "closed"]
    created_at: datetime
