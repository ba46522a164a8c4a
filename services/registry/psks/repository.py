import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.psks.models import PsksRole
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[PsksRole]:
    return select(PsksRole).where(principal.region_filter(PsksRole.region_code))


def _in_region(region: str | None):  # type: ignore[no-untyped-def]
    if not region:
        return True
    return or_(PsksRole.region_code == region, PsksRole.region_code.startswith(region + ".", autoescape=True))


async def get(
    session: AsyncSession, principal: Principal, role_id: uuid.UUID, *, lock: bool = False
) -> PsksRole | None:
    query = readable_by(principal).where(PsksRole.id == role_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def active_role(session: AsyncSession, person_id: uuid.UUID, psks_type: str) -> PsksRole | None:
    return await session.scalar(
        select(PsksRole).where(
            PsksRole.person_id == person_id, PsksRole.psks_type == psks_type, PsksRole.status == "active"
        )
    )


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> Sequence[PsksRole]:
    return (await session.scalars(select(PsksRole).where(PsksRole.person_id == person_id))).all()


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    region: str | None,
    psks_type: str | None,
    person_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[PsksRole]:
    query = readable_by(principal).where(_in_region(region))
    if psks_type:
        query = query.where(PsksRole.psks_type == psks_type)
    if person_id:
        query = query.where(PsksRole.person_id == person_id)
    if after:
        query = query.where(PsksRole.id > after)
    return (await session.scalars(query.order_by(PsksRole.id).limit(limit))).all()


def _active(on: date):  # type: ignore[no-untyped-def]
    return (
        (PsksRole.status == "active")
        & (PsksRole.active_from <= on)
        & (PsksRole.active_until.is_(None) | (PsksRole.active_until >= on))
    )


async def summary(
    session: AsyncSession, principal: Principal, *, region: str | None, on: date
) -> tuple[list[tuple[str, str, int, int, int]], list[tuple[str, int, int]], tuple[int, int, int]]:
    """Counts of roles and of distinct people, computed in the database (one person, many roles)."""
    scope = (principal.region_filter(PsksRole.region_code), _in_region(region), _active(on))
    regency = func.substr(PsksRole.region_code, 1, 5)
    people = func.count(distinct(PsksRole.person_id))
    organisations = func.count(PsksRole.organisation_name)
    by_type_region = await session.execute(
        select(PsksRole.psks_type, regency, func.count(), people, organisations)
        .where(*scope)
        .group_by(PsksRole.psks_type, regency)
        .order_by(PsksRole.psks_type, regency)
    )
    by_type = await session.execute(
        select(PsksRole.psks_type, func.count(), people)
        .where(*scope)
        .group_by(PsksRole.psks_type)
        .order_by(PsksRole.psks_type)
    )
    totals = (await session.execute(select(func.count(), people, organisations).where(*scope))).one()
    return (
        [(t, r, int(n), int(p), int(o)) for t, r, n, p, o in by_type_region],
        [(t, int(n), int(p)) for t, n, p in by_type],
        (int(totals[0]), int(totals[1]), int(totals[2])),
    )
