import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.registry.matching.schemas import Evidence
from shared.types import OfficeTime, RegionCode

PairStatus = Literal["open", "same_person", "different_people"]


class ScanCreate(BaseModel):
    region: RegionCode | None = Field(
        default=None, description="Scan this region only (a prefix); default: every region you cover"
    )


class ScanRead(BaseModel):
    id: uuid.UUID
    region: str | None
    status: Literal["running", "done"]
    partitions_total: int
    partitions_done: int
    progress: float = Field(ge=0, le=1, description="Partitions done ÷ partitions")
    people_scanned: int
    pairs_found: int
    requested_by: str
    model_id: uuid.UUID | None
    created_at: OfficeTime
    finished_at: OfficeTime | None


class PartitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scan_id: uuid.UUID
    code: str
    status: Literal["pending", "done"]
    people: int
    compared: int
    pairs: int
    runs: int
    seconds: float | None
    finished_at: OfficeTime | None


class PairSide(BaseModel):
    person_id: uuid.UUID
    id_dtks: str | None
    full_name: str
    region_code: str
    status: str


class PairEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    actor: str
    at: OfficeTime
    from_status: str | None
    to_status: str
    detail: dict[str, Any]


class PairRead(BaseModel):
    id: uuid.UUID
    score: float = Field(ge=0, le=1)
    decision: Literal["match", "possible", "no_match"]
    status: PairStatus
    a: PairSide
    b: PairSide
    evidence: Evidence
    found_at: OfficeTime
    updated_at: OfficeTime
    resolved_by: str | None
    resolved_at: OfficeTime | None
    survivor_id: uuid.UUID | None = Field(default=None, description="After a merge: the record kept")
    trail: list[PairEventRead] | None = Field(default=None, description="Who did what, oldest first")


class ResolveRequest(BaseModel):
    decision: Literal["same_person", "different_people"]
    survivor_id: uuid.UUID | None = Field(
        default=None,
        description="same_person: the record to keep; by default the one with a valid NIK, else the "
        "older registration",
    )
    note: str | None = Field(default=None, max_length=500)


class UndoRequest(BaseModel):
    note: str | None = Field(default=None, max_length=500)
