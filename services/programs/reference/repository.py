from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.reference.models import BasicNeed, Parameter, SpmService


async def spm_services(session: AsyncSession) -> Sequence[SpmService]:
    return (await session.scalars(select(SpmService).order_by(SpmService.position))).all()


async def basic_needs(session: AsyncSession) -> Sequence[BasicNeed]:
    return (await session.scalars(select(BasicNeed).order_by(BasicNeed.position))).all()


async def basic_need(session: AsyncSession, code: str) -> BasicNeed | None:
    return await session.get(BasicNeed, code)


async def parameters(session: AsyncSession) -> Sequence[Parameter]:
    return (await session.scalars(select(Parameter).order_by(Parameter.key))).all()


async def parameter(session: AsyncSession, key: str, *, lock: bool = False) -> Parameter | None:
    query = select(Parameter).where(Parameter.key == key)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)
