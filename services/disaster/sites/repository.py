import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.sites.models import EvacuationSite, SiteStay
from services.disaster.victims.models import Victim
from shared.auth import Principal
from shared.pagination import capped_total

HEADCOUNT_FIELDS = (
    "total",
    "male",
    "female",
    "children",
    "adults",
    "elderly",
    "age_unknown",
    "pregnant",
    "disability",
)


def readable_by(principal: Principal) -> Select[EvacuationSite]:
    return select(EvacuationSite).where(principal.region_filter(EvacuationSite.region_code))


async def get(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, *, for_update: bool = False
) -> EvacuationSite | None:
    query = readable_by(principal).where(EvacuationSite.id == site_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, EvacuationSite]:
    if not ids:
        return {}
    rows = await session.scalars(readable_by(principal).where(EvacuationSite.id.in_(list(set(ids)))))
    return {s.id: s for s in rows}


def filtered(
    principal: Principal, *, disaster_id: uuid.UUID | None, status: str | None
) -> Select[EvacuationSite]:
    query = readable_by(principal)
    if disaster_id:
        query = query.where(EvacuationSite.disaster_id == disaster_id)
    if status:
        query = query.where(EvacuationSite.status == status)
    return query


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    disaster_id: uuid.UUID | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[EvacuationSite]:
    query = filtered(principal, disaster_id=disaster_id, status=status)
    if after:
        query = query.where(EvacuationSite.id > after)
    return (await session.scalars(query.order_by(EvacuationSite.id).limit(limit))).all()


async def count(
    session: AsyncSession, principal: Principal, *, disaster_id: uuid.UUID | None, status: str | None
) -> tuple[int, bool]:
    return await capped_total(session, filtered(principal, disaster_id=disaster_id, status=status))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def headcounts(
    session: AsyncSession, site_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, dict[str, int]]:
    """Who is checked in now at each site, counted in one query."""
    if not site_ids:
        return {}
    child_born_after = _years_before(today, 18)  # under 18: born after this day
    elderly_born_by = _years_before(today, 60)  # 60 and over: born on or before this day
    count = func.count()
    rows = await session.execute(
        select(
            SiteStay.site_id,
            count,
            count.filter(Victim.sex == "M"),
            count.filter(Victim.sex == "F"),
            count.filter(Victim.birth_date > child_born_after),
            count.filter(and_(Victim.birth_date <= child_born_after, Victim.birth_date > elderly_born_by)),
            count.filter(Victim.birth_date <= elderly_born_by),
            count.filter(Victim.birth_date.is_(None)),
            count.filter(Victim.pregnant),
            count.filter(Victim.disability),
        )
        .join(Victim, Victim.id == SiteStay.victim_id)
        .where(SiteStay.site_id.in_(list(site_ids)), SiteStay.checked_out_at.is_(None))
        .group_by(SiteStay.site_id)
    )
    out = {site_id: dict.fromkeys(HEADCOUNT_FIELDS, 0) for site_id in site_ids}
    for row in rows:
        out[row[0]] = dict(zip(HEADCOUNT_FIELDS, (int(v) for v in row[1:]), strict=True))
    return out


async def open_stay(
    session: AsyncSession, victim_id: uuid.UUID, *, for_update: bool = False
) -> SiteStay | None:
    query = select(SiteStay).where(SiteStay.victim_id == victim_id, SiteStay.checked_out_at.is_(None))
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def check_in(
    session: AsyncSession, *, site_id: uuid.UUID, victim_id: uuid.UUID, at: datetime, by: str
) -> SiteStay | None:
    """None when the victim already has an open stay (one site at a time, also under concurrency:
    a unique index on open stays decides between two phones checking the same person in)."""
    stay_id = uuid.uuid4()
    result = await session.execute(
        insert(SiteStay)
        .values(id=stay_id, site_id=site_id, victim_id=victim_id, checked_in_at=at, checked_in_by=by)
        .on_conflict_do_nothing(
            index_elements=[SiteStay.victim_id], index_where=SiteStay.checked_out_at.is_(None)
        )
        .returning(SiteStay.id)
    )
    if result.first() is None:
        return None
    return SiteStay(id=stay_id, site_id=site_id, victim_id=victim_id, checked_in_at=at, checked_in_by=by)


async def check_out(session: AsyncSession, stay: SiteStay, *, at: datetime, by: str) -> None:
    await session.execute(
        update(SiteStay).where(SiteStay.id == stay.id).values(checked_out_at=at, checked_out_by=by)
    )
    stay.checked_out_at, stay.checked_out_by = at, by


async def scope_of(session: AsyncSession, site_id: uuid.UUID) -> EvacuationSite | None:
    return await session.get(EvacuationSite, site_id)
