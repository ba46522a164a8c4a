from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.reference.models import PpksType, PsksType


async def ppks_types(session: AsyncSession) -> Sequence[PpksType]:
    return (await session.scalars(select(PpksType).order_by(PpksType.code))).all()


async def psks_types(session: AsyncSession) -> Sequence[PsksType]:
    return (await session.scalars(select(PsksType).order_by(PsksType.code))).all()


async def ppks_type(session: AsyncSession, code: str) -> PpksType | None:
    return await session.get(PpksType, code)


async def psks_type(session: AsyncSession, code: str) -> PsksType | None:
    return await session.get(PsksType, code)
