import uuid
from typing import Literal

from pydantic import BaseModel, Field

from shared.types import OfficeTime

ImportStatus = Literal["queued", "running", "completed", "failed"]


class ImportRead(BaseModel):
    id: uuid.UUID
    kind: str = Field(examples=["dtks"])
    filename: str | None = Field(examples=["dtks_banjarmasin_2026q3.csv"])
    status: ImportStatus
    uploaded_by: str
    size_bytes: int
    rows_read: int = Field(description="Data rows read so far (the header and blank lines not counted)")
    inserted: int = Field(description="People new to the registry")
    updated: int = Field(description="People whose values changed")
    unchanged: int = Field(description="Rows identical to what the registry holds (nothing written)")
    rejected: int = Field(description="Rows not written; see /imports/{id}/errors")
    warnings: int = Field(description="Rows written with a warning (e.g. an invalid NIK left out)")
    rows_per_second: float | None = Field(description="rows_read over the time since processing began")
    error: str | None = Field(default=None, description="Why the import failed, when it did")
    created_at: OfficeTime
    started_at: OfficeTime | None
    finished_at: OfficeTime | None
