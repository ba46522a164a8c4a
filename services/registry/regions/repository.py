from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.regions.models import Region


async def get(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def children(session: AsyncSession, code: str) -> Sequence[Region]:
    return (
        await session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code))
    ).all()


async def provinces(session: AsyncSession) -> Sequence[Region]:
    return (
        await session.scalars(select(Region).where(Region.parent_code.is_(None)).order_by(Region.code))
    ).all()


async def exists(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(Region.code).where(Region.code == code)) is not None
