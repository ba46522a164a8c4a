import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator

from shared.types import OfficeTime, Quantity, RegionCode

ItemCode = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$", examples=["beras"])]
WarehouseKind = Literal["gudang", "lumbung_sosial"]
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ItemCreate(BaseModel):
    code: ItemCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Selimut"]
    )
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = Field(
        examples=["lembar"]
    )


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    unit: str


class WarehouseCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Lumbung Sosial Martapura"]
    )
    kind: WarehouseKind = "gudang"
    region_code: RegionCode


class WarehouseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: WarehouseKind
    region_code: str
    created_at: OfficeTime


class ReceiptCreate(BaseModel):
    item_code: ItemCode
    quantity: Quantity
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class StockItem(BaseModel):
    item_code: ItemCode
    quantity: Quantity


class TransferCreate(BaseModel):
    to_warehouse_id: uuid.UUID
    items: list[StockItem] = Field(min_length=1, max_length=50)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @field_validator("items")
    @classmethod
    def _items_once_each(cls, items: list[StockItem]) -> list[StockItem]:
        codes = [i.item_code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("each item_code may appear once in items")
        return items


class TransferRead(BaseModel):
    id: uuid.UUID
    from_warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID
    items: list[StockItem]
    note: str | None
    recorded_by: str


class AdjustmentCreate(BaseModel):
    """A correction found at a stock count (damaged, spoiled, miscounted): positive or negative."""

    item_code: ItemCode
    quantity: Annotated[Decimal, Field(max_digits=14, decimal_places=3, examples=[-12.5])] = Field(
        description="Signed: negative takes stock away, positive adds it; never zero"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        examples=["Beras basah terendam banjir di gudang"]
    )

    @field_validator("quantity")
    @classmethod
    def _not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("an adjustment of zero changes nothing")
        return value


class StockLine(BaseModel):
    item_code: str
    unit: str
    quantity: Number


class StockRead(BaseModel):
    warehouse_id: uuid.UUID
    items: list[StockLine]


class LedgerEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    item_code: str
    kind: Literal["receipt", "distribution", "transfer_out", "transfer_in", "adjustment"]
    quantity: Number
    reference_id: uuid.UUID | None
    counterpart_warehouse_id: uuid.UUID | None
    note: str | None
    recorded_by: str
    recorded_at: OfficeTime
