import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.attachments.models import Attachment


async def add(session: AsyncSession, attachment: Attachment) -> None:
    session.add(attachment)
    await session.flush()
    await session.refresh(attachment)


async def get(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def list_for(
    session: AsyncSession, record_type: str, record_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> Sequence[Attachment]:
    query = select(Attachment).where(Attachment.record_type == record_type, Attachment.record_id == record_id)
    if after:
        query = query.where(Attachment.id > after)
    return (await session.scalars(query.order_by(Attachment.id).limit(limit))).all()
