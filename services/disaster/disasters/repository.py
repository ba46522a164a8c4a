import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, exists, false, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.disasters.models import Disaster
from shared.auth import Principal


def _touches_scope(principal: Principal) -> ColumnElement[bool]:
    """A disaster is visible to a scoped caller when any of its affected regions overlaps their scope:
    lies inside one of their regions, or contains one (a province-wide disaster touches every regency)."""
    if principal.unscoped:
        return true()
    if not principal.regions:
        return false()
    code = func.unnest(Disaster.region_codes).table_valued("code").render_derived()
    contains_scope = [literal(p).startswith(code.c.code + ".") for p in principal.regions]
    return exists(
        select(1).select_from(code).where(or_(principal.region_filter(code.c.code), *contains_scope))
    )


def readable_by(principal: Principal) -> Select[Disaster]:
    return select(Disaster).where(_touches_scope(principal))


async def get(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID, *, for_update: bool = False
) -> Disaster | None:
    query = readable_by(principal).where(Disaster.id == disaster_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Disaster]:
    if not ids:
        return []
    return (await session.scalars(readable_by(principal).where(Disaster.id.in_(ids)))).all()


async def list_(
    session: AsyncSession, principal: Principal, *, status: str | None, after: uuid.UUID | None, limit: int
) -> Sequence[Disaster]:
    query = readable_by(principal)
    if status:
        query = query.where(Disaster.status == status)
    if after:
        query = query.where(Disaster.id > after)
    return (await session.scalars(query.order_by(Disaster.id).limit(limit))).all()
