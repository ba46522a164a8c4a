import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints, field_validator

from services.disaster.common import Nik, plain_decimal, utc
from services.disaster.warehouses.schemas import ItemCode
from shared.types import OfficeTime, Quantity


class DistributionItem(BaseModel):
    item_code: ItemCode
    quantity: Quantity

    _plain = field_validator("quantity")(plain_decimal)


class DistributionCreate(BaseModel):
    disaster_id: uuid.UUID
    warehouse_id: uuid.UUID
    site_id: uuid.UUID | None = Field(default=None, description="The evacuation site where it was handed out")
    victim_id: uuid.UUID | None = Field(default=None, description="The registered victim who received it")
    household_id: uuid.UUID | None = Field(
        default=None, description="The victims' household it was given to (a family kit, the family's rice)"
    )
    person_id: uuid.UUID | None = Field(default=None, description="The recipient's registry id, when known")
    nik: Nik | None = Field(
        default=None, description="When there is no registry id: the NIK as shown by the recipient"
    )
    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = None
    items: list[DistributionItem] = Field(min_length=1, max_length=50)
    distributed_at: OfficeTime | None = Field(
        default=None, description="When it was handed over (phones send later); defaults to now"
    )
    override_reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] | None
    ) = Field(
        default=None,
        description="Hand out more than the entitlement, and say why: the record is accepted and a finding "
        "`entitlement_override` opened on it for review",
        examples=[None],
    )

    # Checked field by field so that a 422 names the field. Whether a recipient is given at all spans
    # several fields: the service checks it (see service.check_recipient).
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
        return utc(value)


class DistributionSyncRecord(DistributionCreate):
    """A distribution recorded offline: its id is chosen by the phone and becomes the record's id."""

    id: uuid.UUID
    distributed_at: OfficeTime = Field(description="When it was handed over, with a time zone")


class DistributionLineRead(BaseModel):
    item_code: str
    quantity: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class DistributionRead(BaseModel):
    id: uuid.UUID
    disaster_id: uuid.UUID
    warehouse_id: uuid.UUID
    site_id: uuid.UUID | None
    victim_id: uuid.UUID | None
    household_id: uuid.UUID | None
    person_id: uuid.UUID | None
    nik: str | None = Field(description="Masked unless the caller may read personal data")
    full_name: str | None
    region_code: str
    items: list[DistributionLineRead]
    override_reason: str | None
    recorded_by: str
    source: Literal["api", "sync"]
    distributed_at: OfficeTime
    created_at: OfficeTime
