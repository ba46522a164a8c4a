import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints, field_validator

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

    # Checked field by field so that a 422 names the field. Whether a recipient is given at all spans
    # three fields: the service checks it (see service.check_recipient).
    @field_validator("items")
    @classmethod
    def _items_once_each(cls, items: list[DistributionItem]) -> list[DistributionItem]:
        codes = [i.item_code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("each item_code may appear once in items")
        return items

    @field_validator("distributed_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("distributed_at needs a time zone")
        return value


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
