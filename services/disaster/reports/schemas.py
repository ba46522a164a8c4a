from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from services.disaster.disasters.schemas import DisasterRead, Impact
from services.disaster.sites.schemas import SiteRead
from shared.types import OfficeTime


class TargetSet(BaseModel):
    target: int = Field(ge=0, le=100_000_000, examples=[17000])


class TargetRead(BaseModel):
    year: int
    region_code: str
    target: int
    updated_by: str
    updated_at: OfficeTime


class ConditionCounts(BaseModel):
    meninggal: int = 0
    hilang: int = 0
    luka: int = 0
    mengungsi: int = 0
    terdampak: int = 0


class Handled(BaseModel):
    total: int = Field(description="Victims sheltered or aided (or both), counted once each")
    sheltered: int = Field(description="Checked in at an evacuation site at some point")
    aided: int = Field(description="Received aid themselves or through their household")


class QuarterProgress(BaseModel):
    quarter: int = Field(ge=1, le=4)
    ends_on: date
    handled: int = Field(description="Handled by the end of the quarter (cumulative)")


class AreaProgress(BaseModel):
    region_code: str
    victims: int
    by_condition: ConditionCounts
    handled: Handled
    target: int | None


class VictimReport(BaseModel):
    year: int
    region_code: str
    as_of: OfficeTime
    victims: int = Field(description="Victims registered in the year (office calendar), in the region")
    by_condition: ConditionCounts
    handled: Handled
    target: int | None = Field(description="The year's target for the region, when one is set")
    handled_percent: float | None = Field(description="handled.total ÷ target × 100")
    by_quarter: list[QuarterProgress]
    by_area: list[AreaProgress] = Field(description="The same, one region level down")


Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ItemDistributed(BaseModel):
    item_code: str
    name: str
    unit: str
    quantity: Number
    distributions: int
    recipients: int = Field(description="Distinct households or people who received it")


class Registered(BaseModel):
    total: int
    by_condition: ConditionCounts
    households: int
    found: int = Field(description="Once missing, since found")
    handled: Handled


class Sitrep(BaseModel):
    disaster: DisasterRead
    as_of: OfficeTime
    day: int = Field(description="Day of the disaster, the first being 1 (office calendar)")
    reported_impact: Impact = Field(description="The office's figures in BNPB's classes")
    registered: Registered = Field(description="Victims registered by name, in your regions")
    sheltered_now: int
    sites_open: int
    sites: list[SiteRead]
    distributions: int
    items: list[ItemDistributed]
    open_findings: dict[str, int] = Field(description="Open findings on this disaster's records, by rule")
