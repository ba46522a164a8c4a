import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, String, cast, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import any_of
from services.disaster.disasters.models import Disaster
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.entitlements.models import EntitlementRule
from services.disaster.warehouses.models import Item


async def rules_for(session: AsyncSession, disaster_ids: Iterable[uuid.UUID]) -> Sequence[EntitlementRule]:
    """The defaults and the rules of these disasters."""
    ids = list(set(disaster_ids))
    query = select(EntitlementRule).where(
        or_(
            EntitlementRule.disaster_id.is_(None),
            any_of(EntitlementRule.disaster_id, ids, UUID(as_uuid=True)),
        )
    )
    return (await session.scalars(query)).all()


async def rules_with_units(
    session: AsyncSession, disaster_id: uuid.UUID | None
) -> Sequence[tuple[EntitlementRule, str]]:
    query = (
        select(EntitlementRule, Item.unit)
        .join(Item, Item.code == EntitlementRule.item_code)
        .where(
            EntitlementRule.disaster_id.is_(None)
            if disaster_id is None
            else or_(EntitlementRule.disaster_id.is_(None), EntitlementRule.disaster_id == disaster_id)
        )
        .order_by(EntitlementRule.item_code)
    )
    return [(r[0], r[1]) for r in await session.execute(query)]


async def put(
    session: AsyncSession,
    *,
    disaster_id: uuid.UUID | None,
    item_code: str,
    rule: str,
    quantity: Decimal | None,
    by: str,
    at: datetime,
) -> EntitlementRule:
    stmt = insert(EntitlementRule).values(
        id=uuid.uuid4(),
        disaster_id=disaster_id,
        item_code=item_code,
        rule=rule,
        quantity=quantity,
        updated_by=by,
        updated_at=at,
    )
    row = await session.scalar(
        stmt.on_conflict_do_update(
            constraint="uq_entitlement_rules_disaster_id",
            set_={"rule": rule, "quantity": quantity, "updated_by": by, "updated_at": at},
        )
        .returning(EntitlementRule)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def remove(session: AsyncSession, *, disaster_id: uuid.UUID | None, item_code: str) -> bool:
    where = (
        EntitlementRule.disaster_id.is_(None)
        if disaster_id is None
        else EntitlementRule.disaster_id == disaster_id
    )
    result = await session.execute(
        delete(EntitlementRule)
        .where(where, EntitlementRule.item_code == item_code)
        .returning(EntitlementRule.id)
    )
    return result.first() is not None


async def used(
    session: AsyncSession, disaster_ids: Iterable[uuid.UUID], groups: Iterable[str], zone: str
) -> list[tuple[uuid.UUID, str, str, int, Decimal]]:
    """What each (disaster, entitlement group) already received, per item and per week of the disaster
    (week 0 starts on its first day, in the office's calendar)."""
    group_list = list(set(groups))
    if not group_list:
        return []
    week = cast(
        (cast(func.timezone(zone, Distribution.distributed_at), Date) - Disaster.started_on) / 7, Integer
    )
    rows = await session.execute(
        select(
            Distribution.disaster_id,
            Distribution.entitlement_group,
            DistributionLine.item_code,
            week,
            func.sum(DistributionLine.quantity),
        )
        .join(DistributionLine, DistributionLine.distribution_id == Distribution.id)
        .join(Disaster, Disaster.id == Distribution.disaster_id)
        .where(
            any_of(Distribution.disaster_id, set(disaster_ids), UUID(as_uuid=True)),
            any_of(Distribution.entitlement_group, group_list, String),
        )
        .group_by(Distribution.disaster_id, Distribution.entitlement_group, DistributionLine.item_code, week)
    )
    return [(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]


LOCK_CLASS = 0x6E746C  # the disaster service's entitlement locks ("ntl"), apart from anyone else's


async def lock_groups(session: AsyncSession, keys: Iterable[int]) -> None:
    """Transaction-level advisory locks, one per (disaster, entitlement group), taken in ascending
    order: two writers giving to the same household wait for each other instead of both reading
    "not given yet"."""
    ordered = sorted(set(keys))
    if ordered:
        await session.execute(
            text("SELECT count(pg_advisory_xact_lock(:class, k)) FROM unnest(CAST(:keys AS integer[])) AS k"),
            {"class": LOCK_CLASS, "keys": ordered},
        )
