"""What the worker forwards from other services' events: the event's payload plus the time the
event occurred, which orders updates (an older event never overwrites a newer one)."""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.types import OfficeTime, RegionCode

PpksType = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-9]|2[0-6])$", examples=["08"])]
PsksType = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])$", examples=["01"])]
OccurredAt = Annotated[
    AwareDatetime, Field(description="When the source event occurred: orders updates of one record")
]


class _Feed(BaseModel):
    # Payloads may grow: keys this service does not use are ignored, not refused.
    model_config = ConfigDict(extra="ignore")

    occurred_at: OccurredAt


class PpksAssessmentFeed(_Feed):
    person_id: uuid.UUID
    ppks_type: PpksType
    status: Literal["active", "resolved_independent", "resolved_other"]
    assessed_on: date
    resolved_on: date | None = None
    region_code: RegionCode
    birth_date: date | None = None
    sex: Literal["M", "F"] | None = None


class PsksRoleFeed(_Feed):
    person_id: uuid.UUID | None = None
    psks_type: PsksType
    region_code: RegionCode
    active_from: date | None = None
    active_until: date | None = None
    status: Literal["active", "ended"]


class VictimFeed(_Feed):
    disaster_id: uuid.UUID
    disaster_level: Literal["province", "regency"]
    person_id: uuid.UUID | None = None
    nik: Annotated[str, Field(pattern=r"^[0-9]{16}$")] | None = None
    condition: Literal["meninggal", "hilang", "luka", "mengungsi", "terdampak"]
    region_code: RegionCode
    registered_at: AwareDatetime


class DistributionFeed(_Feed):
    disaster_id: uuid.UUID
    person_id: uuid.UUID | None = None
    nik: Annotated[str, Field(pattern=r"^[0-9]{16}$")] | None = None
    distributed_at: AwareDatetime


class DistributionFeedItem(DistributionFeed):
    distribution_id: uuid.UUID


class DistributionFeedBatch(BaseModel):
    items: list[DistributionFeedItem] = Field(min_length=1, max_length=5000)


class FeedBatchResult(BaseModel):
    received: int
    applied: int = Field(description="How many rows changed (the others held a newer or the same event)")


class FeedResult(BaseModel):
    id: uuid.UUID
    applied: bool = Field(description="false: the projection already held a newer (or the same) event")
    event_occurred_at: OfficeTime = Field(description="The time of the event the projection now reflects")
