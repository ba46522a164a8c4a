import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, exists, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.disasters.models import Disaster
from shared.auth import Principal


def _touches_scope(principal: Principal) -> ColumnElement[bool]:
    """A disaster is visible to a scoped caller when any of its affected regions is in their scope."""
    if principal.unscoped:
        return true()
    if not principal.regions:
        return false()
    code = func.unnest(Disaster.region_codes).table_valued("code").render_derived()
    return exists(select(1).select_from(code).where(principal.region_filter(code.c.code)))


def readable_by(principal: Principal) -> Select[Disaster]:
    return select(Disaster).where(_touches_scope(principal))


async def get(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> Disaster | None:
    return await session.scalar(readable_by(principal).where(Disaster.id == disaster_id))


async def list_(
    session: AsyncSession, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> Sequence[Disaster]:
    query = readable_by(principal)
    if after:
        query = query.where(Disaster.id > after)
    return (await session.scalars(query.order_by(Disaster.id).limit(limit))).all()
