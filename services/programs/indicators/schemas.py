import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from shared.types import OfficeTime, RegionCode

Value = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=4, examples=[20.29]),
    PlainSerializer(float, return_type=float, when_used="json"),
]
Direction = Literal["up", "down"]
# manual: typed in each quarter with evidence. ppks_mandiri: computed from the registry's assessments
# (people resolved as independent in the year ÷ people with an assessment open in the year × 100).
Source = Literal["manual", "ppks_mandiri"]
Year = Annotated[int, Field(ge=2000, le=2100, examples=[2026])]


class IndicatorCreate(BaseModel):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = Field(
        examples=["RPJMD-SOS-01"]
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = Field(
        examples=["Persentase PPKS yang mandiri"]
    )
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = Field(
        examples=["%"]
    )
    direction: Direction = Field(description="up: more is better; down: less is better")
    baseline: Value | None = None
    baseline_year: Year | None = None
    source: Source = "manual"
    region_code: RegionCode = Field(description="Whose indicator: 63 for the province", examples=["63"])
    program_id: uuid.UUID | None = None


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    target: Value


class IndicatorRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    unit: str
    direction: Direction
    baseline: Value | None
    baseline_year: int | None
    source: Source
    region_code: str
    program_id: uuid.UUID | None
    targets: list[TargetRead]
    created_at: OfficeTime


class TargetUpdate(BaseModel):
    target: Value


class RealisationUpdate(BaseModel):
    value: Value = Field(description="The indicator's value as at the end of the quarter")
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)] = Field(
        description="Where the figure comes from (document number, link, report)",
        examples=["Laporan triwulan III Bidang Rehsos, No. 460/123/Rehsos/2026"],
    )


class QuarterProgress(BaseModel):
    quarter: int
    value: Value | None = Field(description="Realisation as at the quarter's end (null: not yet known)")
    achievement_percent: float | None = Field(
        description="Computed against the year's target, never typed in"
    )
    evidence: str | None = None
    computed: bool = Field(description="true: computed from registry events, not typed in")


class IndicatorProgress(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    unit: str
    direction: Direction
    source: Source
    region_code: str
    baseline: Value | None
    target: Value | None
    quarters: list[QuarterProgress]
    achievement_percent: float | None = Field(description="Of the latest known quarter")


class IndicatorsReport(BaseModel):
    year: int
    generated_at: OfficeTime
    indicators: list[IndicatorProgress]
