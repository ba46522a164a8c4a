import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.assessments.models import PpksAssessment
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[PpksAssessment]:
    return select(PpksAssessment).where(principal.region_filter(PpksAssessment.region_code))


async def get(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, *, lock: bool = False
) -> PpksAssessment | None:
    query = readable_by(principal).where(PpksAssessment.id == assessment_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> Sequence[PpksAssessment]:
    return (
        await session.scalars(
            select(PpksAssessment)
            .where(PpksAssessment.person_id == person_id)
            .order_by(PpksAssessment.assessed_on)
        )
    ).all()


async def active_of_type(
    session: AsyncSession, person_id: uuid.UUID, ppks_type: str
) -> PpksAssessment | None:
    return await session.scalar(
        select(PpksAssessment).where(
            PpksAssessment.person_id == person_id,
            PpksAssessment.ppks_type == ppks_type,
            PpksAssessment.status == "active",
        )
    )
