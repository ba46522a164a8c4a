import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.db import Finding
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.reports.models import VictimTarget
from services.disaster.sites.models import SiteStay
from services.disaster.victims.models import Victim
from services.disaster.warehouses.models import Item
from shared.auth import Principal

GONE = ("meninggal", "hilang")


def _within(column: Any, region_code: str) -> ColumnElement[bool]:
    return or_(column == region_code, column.startswith(region_code + ".", autoescape=True))


async def progress(
    session: AsyncSession,
    principal: Principal,
    *,
    region_code: str | None,
    disaster_id: uuid.UUID | None,
    registered_from: datetime | None,
    registered_before: datetime | None,
    area_length: int,
    checkpoints: Sequence[datetime],
) -> list[dict[str, Any]]:
    """Victims in scope counted by area (region code cut to `area_length`) and condition: how many,
    how many handled (sheltered or aided; the living only), and how many handled before each
    checkpoint. One query: the first shelter and first aid of every victim, then the counts."""
    where = [principal.region_filter(Victim.region_code)]
    if region_code:
        where.append(_within(Victim.region_code, region_code))
    if disaster_id:
        where.append(Victim.disaster_id == disaster_id)
    if registered_from:
        where.append(Victim.registered_at >= registered_from)
    if registered_before:
        where.append(Victim.registered_at < registered_before)
    victims = (
        select(Victim.id, Victim.disaster_id, Victim.household_id, Victim.condition, Victim.region_code)
        .where(*where)
        .cte("v")
    )
    ids = select(victims.c.id)
    sheltered = (
        select(SiteStay.victim_id, func.min(SiteStay.checked_in_at).label("at"))
        .where(SiteStay.victim_id.in_(ids))
        .group_by(SiteStay.victim_id)
        .cte("sheltered")
    )
    direct = (
        select(Distribution.victim_id, func.min(Distribution.distributed_at).label("at"))
        .where(Distribution.victim_id.in_(ids))
        .group_by(Distribution.victim_id)
        .cte("direct")
    )
    # Aid counted against the victim or their household (an entitlement group).
    disasters = select(victims.c.disaster_id).distinct()
    grouped = (
        select(
            Distribution.disaster_id,
            Distribution.entitlement_group.label("grp"),
            func.min(Distribution.distributed_at).label("at"),
        )
        .where(Distribution.disaster_id.in_(disasters))
        .group_by(Distribution.disaster_id, Distribution.entitlement_group)
        .cte("grouped")
    )
    as_victim, as_household = grouped.alias("as_victim"), grouped.alias("as_household")
    aided_at = func.least(direct.c.at, as_victim.c.at, as_household.c.at)
    per_victim = (
        select(
            func.substr(victims.c.region_code, 1, area_length).label("area"),
            victims.c.condition,
            sheltered.c.at.label("sheltered_at"),
            aided_at.label("aided_at"),
            func.least(sheltered.c.at, aided_at).label("handled_at"),
        )
        .select_from(victims)
        .outerjoin(sheltered, sheltered.c.victim_id == victims.c.id)
        .outerjoin(direct, direct.c.victim_id == victims.c.id)
        .outerjoin(
            as_victim,
            and_(
                as_victim.c.disaster_id == victims.c.disaster_id,
                as_victim.c.grp == literal("victim:") + cast(victims.c.id, String),
            ),
        )
        .outerjoin(
            as_household,
            and_(
                as_household.c.disaster_id == victims.c.disaster_id,
                as_household.c.grp == literal("household:") + cast(victims.c.household_id, String),
            ),
        )
        .subquery("per_victim")
    )
    alive = per_victim.c.condition.not_in(GONE)
    count = func.count()
    columns = [
        per_victim.c.area,
        per_victim.c.condition,
        count.label("victims"),
        count.filter(and_(alive, per_victim.c.handled_at.is_not(None))).label("handled"),
        count.filter(and_(alive, per_victim.c.sheltered_at.is_not(None))).label("sheltered"),
        count.filter(and_(alive, per_victim.c.aided_at.is_not(None))).label("aided"),
        *[
            count.filter(and_(alive, per_victim.c.handled_at < moment)).label(f"by_{n}")
            for n, moment in enumerate(checkpoints)
        ],
    ]
    rows = await session.execute(
        select(*columns).group_by(per_victim.c.area, per_victim.c.condition).order_by(per_victim.c.area)
    )
    return [dict(r._mapping) for r in rows]


async def households(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count(func.distinct(Victim.household_id))).where(
                Victim.disaster_id == disaster_id, principal.region_filter(Victim.region_code)
            )
        )
        or 0
    )


async def found_count(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Victim.disaster_id == disaster_id,
                Victim.found_on.is_not(None),
                principal.region_filter(Victim.region_code),
            )
        )
        or 0
    )


async def items_distributed(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID
) -> list[tuple[str, str, str, Decimal, int, int]]:
    rows = await session.execute(
        select(
            DistributionLine.item_code,
            Item.name,
            Item.unit,
            func.sum(DistributionLine.quantity),
            func.count(),
            func.count(func.distinct(Distribution.entitlement_group)),
        )
        .join(Distribution, Distribution.id == DistributionLine.distribution_id)
        .join(Item, Item.code == DistributionLine.item_code)
        .where(Distribution.disaster_id == disaster_id, principal.region_filter(Distribution.region_code))
        .group_by(DistributionLine.item_code, Item.name, Item.unit)
        .order_by(DistributionLine.item_code)
    )
    return [(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in rows]


async def distribution_count(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Distribution.disaster_id == disaster_id, principal.region_filter(Distribution.region_code)
            )
        )
        or 0
    )


async def open_findings(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID
) -> dict[str, int]:
    """Open findings on the disaster's distributions and victims, in your regions, by rule."""
    subjects = (
        select(Distribution.id)
        .where(Distribution.disaster_id == disaster_id)
        .union_all(select(Victim.id).where(Victim.disaster_id == disaster_id))
    )
    rows = await session.execute(
        select(Finding.rule, func.count())
        .where(
            Finding.status == "open",
            Finding.subject_id.in_(subjects),
            principal.region_filter(Finding.region_code),
        )
        .group_by(Finding.rule)
        .order_by(Finding.rule)
    )
    return {r[0]: int(r[1]) for r in rows}


async def targets(session: AsyncSession, year: int, region_codes: Sequence[str]) -> dict[str, VictimTarget]:
    if not region_codes:
        return {}
    rows = await session.scalars(
        select(VictimTarget).where(
            VictimTarget.year == year, VictimTarget.region_code.in_(list(region_codes))
        )
    )
    return {t.region_code: t for t in rows}


async def put_target(
    session: AsyncSession, *, year: int, region_code: str, target: int, by: str, at: datetime
) -> VictimTarget:
    stmt = insert(VictimTarget).values(
        year=year, region_code=region_code, target=target, updated_by=by, updated_at=at
    )
    row = await session.scalar(
        stmt.on_conflict_do_update(
            index_elements=[VictimTarget.year, VictimTarget.region_code],
            set_={"target": target, "updated_by": by, "updated_at": at},
        )
        .returning(VictimTarget)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row
