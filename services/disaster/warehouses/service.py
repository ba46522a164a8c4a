"""Warehouses and their stock: an append-only ledger (receipts, transfers, distributions, adjustments)
whose running balance never goes below zero and is never edited by hand."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import after_id
from services.disaster.db import SERVICE, OutboxEvent
from services.disaster.warehouses import repository
from services.disaster.warehouses.exceptions import InsufficientStock, ItemExists
from services.disaster.warehouses.models import Item, StockMovement, Warehouse
from services.disaster.warehouses.schemas import (
    AdjustmentCreate,
    ItemCreate,
    ItemRead,
    LedgerEntry,
    ReceiptCreate,
    StockItem,
    StockLine,
    StockRead,
    TransferCreate,
    TransferRead,
    WarehouseCreate,
    WarehouseRead,
)
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, after_int, decode_cursor, encode_cursor

MANAGERS = ("provincial_officer", "regency_officer")
CATALOGUE_KEEPERS = ("provincial_officer",)
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


async def get_or_raise(
    session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID, *, field: str | None = None
) -> Warehouse:
    warehouse = await repository.get(session, principal, warehouse_id)
    if warehouse is None:
        errors = [FieldError(field=field, message="not in your regions")] if field else None
        raise NotFound(f"no warehouse {warehouse_id} in your regions", errors=errors)
    return warehouse


async def readable_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Warehouse]:
    return {w.id: w for w in await repository.get_many(session, principal, ids)}


async def list_(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[WarehouseRead]:
    principal.require(*READERS)
    rows = await repository.list_(session, principal, after=after_id(cursor), limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[WarehouseRead.model_validate(w) for w in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


# --- The item catalogue -----------------------------------------------------------------------------


async def list_items(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[ItemRead]:
    principal.require(*READERS)
    raw = decode_cursor(cursor, 1)
    rows = await repository.list_items(session, after=raw[0] if raw else None, limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[ItemRead.model_validate(i) for i in page],
        next_cursor=encode_cursor([page[-1].code]) if len(rows) > limit else None,
    )


async def add_item(session: AsyncSession, principal: Principal, data: ItemCreate) -> ItemRead:
    principal.require(*CATALOGUE_KEEPERS)
    item = Item(code=data.code, name=data.name, unit=data.unit)
    if not await repository.add_item(session, item):
        raise ItemExists(
            f"{data.code} is already in the catalogue",
            errors=[FieldError(field="code", message="already in the catalogue")],
        )
    return ItemRead.model_validate(item)


async def known_items(session: AsyncSession, codes: Sequence[str]) -> dict[str, Item]:
    return await repository.items(session, codes)


async def check_items(session: AsyncSession, codes: Sequence[str], field: str) -> None:
    known = await repository.items(session, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(field, f"not in the item catalogue: {', '.join(unknown)}")


# --- Movements --------------------------------------------------------------------------------------


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


def _short(warehouse: Warehouse, item_code: str, wanted: Decimal, held: Decimal) -> str:
    return (
        f"{warehouse.name} holds {held.normalize():f} of {item_code}, "
        f"less than the {wanted.normalize():f} asked"
    )


async def transfer(
    session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID, data: TransferCreate
) -> TransferRead:
    """Move stock between two warehouses in your regions: all items or none."""
    principal.require(*STOCK_KEEPERS)
    source = await get_or_raise(session, principal, warehouse_id)
    target = await get_or_raise(session, principal, data.to_warehouse_id, field="to_warehouse_id")
    if source.id == target.id:
        raise Invalid("to_warehouse_id", "a transfer goes to another warehouse")
    await check_items(session, [i.item_code for i in data.items], "items")
    held = await repository.lock_balances(
        session, [(w, i.item_code) for w in (source.id, target.id) for i in data.items]
    )
    for index, line in enumerate(data.items):
        if held[(source.id, line.item_code)] < line.quantity:
            raise InsufficientStock(
                _short(source, line.item_code, line.quantity, held[(source.id, line.item_code)])
                + "; nothing was transferred",
                errors=[FieldError(field=f"items.{index}.quantity", message="more than the stock")],
            )
    transfer_id = uuid.uuid4()
    deltas = {(source.id, i.item_code): -i.quantity for i in data.items}
    deltas.update({(target.id, i.item_code): i.quantity for i in data.items})
    if not await repository.apply_deltas(session, deltas):
        raise InsufficientStock("the stock changed while transferring; nothing was transferred")
    movements = []
    for line in data.items:
        for warehouse, other, kind, sign in (
            (source, target, "transfer_out", -1),
            (target, source, "transfer_in", 1),
        ):
            movements.append(
                {
                    "warehouse_id": warehouse.id,
                    "item_code": line.item_code,
                    "kind": kind,
                    "quantity": sign * line.quantity,
                    "reference_id": transfer_id,
                    "counterpart_warehouse_id": other.id,
                    "note": data.note,
                    "recorded_by": principal.sub,
                }
            )
    await repository.record_many(session, movements)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="stock.transferred",
            source=SERVICE,
            subject=str(transfer_id),
            payload={
                "transfer_id": str(transfer_id),
                "from_warehouse_id": str(source.id),
                "to_warehouse_id": str(target.id),
                "items": [{"item_code": i.item_code, "quantity": str(i.quantity)} for i in data.items],
            },
        ),
    )
    await session.flush()
    return TransferRead(
        id=transfer_id,
        from_warehouse_id=source.id,
        to_warehouse_id=target.id,
        items=[StockItem(item_code=i.item_code, quantity=i.quantity) for i in data.items],
        note=data.note,
        recorded_by=principal.sub,
    )


async def adjust(
    session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID, data: AdjustmentCreate
) -> StockRead:
    """A counted correction, with its reason, as a new ledger line: the ledger is never edited."""
    principal.require(*MANAGERS)
    warehouse = await get_or_raise(session, principal, warehouse_id)
    await check_items(session, [data.item_code], "item_code")
    held = await repository.lock_balances(session, [(warehouse.id, data.item_code)])
    if held[(warehouse.id, data.item_code)] + data.quantity < 0:
        raise InsufficientStock(
            _short(warehouse, data.item_code, -data.quantity, held[(warehouse.id, data.item_code)])
            + "; an adjustment cannot take stock below zero",
            errors=[FieldError(field="quantity", message="more than the stock")],
        )
    await repository.apply_deltas(session, {(warehouse.id, data.item_code): data.quantity})
    repository.record(
        session,
        StockMovement(
            warehouse_id=warehouse.id,
            item_code=data.item_code,
            kind="adjustment",
            quantity=data.quantity,
            note=data.reason,
            recorded_by=principal.sub,
        ),
    )
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="stock.adjusted",
            source=SERVICE,
            subject=str(warehouse.id),
            payload={
                "warehouse_id": str(warehouse.id),
                "item_code": data.item_code,
                "quantity": str(data.quantity),
                "reason": data.reason,
            },
        ),
    )
    await session.flush()
    return await stock(session, principal, warehouse.id)


async def lock_balances(
    session: AsyncSession, pairs: Iterable[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], Decimal]:
    """Lock these (warehouse, item) balances, in a stable order, for the rest of the transaction."""
    return await repository.lock_balances(session, pairs)


async def apply_deltas(session: AsyncSession, deltas: Mapping[tuple[uuid.UUID, str], Decimal]) -> bool:
    return await repository.apply_deltas(session, deltas)


async def record_movements(session: AsyncSession, movements: Sequence[Mapping[str, Any]]) -> None:
    await repository.record_many(session, movements)


async def stock(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID) -> StockRead:
    principal.require(*READERS)
    warehouse = await get_or_raise(session, principal, warehouse_id)
    lines = await repository.balances(session, warehouse.id)
    return StockRead(
        warehouse_id=warehouse.id,
        items=[StockLine(item_code=code, unit=unit, quantity=qty) for code, unit, qty in lines],
    )


async def ledger(
    session: AsyncSession,
    principal: Principal,
    warehouse_id: uuid.UUID,
    *,
    item_code: str | None,
    limit: int,
    cursor: str | None,
) -> Page[LedgerEntry]:
    principal.require(*READERS)
    warehouse = await get_or_raise(session, principal, warehouse_id)
    after = after_int(cursor)
    rows = await repository.ledger(session, warehouse.id, item_code=item_code, after=after, limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[LedgerEntry.model_validate(m) for m in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )
