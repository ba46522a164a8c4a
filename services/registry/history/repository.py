import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.history.models import Change


async def for_person(
    session: AsyncSession, person_id: uuid.UUID, *, after: int | None, limit: int
) -> Sequence[Change]:
    query = select(Change).where(Change.person_id == person_id)
    if after is not None:
        query = query.where(Change.id > after)
    return (await session.scalars(query.order_by(Change.id).limit(limit))).all()
