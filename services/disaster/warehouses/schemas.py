import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from shared.types import Quantity, RegionCode

ItemCode = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$", examples=["beras"])]


class WarehouseCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Lumbung Sosial Martapura"]
    )
    region_code: RegionCode


class WarehouseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    region_code: str
    created_at: datetime


class ReceiptCreate(BaseModel):
    item_code: ItemCode
    quantity: Quantity
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class StockLine(BaseModel):
    item_code: str
    unit: str
    quantity: Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class StockRead(BaseModel):
    warehouse_id: uuid.UUID
    items: list[StockLine]
