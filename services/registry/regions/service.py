from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.regions import repository
from services.registry.regions.models import Region
from shared.errors import NotFound


async def get_or_raise(session: AsyncSession, code: str) -> Region:
    region = await repository.get(session, code)
    if region is None:
        raise NotFound(f"no region with code {code}")
    return region


async def children(session: AsyncSession, code: str) -> Sequence[Region]:
    await get_or_raise(session, code)
    return await repository.children(session, code)


async def provinces(session: AsyncSession) -> Sequence[Region]:
    return await repository.provinces(session)


async def exists(session: AsyncSession, code: str) -> bool:
    return await repository.exists(session, code)
