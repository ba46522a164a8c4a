from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.types import OfficeTime

SpmServiceCode = Literal["disabilitas", "anak", "lanjut_usia", "gelandangan_pengemis", "korban_bencana"]
BasicNeedCode = Literal[
    "housing",
    "food",
    "clothing",
    "civil_documents",
    "education_basic_health",
    "self_care",
    "skills",
    "return_home",
]
ParameterKey = Literal["peksos_caseload_limit", "spm_weighting", "spm_victim_conditions"]
VictimCondition = Literal["meninggal", "hilang", "luka", "mengungsi", "terdampak"]


class SpmServiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    position: int
    ppks_types: list[str]
    institution_kind: str | None
    disaster_level: str | None


class BasicNeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    position: int
    required: bool = Field(description="Needed for a served client to count as fully served (SPM quality)")


class ParameterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    value: Any
    description: str
    updated_by: str | None
    updated_at: OfficeTime


class ParameterUpdate(BaseModel):
    value: Any = Field(
        description="peksos_caseload_limit: a whole number 1-100; spm_weighting: {coverage, quality} "
        "summing to 1; spm_victim_conditions: a list of victim conditions",
        examples=[10, {"coverage": 0.8, "quality": 0.2}],
    )


class SpmWeighting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coverage: float = Field(ge=0, le=1)
    quality: float = Field(ge=0, le=1)
