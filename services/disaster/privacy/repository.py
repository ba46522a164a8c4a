import uuid
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.distributions.models import Distribution
from services.disaster.privacy.models import AccessLogEntry
from services.disaster.sites.models import SiteStay
from services.disaster.victims.models import Victim
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


async def access_of(
    session: AsyncSession, person_id: uuid.UUID, subjects: Sequence[uuid.UUID]
) -> Sequence[AccessLogEntry]:
    """Reads of the person, or of any of their records read before the registry knew whose they were."""
    query = select(AccessLogEntry).where(
        or_(AccessLogEntry.person_id == person_id, AccessLogEntry.subject_id.in_(subjects))
        if subjects
        else AccessLogEntry.person_id == person_id
    )
    return (await session.scalars(query.order_by(AccessLogEntry.id))).all()


def log_access(
    session: AsyncSession,
    entries: Sequence[tuple[str, uuid.UUID, uuid.UUID | None]],
    reader: str,
    action: str,
) -> None:
    session.add_all(
        [
            AccessLogEntry(
                subject_type=kind, subject_id=subject, person_id=person, reader=reader, action=action
            )
            for kind, subject, person in entries
        ]
    )


async def victims(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID
) -> list[tuple[Victim, uuid.UUID | None]]:
    rows = await session.execute(
        select(Victim, SiteStay.site_id)
        .outerjoin(SiteStay, and_(SiteStay.victim_id == Victim.id, SiteStay.checked_out_at.is_(None)))
        .where(Victim.person_id == person_id, principal.region_filter(Victim.region_code))
        .order_by(Victim.registered_at, Victim.id)
    )
    return [(r[0], r[1]) for r in rows]


async def stays(session: AsyncSession, victim_ids: Sequence[uuid.UUID]) -> Sequence[SiteStay]:
    if not victim_ids:
        return []
    return (
        await session.scalars(
            select(SiteStay).where(SiteStay.victim_id.in_(victim_ids)).order_by(SiteStay.checked_in_at)
        )
    ).all()


async def distributions(
    session: AsyncSession,
    principal: Principal,
    person_id: uuid.UUID,
    victim_ids: Sequence[uuid.UUID],
    niks: Sequence[str],
) -> Sequence[Distribution]:
    recipient = [Distribution.person_id == person_id]
    if victim_ids:
        recipient.append(Distribution.victim_id.in_(victim_ids))
    if niks:
        recipient.append(Distribution.nik.in_(niks))
    return (
        await session.scalars(
            select(Distribution)
            .where(or_(*recipient), principal.region_filter(Distribution.region_code))
            .order_by(Distribution.distributed_at, Distribution.id)
        )
    ).all()
