import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.distributions.models import Distribution, DistributionLine
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[Distribution]:
    return select(Distribution).where(principal.region_filter(Distribution.region_code))


def add(session: AsyncSession, distribution: Distribution, lines: Sequence[DistributionLine]) -> None:
    session.add(distribution)
    session.add_all(lines)


async def get(session: AsyncSession, principal: Principal, distribution_id: uuid.UUID) -> Distribution | None:
    return await session.scalar(readable_by(principal).where(Distribution.id == distribution_id))


async def lines_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DistributionLine]]:
    out: dict[uuid.UUID, list[DistributionLine]] = {i: [] for i in ids}
    rows = await session.scalars(
        select(DistributionLine)
        .where(DistributionLine.distribution_id.in_(ids))
        .order_by(DistributionLine.item_code)
    )
    for line in rows:
        out[line.distribution_id].append(line)
    return out


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    disaster_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Distribution]:
    query = readable_by(principal)
    if person_id:
        query = query.where(Distribution.person_id == person_id)
    if disaster_id:
        query = query.where(Distribution.disaster_id == disaster_id)
    if after:
        query = query.where(Distribution.id > after)
    return (await session.scalars(query.order_by(Distribution.id).limit(limit))).all()


async def scope_of(session: AsyncSession, distribution_id: uuid.UUID) -> Distribution | None:
    return await session.get(Distribution, distribution_id)
