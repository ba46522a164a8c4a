import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints, model_validator

from services.disaster.warehouses.schemas import ItemCode
from shared.types import Quantity


class DistributionItem(BaseModel):
    item_code: ItemCode
    quantity: Quantity


class DistributionCreate(BaseModel):
    disaster_id: uuid.UUID
    warehouse_id: uuid.UUID
    person_id: uuid.UUID | None = Field(default=None, description="The recipient's registry id, when known")
    nik: Annotated[str, Field(pattern=r"^\d{16}$")] | None = Field(
        default=None, description="When there is no registry id: the NIK as shown by the recipient"
    )
    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = None
    items: list[DistributionItem] = Field(min_length=1, max_length=50)
    distributed_at: datetime | None = Field(
        default=None, description="When it was handed over (phones send later); defaults to now"
    )

    @model_validator(mode="after")
    def _recipient_and_items(self) -> "DistributionCreate":
        if self.person_id is None and (self.nik is None or self.full_name is None):
            raise ValueError("give person_id, or nik and full_name")
        codes = [i.item_code for i in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("each item_code may appear once in items")
        if self.distributed_at is not None and self.distributed_at.tzinfo is None:
            raise ValueError("distributed_at needs a time zone")
        return self


class DistributionLineRead(BaseModel):
    item_code: str
    quantity: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class DistributionRead(BaseModel):
    id: uuid.UUID
    disaster_id: uuid.UUID
    warehouse_id: uuid.UUID
    person_id: uuid.UUID | None
    nik: str | None = Field(description="Masked unless the caller may read personal data")
    full_name: str | None
    region_code: str
    items: list[DistributionLineRead]
    recorded_by: str
    distributed_at: datetime
    created_at: datetime
