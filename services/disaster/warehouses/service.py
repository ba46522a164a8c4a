"""Warehouses and their stock: an append-only ledger whose running balance never goes below zero."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.db import SERVICE, OutboxEvent
from services.disaster.warehouses import repository
from services.disaster.warehouses.exceptions import InsufficientStock
from services.disaster.warehouses.models import StockMovement, Warehouse
from services.disaster.warehouses.schemas import (
    ReceiptCreate,
    StockLine,
    StockRead,
    WarehouseCreate,
    WarehouseRead,
)
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, decode_cursor, encode_cursor

MANAGERS = ("provincial_officer", "regency_officer")
STOCK_KEEPERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")


async def create(session: AsyncSession, principal: Principal, data: WarehouseCreate) -> WarehouseRead:
    principal.require(*MANAGERS)
    if not principal.covers_region(data.region_code):
        raise Forbidden(f"region {data.region_code} is outside your regions")
    warehouse = Warehouse(id=uuid.uuid4(), **data.model_dump(), created_at=datetime.now(UTC))
    session.add(warehouse)
    await session.flush()
    return WarehouseRead.model_validate(warehouse)


async def get_or_raise(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID) -> Warehouse:
    warehouse = await repository.get(session, principal, warehouse_id)
    if warehouse is None:
        raise NotFound(f"no warehouse {warehouse_id} in your regions")
    return warehouse


async def list_(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[WarehouseRead]:
    principal.require(*READERS)
    raw = decode_cursor(cursor, 1)
    try:
        after = uuid.UUID(raw[0]) if raw else None
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None
    rows = await repository.list_(session, principal, after=after, limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[WarehouseRead.model_validate(w) for w in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def check_items(session: AsyncSession, codes: Sequence[str], field: str) -> None:
    known = await repository.items(session, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(field, f"not in the item catalogue: {', '.join(unknown)}")


async def receive(
    session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID, data: ReceiptCreate
) -> StockRead:
    principal.require(*STOCK_KEEPERS)
    warehouse = await get_or_raise(session, principal, warehouse_id)
    await check_items(session, [data.item_code], "item_code")
    repository.record(
        session,
        StockMovement(
            warehouse_id=warehouse.id,
            item_code=data.item_code,
            kind="receipt",
            quantity=data.quantity,
            note=data.note,
            recorded_by=principal.sub,
        ),
    )
    await repository.add_to_balance(session, warehouse.id, data.item_code, data.quantity)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="stock.received",
            source=SERVICE,
            subject=str(warehouse.id),
            payload={
                "warehouse_id": str(warehouse.id),
                "item_code": data.item_code,
                "quantity": str(data.quantity),
            },
        ),
    )
    await session.flush()
    return await stock(session, principal, warehouse.id)


async def take(
    session: AsyncSession,
    principal: Principal,
    warehouse: Warehouse,
    lines: Sequence[tuple[str, Decimal]],
    *,
    reference_id: uuid.UUID,
    field: str,
) -> None:
    """Take every line or none (the caller's transaction rolls back on InsufficientStock). Lines are
    taken in item order so that two distributions never lock the same rows in opposite orders."""
    for index, (item_code, quantity) in sorted(enumerate(lines), key=lambda e: e[1][0]):
        if not await repository.take_from_balance(session, warehouse.id, item_code, quantity):
            raise InsufficientStock(
                f"{warehouse.name} has less than {quantity} of {item_code}; nothing was distributed",
                errors=[FieldError(field=f"{field}.{index}.quantity", message="more than the stock")],
            )
        repository.record(
            session,
            StockMovement(
                warehouse_id=warehouse.id,
                item_code=item_code,
                kind="distribution",
                quantity=-quantity,
                reference_id=reference_id,
                recorded_by=principal.sub,
            ),
        )


async def stock(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID) -> StockRead:
    principal.require(*READERS)
    warehouse = await get_or_raise(session, principal, warehouse_id)
    lines = await repository.balances(session, warehouse.id)
    return StockRead(
        warehouse_id=warehouse.id,
        items=[StockLine(item_code=code, unit=unit, quantity=qty) for code, unit, qty in lines],
    )
