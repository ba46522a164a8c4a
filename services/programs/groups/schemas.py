import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from shared.types import OfficeTime, RegionCode

PositiveMoney = Annotated[
    Decimal,
    Field(gt=0, max_digits=18, decimal_places=2, examples=[20_000_000]),
    PlainSerializer(float, return_type=float, when_used="json"),
]
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
MIN_MEMBERS, MAX_MEMBERS = 5, 20


class KubeCreate(BaseModel):
    name: Text = Field(examples=["KUBE Maju Bersama"])
    business: Text = Field(examples=["Warung sembako"])
    region_code: RegionCode = Field(examples=["63.71.01.1001"])
    formed_on: date
    household_ids: list[uuid.UUID] = Field(
        min_length=MIN_MEMBERS,
        max_length=MAX_MEMBERS,
        description="5 to 20 registry households (families), each in no other active KUBE",
    )


class KubeRead(BaseModel):
    id: uuid.UUID
    name: str
    business: str
    region_code: str
    formed_on: date
    status: Literal["active", "dissolved"]
    dissolved_on: date | None
    household_ids: list[uuid.UUID] = Field(description="Current members")
    created_at: OfficeTime


class MemberJoin(BaseModel):
    household_id: uuid.UUID
    joined_on: date


class MemberLeave(BaseModel):
    left_on: date


class Dissolve(BaseModel):
    dissolved_on: date


class KubeAidCreate(BaseModel):
    amount: PositiveMoney
    given_on: date
    program_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class KubeAidRead(BaseModel):
    id: uuid.UUID
    group_id: uuid.UUID
    program_id: uuid.UUID | None
    amount: Money
    given_on: date
    description: str | None
    used: Money = Field(description="Reported as used so far")
    remaining: Money
    created_at: OfficeTime


class AidUseCreate(BaseModel):
    used_on: date
    amount: PositiveMoney
    purpose: LongText = Field(examples=["Pembelian etalase dan stok awal"])
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None, examples=["Nota toko No. 118, foto etalase"]
    )


class AidUseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    aid_id: uuid.UUID
    used_on: date
    amount: Money
    purpose: str
    evidence: str | None
    recorded_by: str
    created_at: OfficeTime


class WrseAidCreate(BaseModel):
    person_id: uuid.UUID = Field(description="A registry person assessed as PPKS 23 (WRSE/PRSE)")
    assessment_id: uuid.UUID | None = Field(
        default=None, description="Her PPKS 23 assessment; found from the registry's events if omitted"
    )
    kind: Literal["cash", "in_kind"]
    amount: PositiveMoney
    business: Text = Field(examples=["Usaha kue basah"])
    given_on: date
    program_id: uuid.UUID | None = None


class WrseAidRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    assessment_id: uuid.UUID
    program_id: uuid.UUID | None
    region_code: str
    kind: Literal["cash", "in_kind"]
    amount: Money
    business: str
    given_on: date
    recorded_by: str
    created_at: OfficeTime
