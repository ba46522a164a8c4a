"""Evacuation sites: capacity from covered area, one site per person at a time, a live headcount and
the Sphere/BNPB warnings an officer must act on."""

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import after_id, check_if_match, etag
from services.disaster.db import OutboxEvent
from services.disaster.disasters import service as disasters
from services.disaster.sites import repository
from services.disaster.sites.exceptions import (
    AlreadyCheckedIn,
    NotCheckedIn,
    SiteClosed,
    SiteNotEmpty,
    VictimGone,
)
from services.disaster.sites.models import EvacuationSite, SiteStay
from services.disaster.sites.schemas import (
    Headcount,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SiteWarning,
    StayCreate,
    StayRead,
)
from services.disaster.victims import service as victims
from shared import clock
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.events import publish
from shared.pagination import Page, encode_cursor

MANAGERS = ("provincial_officer", "regency_officer")
RECORDERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
CLOCK_SKEW = timedelta(minutes=5)

# Sphere Handbook / BNPB (Perka 7/2008) minimums, as DOMAIN.md gives them.
M2_PER_PERSON = Decimal("3.5")
PEOPLE_PER_TOILET = 20
WATER_L_PER_PERSON_DAY = Decimal(15)


def capacity(site: EvacuationSite) -> int:
    return math.floor(site.covered_area_m2 / M2_PER_PERSON)


def warnings(site: EvacuationSite, people: int) -> list[SiteWarning]:
    if people == 0:
        return []
    out = []
    room = capacity(site)
    if people > room:
        out.append(
            SiteWarning(
                code="over_capacity",
                message=f"{people} people for a capacity of {room} "
                f"({site.covered_area_m2.normalize():f} m² at {M2_PER_PERSON} m² per person)",
            )
        )
    if people > PEOPLE_PER_TOILET * site.toilets:
        per = "no toilet" if site.toilets == 0 else f"{people / site.toilets:.1f} people per toilet"
        out.append(
            SiteWarning(
                code="toilets",
                message=f"{per} ({people} people, {site.toilets} toilets); the minimum is one per "
                f"{PEOPLE_PER_TOILET}",
            )
        )
    water = site.water_liters_per_day / people
    if water < WATER_L_PER_PERSON_DAY:
        out.append(
            SiteWarning(
                code="water",
                message=f"{water:.1f} L of water per person per day; "
                f"the minimum is {WATER_L_PER_PERSON_DAY} L",
            )
        )
    return out


def to_read(site: EvacuationSite, counts: dict[str, int]) -> SiteRead:
    return SiteRead(
        id=site.id,
        disaster_id=site.disaster_id,
        name=site.name,
        region_code=site.region_code,
        address=site.address,
        latitude=site.latitude,
        longitude=site.longitude,
        covered_area_m2=site.covered_area_m2,
        toilets=site.toilets,
        water_liters_per_day=site.water_liters_per_day,
        status=site.status,  # type: ignore[arg-type]
        capacity=capacity(site),
        headcount=Headcount(**counts),
        warnings=warnings(site, counts["total"]),
        created_at=site.created_at,
        closed_at=site.closed_at,
    )


def stay_read(stay: SiteStay) -> StayRead:
    return StayRead(
        id=stay.id,
        site_id=stay.site_id,
        victim_id=stay.victim_id,
        checked_in_at=stay.checked_in_at,
        checked_in_by=stay.checked_in_by,
        checked_out_at=stay.checked_out_at,
        checked_out_by=stay.checked_out_by,
    )


async def summaries(session: AsyncSession, sites: Sequence[EvacuationSite]) -> list[SiteRead]:
    counts = await repository.headcounts(session, [s.id for s in sites], clock.today())
    return [to_read(s, counts[s.id]) for s in sites]


async def create(session: AsyncSession, principal: Principal, data: SiteCreate) -> SiteRead:
    principal.require(*MANAGERS)
    if not principal.covers_region(data.region_code):
        raise Forbidden(f"region {data.region_code} is outside your regions")
    disaster = await disasters.get_open_or_raise(session, principal, data.disaster_id)
    now = datetime.now(UTC)
    site = EvacuationSite(
        id=uuid.uuid4(),
        **data.model_dump(exclude={"disaster_id"}),
        disaster_id=disaster.id,
        status="open",
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(site)
    await session.flush()
    return to_read(site, dict.fromkeys(repository.HEADCOUNT_FIELDS, 0))


async def get_or_raise(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, *, for_update: bool = False
) -> EvacuationSite:
    principal.require(*READERS)
    site = await repository.get(session, principal, site_id, for_update=for_update)
    if site is None:
        raise NotFound(f"no evacuation site {site_id} in your regions")
    return site


async def readable_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, EvacuationSite]:
    return await repository.get_many(session, principal, ids)


async def read(session: AsyncSession, principal: Principal, site_id: uuid.UUID) -> tuple[SiteRead, str]:
    site = await get_or_raise(session, principal, site_id)
    return (await summaries(session, [site]))[0], etag(site.id, site.version)


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    disaster_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Page[SiteRead]:
    principal.require(*READERS)
    rows = await repository.list_(
        session, principal, disaster_id=disaster_id, status=status, after=after_id(cursor), limit=limit + 1
    )
    page = rows[:limit]
    total, more_than = await repository.count(session, principal, disaster_id=disaster_id, status=status)
    return Page(
        items=await summaries(session, page),
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
        total=total,
        total_is_lower_bound=more_than,
    )


async def update(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, data: SiteUpdate, if_match: str
) -> tuple[SiteRead, str]:
    principal.require(*MANAGERS)
    site = await get_or_raise(session, principal, site_id, for_update=True)
    check_if_match(if_match, site.id, site.version, "evacuation site")
    given = data.model_dump(include=data.model_fields_set)
    for required in ("name", "covered_area_m2", "toilets", "water_liters_per_day"):
        if required in given and given[required] is None:
            raise Invalid(required, f"{required} cannot be emptied")
    changed = {name: value for name, value in given.items() if getattr(site, name) != value}
    if site.status == "closed" and changed:
        raise SiteClosed(f"{site.name} is closed", errors=[FieldError(field="status", message="closed")])
    if changed.get("status") == "closed":
        people = (await repository.headcounts(session, [site.id], clock.today()))[site.id]["total"]
        if people:
            raise SiteNotEmpty(
                f"{people} people are still checked in at {site.name}; check them out first",
                errors=[FieldError(field="status", message=f"{people} people still checked in")],
            )
        site.closed_at = datetime.now(UTC)
    for name, value in changed.items():
        setattr(site, name, value)
    if changed:
        site.version += 1
        site.updated_at = datetime.now(UTC)
        await session.flush()
    return (await summaries(session, [site]))[0], etag(site.id, site.version)


def _moment(at: datetime | None, now: datetime) -> datetime:
    moment = at or now
    if moment > now + CLOCK_SKEW:
        raise Invalid("at", "at cannot be in the future")
    return moment


async def check_in(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, data: StayCreate
) -> StayRead:
    principal.require(*RECORDERS)
    site = await get_or_raise(session, principal, site_id)
    if site.status == "closed":
        raise SiteClosed(f"{site.name} is closed", errors=[FieldError(field="site_id", message="closed")])
    disaster = await disasters.get_open_or_raise(session, principal, site.disaster_id)
    victim, _ = await victims.get_row_or_raise(session, principal, data.victim_id, for_update=True)
    if victim.disaster_id != site.disaster_id:
        raise Invalid("victim_id", "the victim was registered for another disaster than this site's")
    if victim.condition in victims.GONE:
        raise VictimGone(
            f"{victim.full_name} is recorded as {victim.condition}",
            errors=[FieldError(field="victim_id", message=f"recorded as {victim.condition}")],
        )
    now = datetime.now(UTC)
    at = _moment(data.at, now)
    if clock.local_date(at) < disaster.started_on:
        raise Invalid("at", f"the disaster started on {disaster.started_on}")
    stay = await repository.check_in(session, site_id=site.id, victim_id=victim.id, at=at, by=principal.sub)
    if stay is None:
        current = await repository.open_stay(session, victim.id)
        where = (
            "here"
            if current and current.site_id == site.id
            else f"at site {current.site_id if current else '?'}"
        )
        raise AlreadyCheckedIn(
            f"{victim.full_name} is already checked in {where} since "
            f"{current.checked_in_at.isoformat() if current else '?'}; check out first",
            errors=[FieldError(field="victim_id", message="already checked in at a site")],
        )
    if victim.condition == "terdampak":
        # Sheltered at a site is displaced (mengungsi), in BNPB's classes.
        victim.condition, victim.version, victim.updated_at = "mengungsi", victim.version + 1, now
        publish(session, OutboxEvent, victims.event("updated", victim, disaster, changed=["condition"]))
    else:
        # Where a victim is sheltered is the worker's business too (a panti resident at a site).
        publish(session, OutboxEvent, victims.event("updated", victim, disaster, changed=["site"]))
    await session.flush()
    return stay_read(stay)


async def check_out(
    session: AsyncSession, principal: Principal, site_id: uuid.UUID, data: StayCreate
) -> StayRead:
    principal.require(*RECORDERS)
    site = await get_or_raise(session, principal, site_id)
    victim, _ = await victims.get_row_or_raise(session, principal, data.victim_id)
    stay = await repository.open_stay(session, victim.id, for_update=True)
    if stay is None or stay.site_id != site.id:
        raise NotCheckedIn(
            f"{victim.full_name} is not checked in at {site.name}",
            errors=[FieldError(field="victim_id", message="not checked in here")],
        )
    at = _moment(data.at, datetime.now(UTC))
    if at < stay.checked_in_at:
        raise Invalid("at", f"the victim checked in at {stay.checked_in_at.isoformat()}, after this")
    await repository.check_out(session, stay, at=at, by=principal.sub)
    disaster = await disasters.get_or_raise(session, principal, victim.disaster_id)
    publish(session, OutboxEvent, victims.event("updated", victim, disaster, changed=["site"]))
    await session.flush()
    return stay_read(stay)


async def subject_scope(session: AsyncSession, site_id: uuid.UUID) -> str | None:
    site = await repository.scope_of(session, site_id)
    return site.region_code if site else None


async def for_disaster(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> list[SiteRead]:
    """Every site of the disaster in your regions, with its headcount (for the situation report)."""
    rows: list[EvacuationSite] = []
    after = None
    while True:
        page = await repository.list_(
            session, principal, disaster_id=disaster_id, status=None, after=after, limit=500
        )
        rows.extend(page)
        if len(page) < 500:
            return await summaries(session, rows)
        after = page[-1].id
