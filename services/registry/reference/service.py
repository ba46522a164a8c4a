from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.reference import repository
from services.registry.reference.models import PpksType, PsksType
from services.registry.reference.schemas import PpksTypeRead, PsksTypeRead
from shared.errors import Invalid


async def ppks_types(session: AsyncSession) -> list[PpksTypeRead]:
    return [PpksTypeRead.model_validate(t) for t in await repository.ppks_types(session)]


async def psks_types(session: AsyncSession) -> list[PsksTypeRead]:
    return [PsksTypeRead.model_validate(t) for t in await repository.psks_types(session)]


async def ppks_type_or_invalid(session: AsyncSession, code: str, field: str = "ppks_type") -> PpksType:
    found = await repository.ppks_type(session, code)
    if found is None:
        raise Invalid(field, f"{code} is not one of the 26 PPKS types (GET /api/v1/reference/ppks-types)")
    return found


async def psks_type_or_invalid(session: AsyncSession, code: str, field: str = "psks_type") -> PsksType:
    found = await repository.psks_type(session, code)
    if found is None:
        raise Invalid(field, f"{code} is not one of the 12 PSKS types (GET /api/v1/reference/psks-types)")
    return found
