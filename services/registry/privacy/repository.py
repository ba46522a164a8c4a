import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.history.models import Change
from services.registry.people.models import AccessLogEntry


async def access_log(
    session: AsyncSession, *, person_id: uuid.UUID | None, reader: str | None, after: int | None, limit: int
) -> Sequence[AccessLogEntry]:
    query = select(AccessLogEntry)
    if person_id:
        query = query.where(AccessLogEntry.person_id == person_id)
    if reader:
        query = query.where(AccessLogEntry.reader == reader)
    if after is not None:
        query = query.where(AccessLogEntry.id > after)
    return (await session.scalars(query.order_by(AccessLogEntry.id).limit(limit))).all()


async def all_changes(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Change]:
    return (
        await session.scalars(select(Change).where(Change.person_id == person_id).order_by(Change.id))
    ).all()


async def all_access(session: AsyncSession, person_id: uuid.UUID) -> Sequence[AccessLogEntry]:
    return (
        await session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.person_id == person_id).order_by(AccessLogEntry.id)
        )
    ).all()
