import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.warehouses.models import Item, StockBalance, StockMovement, Warehouse
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[Warehouse]:
    return select(Warehouse).where(principal.region_filter(Warehouse.region_code))


async def get(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID) -> Warehouse | None:
    return await session.scalar(readable_by(principal).where(Warehouse.id == warehouse_id))


async def list_(
    session: AsyncSession, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> Sequence[Warehouse]:
    query = readable_by(principal)
    if after:
        query = query.where(Warehouse.id > after)
    return (await session.scalars(query.order_by(Warehouse.id).limit(limit))).all()


async def items(session: AsyncSession, codes: Sequence[str]) -> dict[str, Item]:
    return {i.code: i for i in await session.scalars(select(Item).where(Item.code.in_(codes)))}


def record(session: AsyncSession, movement: StockMovement) -> None:
    session.add(movement)


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


async def balances(session: AsyncSession, warehouse_id: uuid.UUID) -> Sequence[tuple[str, str, Decimal]]:
    rows = await session.execute(
        select(StockBalance.item_code, Item.unit, StockBalance.quantity)
        .join(Item, Item.code == StockBalance.item_code)
        .where(StockBalance.warehouse_id == warehouse_id)
        .order_by(StockBalance.item_code)
    )
    return [(r[0], r[1], r[2]) for r in rows]
