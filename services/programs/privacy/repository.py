import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.groups.models import WrseAid
from services.programs.institutions.models import Admission, BasicNeedMet
from services.programs.privacy.models import AccessLogEntry
from services.programs.programs.models import Benefit, Enrolment
from services.programs.targeting.models import TargetingCandidate
from shared.auth import Principal


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


async def all_access(session: AsyncSession, person_id: uuid.UUID) -> Sequence[AccessLogEntry]:
    return (
        await session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.person_id == person_id).order_by(AccessLogEntry.id)
        )
    ).all()


def log_access(session: AsyncSession, person_ids: Sequence[uuid.UUID], reader: str, action: str) -> None:
    session.add_all([AccessLogEntry(person_id=p, reader=reader, action=action) for p in person_ids])


async def enrolments(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID
) -> Sequence[Enrolment]:
    return (
        await session.scalars(
            select(Enrolment)
            .where(Enrolment.person_id == person_id, principal.region_filter(Enrolment.region_code))
            .order_by(Enrolment.period_start, Enrolment.id)
        )
    ).all()


async def benefits(session: AsyncSession, enrolment_ids: Sequence[uuid.UUID]) -> Sequence[Benefit]:
    if not enrolment_ids:
        return []
    return (
        await session.scalars(
            select(Benefit)
            .where(Benefit.enrolment_id.in_(enrolment_ids))
            .order_by(Benefit.given_on, Benefit.id)
        )
    ).all()


async def admissions(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID
) -> Sequence[Admission]:
    return (
        await session.scalars(
            select(Admission)
            .where(Admission.person_id == person_id, principal.region_filter(Admission.region_code))
            .order_by(Admission.admitted_on, Admission.id)
        )
    ).all()


async def basic_needs_met(
    session: AsyncSession, admission_ids: Sequence[uuid.UUID]
) -> Sequence[BasicNeedMet]:
    if not admission_ids:
        return []
    return (
        await session.scalars(
            select(BasicNeedMet)
            .where(BasicNeedMet.admission_id.in_(admission_ids))
            .order_by(BasicNeedMet.met_on, BasicNeedMet.id)
        )
    ).all()


async def wrse_aids(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Sequence[WrseAid]:
    return (
        await session.scalars(
            select(WrseAid)
            .where(WrseAid.person_id == person_id, principal.region_filter(WrseAid.region_code))
            .order_by(WrseAid.given_on, WrseAid.id)
        )
    ).all()


async def candidacies(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID
) -> Sequence[TargetingCandidate]:
    return (
        await session.scalars(
            select(TargetingCandidate)
            .where(
                TargetingCandidate.person_id == person_id,
                principal.region_filter(TargetingCandidate.region_code),
            )
            .order_by(TargetingCandidate.run_id)
        )
    ).all()
