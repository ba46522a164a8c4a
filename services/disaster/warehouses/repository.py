import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, Select, String, column, select, tuple_, update, values
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster import bulk
from services.disaster.warehouses.models import Item, StockBalance, StockMovement, Warehouse
from shared.auth import Principal

Pair = tuple[uuid.UUID, str]  # (warehouse_id, item_code)


def readable_by(principal: Principal) -> Select[Warehouse]:
    return select(Warehouse).where(principal.region_filter(Warehouse.region_code))


async def get(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID) -> Warehouse | None:
    return await session.scalar(readable_by(principal).where(Warehouse.id == warehouse_id))


async def get_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Warehouse]:
    if not ids:
        return []
    return (await session.scalars(readable_by(principal).where(Warehouse.id.in_(ids)))).all()


async def list_(
    session: AsyncSession, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> Sequence[Warehouse]:
    query = readable_by(principal)
    if after:
        query = query.where(Warehouse.id > after)
    return (await session.scalars(query.order_by(Warehouse.id).limit(limit))).all()


async def items(session: AsyncSession, codes: Iterable[str]) -> dict[str, Item]:
    return {i.code: i for i in await session.scalars(select(Item).where(Item.code.in_(list(set(codes)))))}


async def list_items(session: AsyncSession, *, after: str | None, limit: int) -> Sequence[Item]:
    query = select(Item)
    if after:
        query = query.where(Item.code > after)
    return (await session.scalars(query.order_by(Item.code).limit(limit))).all()


async def add_item(session: AsyncSession, item: Item) -> bool:
    """False when the code is taken."""
    result = await session.execute(
        insert(Item)
        .values(code=item.code, name=item.name, unit=item.unit)
        .on_conflict_do_nothing()
        .returning(Item.code)
    )
    return result.first() is not None


def record(session: AsyncSession, movement: StockMovement) -> None:
    session.add(movement)


async def record_many(session: AsyncSession, movements: Sequence[Mapping[str, Any]]) -> None:
    await bulk.insert_rows(session, StockMovement.__table__, movements)  # type: ignore[arg-type]


async def add_to_balance(
    session: AsyncSession, warehouse_id: uuid.UUID, item_code: str, quantity: Decimal
) -> None:
    stmt = insert(StockBalance).values(warehouse_id=warehouse_id, item_code=item_code, quantity=quantity)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StockBalance.warehouse_id, StockBalance.item_code],
            set_={"quantity": StockBalance.quantity + stmt.excluded.quantity},
        )
    )


async def take_from_balance(
    session: AsyncSession, warehouse_id: uuid.UUID, item_code: str, quantity: Decimal
) -> bool:
    """Take stock only if enough is there, in one statement: the row lock it takes serialises
    concurrent takers, and the second sees the first's result, so stock never goes below zero."""
    result = await session.execute(
        update(StockBalance)
        .where(
            StockBalance.warehouse_id == warehouse_id,
            StockBalance.item_code == item_code,
            StockBalance.quantity >= quantity,
        )
        .values(quantity=StockBalance.quantity - quantity)
        .returning(StockBalance.quantity)
    )
    return result.first() is not None


async def lock_balances(session: AsyncSession, pairs: Iterable[Pair]) -> dict[Pair, Decimal]:
    """Lock the balance rows of these (warehouse, item) pairs in one stable order (warehouse, then item),
    so that two writers never wait on each other crosswise, and return what they hold. A pair without
    a row holds nothing."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    rows = await session.execute(
        select(StockBalance.warehouse_id, StockBalance.item_code, StockBalance.quantity)
        .where(tuple_(StockBalance.warehouse_id, StockBalance.item_code).in_(wanted))
        .order_by(StockBalance.warehouse_id, StockBalance.item_code)
        .with_for_update()
    )
    held = {(r[0], r[1]): r[2] for r in rows}
    return {pair: held.get(pair, Decimal(0)) for pair in wanted}


async def apply_deltas(session: AsyncSession, deltas: Mapping[Pair, Decimal]) -> bool:
    """Add each (warehouse, item) delta to its balance in one statement, refusing any that would go
    below zero. Returns False (and the caller rolls back) unless every pair applied."""
    changes = {pair: delta for pair, delta in deltas.items() if delta != 0}
    if not changes:
        return True
    ordered = sorted(changes)
    fresh = [p for p in ordered if changes[p] > 0]
    if fresh:
        await session.execute(
            insert(StockBalance)
            .values([{"warehouse_id": w, "item_code": i, "quantity": Decimal(0)} for w, i in fresh])
            .on_conflict_do_nothing()
        )
    change = values(
        column("warehouse_id", UUID(as_uuid=True)),
        column("item_code", String),
        column("delta", Numeric(14, 3)),
        name="change",
    ).data([(w, i, changes[(w, i)]) for w, i in ordered])
    result = await session.execute(
        update(StockBalance)
        .where(
            StockBalance.warehouse_id == change.c.warehouse_id,
            StockBalance.item_code == change.c.item_code,
            StockBalance.quantity + change.c.delta >= 0,
        )
        .values(quantity=StockBalance.quantity + change.c.delta)
        .returning(StockBalance.item_code)
    )
    return len(result.all()) == len(ordered)


async def balances(session: AsyncSession, warehouse_id: uuid.UUID) -> Sequence[tuple[str, str, Decimal]]:
    rows = await session.execute(
        select(StockBalance.item_code, Item.unit, StockBalance.quantity)
        .join(Item, Item.code == StockBalance.item_code)
        .where(StockBalance.warehouse_id == warehouse_id)
        .order_by(StockBalance.item_code)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def ledger(
    session: AsyncSession, warehouse_id: uuid.UUID, *, item_code: str | None, after: int | None, limit: int
) -> Sequence[StockMovement]:
    query = select(StockMovement).where(StockMovement.warehouse_id == warehouse_id)
    if item_code:
        query = query.where(StockMovement.item_code == item_code)
    if after is not None:
        query = query.where(StockMovement.id > after)
    return (await session.scalars(query.order_by(StockMovement.id).limit(limit))).all()
