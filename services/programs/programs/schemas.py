import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from shared.types import OfficeTime, RegionCode

ProgramArea = Literal[
    "rehabilitasi_sosial", "perlindungan_jaminan_sosial", "pemberdayaan_sosial", "penanganan_bencana"
]
FundingSource = Literal["APBD", "APBN", "DAK", "dekonsentrasi"]
BenefitKind = Literal["cash", "in_kind"]
# Rupiah: exact decimals in the database, plain JSON numbers on the wire.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=2, examples=[1_500_000_000]),
    PlainSerializer(float, return_type=float, when_used="json"),
]
PositiveMoney = Annotated[
    Decimal,
    Field(gt=0, max_digits=18, decimal_places=2, examples=[600_000]),
    PlainSerializer(float, return_type=float, when_used="json"),
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Year = Annotated[int, Field(ge=2000, le=2100, examples=[2026])]


class ProgramCreate(BaseModel):
    code: Code = Field(examples=["1.06.02"])
    name: Name = Field(examples=["Rehabilitasi Sosial Dasar Lanjut Usia Terlantar di Dalam Panti"])
    area: ProgramArea
    year: Year
    funding_source: FundingSource
    region_code: RegionCode = Field(description="The office that runs it: 63 for the province")
    budget: Money
    benefit_limit: PositiveMoney | None = Field(
        default=None, description="The most one person may receive from the program in its year"
    )


class QuarterSpending(BaseModel):
    quarter: int
    amount: Money | None


class ProgramRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    area: ProgramArea
    year: int
    funding_source: FundingSource
    region_code: str
    budget: Money
    benefit_limit: Money | None
    spending: list[QuarterSpending] = Field(description="Realised spending by quarter (null: not reported)")
    realised: Money
    absorption_percent: float | None = Field(description="Realised ÷ budget × 100")
    created_at: OfficeTime


class SpendingUpdate(BaseModel):
    amount: Money


class ActivityCreate(BaseModel):
    code: Code
    name: Name
    budget: Money


class ActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    program_id: uuid.UUID
    code: str
    name: str
    budget: Money
    created_at: OfficeTime


class EnrolmentCreate(BaseModel):
    person_id: uuid.UUID = Field(description="The registry person id")
    region_code: RegionCode = Field(description="Where the person lives", examples=["63.71.01.1001"])
    period_start: date
    period_end: date


class EnrolmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    program_id: uuid.UUID
    person_id: uuid.UUID
    region_code: str
    period_start: date
    period_end: date
    enrolled_by: str
    created_at: OfficeTime


class BenefitCreate(BaseModel):
    kind: BenefitKind
    amount: PositiveMoney = Field(description="Rupiah; for aid in kind, its value")
    given_on: date
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class BenefitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enrolment_id: uuid.UUID
    program_id: uuid.UUID
    person_id: uuid.UUID
    kind: BenefitKind
    amount: Money
    description: str | None
    given_on: date
    recorded_by: str
    created_at: OfficeTime
