from typing import Literal

from pydantic import BaseModel, Field

from shared.types import OfficeTime

ReportFormat = Literal["json", "csv", "xlsx"]


class Weighting(BaseModel):
    coverage: float
    quality: float


class SpmServiceFigure(BaseModel):
    code: str
    name: str
    needing: int = Field(description="People assessed as needing the service in the year (or its victims)")
    served: int = Field(description="People with a basic need met in the year (victims: relief received)")
    fully_served: int | None = Field(description="Served people with every required basic need met")
    coverage_percent: float | None = Field(
        description="served ÷ needing × 100 (may pass 100: missing assessments)"
    )
    quality_percent: float | None = Field(description="fully_served ÷ served × 100")
    achievement_percent: float | None = Field(
        description="coverage (capped at 100) and quality weighted; coverage alone where quality is unknown"
    )


class SpmOverall(BaseModel):
    needing: int
    served: int
    coverage_percent: float | None = Field(description="Mean of the services' capped coverage")
    quality_percent: float | None = Field(description="Mean of the services' quality, where known")
    achievement_percent: float | None


class SpmReport(BaseModel):
    year: int
    region: str | None = Field(description="The region asked for (within your scope); null: all of it")
    generated_at: OfficeTime
    weighting: Weighting
    services: list[SpmServiceFigure]
    overall: SpmOverall
