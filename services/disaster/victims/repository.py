import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, and_, func, select, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster import bulk
from services.disaster.common import any_of
from services.disaster.db import Finding
from services.disaster.sites.models import SiteStay
from services.disaster.victims.models import REF_COLUMNS, Victim, VictimRef
from shared.auth import Principal
from shared.pagination import capped_total

# A victim with the site they are checked in at now, if any.
VictimRow = tuple[Victim, uuid.UUID | None]


def readable_by(principal: Principal) -> Select[Victim, uuid.UUID]:
    return (
        select(Victim, SiteStay.site_id)
        .outerjoin(SiteStay, and_(SiteStay.victim_id == Victim.id, SiteStay.checked_out_at.is_(None)))
        .where(principal.region_filter(Victim.region_code))
    )


async def get(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, *, for_update: bool = False
) -> VictimRow | None:
    query = readable_by(principal).where(Victim.id == victim_id)
    if for_update:
        query = query.with_for_update(of=Victim)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def refs(
    session: AsyncSession, principal: Principal, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, VictimRef]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(*REF_COLUMNS).where(
        principal.region_filter(Victim.region_code), any_of(Victim.id, wanted, UUID(as_uuid=True))
    )
    return {r[0]: VictimRef(*r) for r in await session.execute(query)}


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    disaster_id: uuid.UUID | None,
    condition: str | None,
    household_id: uuid.UUID | None,
    site_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[list[VictimRow], tuple[int, bool]]:
    """A page of victims, and how many match in all (counted up to the cap; see capped_total)."""
    query = readable_by(principal)
    if disaster_id:
        query = query.where(Victim.disaster_id == disaster_id)
    if condition:
        query = query.where(Victim.condition == condition)
    if household_id:
        query = query.where(Victim.household_id == household_id)
    if site_id:
        query = query.where(SiteStay.site_id == site_id)
    total = await capped_total(session, query)
    if after:
        query = query.where(Victim.id > after)
    rows = await session.execute(query.order_by(Victim.id).limit(limit))
    return [(r[0], r[1]) for r in rows], total


async def hashes_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The stored content hash of each of these ids that exists (in any region: an id is an id)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Victim.id, Victim.content_hash).where(any_of(Victim.id, ids, UUID(as_uuid=True)))
    )
    return {r[0]: r[1] for r in rows}


async def insert_new(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[uuid.UUID]:
    """Insert what is new; a row whose id or (disaster, NIK) is taken, even by a concurrent writer
    that commits meanwhile, is skipped. Returns the ids inserted."""
    if not rows:
        return set()
    table = Victim.__table__
    return set(await bulk.insert_rows(session, table, rows, on_conflict_do_nothing=True, returning="id"))  # type: ignore[arg-type]


async def holders_of_nik(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Victim.disaster_id, Victim.nik, Victim.id).where(
            any_of(Victim.disaster_id, {d for d, _ in wanted}, UUID(as_uuid=True)),
            any_of(Victim.nik, {n for _, n in wanted}, String),
        )
    )
    return {(r[0], r[1]): r[2] for r in rows if r[1] is not None and (r[0], r[1]) in wanted}


async def nik_holder(
    session: AsyncSession, disaster_id: uuid.UUID, nik: str, *, other_than: uuid.UUID
) -> uuid.UUID | None:
    return await session.scalar(
        select(Victim.id).where(Victim.disaster_id == disaster_id, Victim.nik == nik, Victim.id != other_than)
    )


async def households(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, uuid.UUID]], principal: Principal | None = None
) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """For each (disaster, household) that has members (that you may read, given a principal): how many
    are alive and accounted for (not meninggal, not hilang), at least 1."""
    wanted = set(keys)
    if not wanted:
        return {}
    query = (
        select(
            Victim.disaster_id,
            Victim.household_id,
            func.count().filter(Victim.condition.not_in(("meninggal", "hilang"))),
        )
        .where(
            any_of(Victim.disaster_id, {d for d, _ in wanted}, UUID(as_uuid=True)),
            any_of(Victim.household_id, {h for _, h in wanted}, UUID(as_uuid=True)),
        )
        .group_by(Victim.disaster_id, Victim.household_id)
    )
    if principal is not None:
        query = query.where(principal.region_filter(Victim.region_code))
    rows = await session.execute(query)
    return {(r[0], r[1]): max(1, int(r[2])) for r in rows if r[1] is not None and (r[0], r[1]) in wanted}


async def by_identity(
    session: AsyncSession,
    *,
    niks: Iterable[tuple[uuid.UUID, str]],
    person_ids: Iterable[tuple[uuid.UUID, uuid.UUID]],
) -> tuple[dict[tuple[uuid.UUID, str], VictimRef], dict[tuple[uuid.UUID, uuid.UUID], VictimRef]]:
    """Victims of these disasters known by NIK or registry person id (so that aid recorded against a
    person counts against the victim that person is)."""
    by_nik: dict[tuple[uuid.UUID, str], VictimRef] = {}
    by_person: dict[tuple[uuid.UUID, uuid.UUID], VictimRef] = {}
    nik_keys, person_keys = set(niks), set(person_ids)
    if nik_keys:
        query = select(*REF_COLUMNS).where(
            any_of(Victim.disaster_id, {d for d, _ in nik_keys}, UUID(as_uuid=True)),
            any_of(Victim.nik, {n for _, n in nik_keys}, String),
        )
        for row in await session.execute(query):
            v = VictimRef(*row)
            if v.nik is not None and (v.disaster_id, v.nik) in nik_keys:
                by_nik[(v.disaster_id, v.nik)] = v
    if person_keys:
        query = select(*REF_COLUMNS).where(
            any_of(Victim.disaster_id, {d for d, _ in person_keys}, UUID(as_uuid=True)),
            any_of(Victim.person_id, {p for _, p in person_keys}, UUID(as_uuid=True)),
        )
        for row in await session.execute(query.order_by(Victim.registered_at, Victim.id)):
            v = VictimRef(*row)
            if v.person_id is not None and (v.disaster_id, v.person_id) in person_keys:
                by_person.setdefault((v.disaster_id, v.person_id), v)
    return by_nik, by_person


async def close_open_stay(session: AsyncSession, victim_id: uuid.UUID, *, at: Any, by: str) -> None:
    await session.execute(
        update(SiteStay)
        .where(SiteStay.victim_id == victim_id, SiteStay.checked_out_at.is_(None))
        .values(checked_out_at=at, checked_out_by=by)
    )


async def scope_of(session: AsyncSession, victim_id: uuid.UUID) -> Victim | None:
    return await session.get(Victim, victim_id)


async def resolve_finding(
    session: AsyncSession, *, rule: str, subject_id: uuid.UUID, by: str, reason: str, at: Any
) -> None:
    """An officer settled the cause: the open finding is resolved, with who and why."""
    await session.execute(
        update(Finding)
        .where(Finding.rule == rule, Finding.subject_id == subject_id, Finding.status == "open")
        .values(
            status="resolved",
            closed_at=at,
            updated_at=at,
            detail=Finding.detail.op("||")(func.jsonb_build_object("resolved_by", by, "resolution", reason)),
        )
    )


async def lock_many(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Victim]:
    """These victims (in any region), locked for change, in one order so that batches never deadlock."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(Victim)
        .where(any_of(Victim.id, list(set(ids)), UUID(as_uuid=True)))
        .order_by(Victim.id)
        .with_for_update()
    )
    return {v.id: v for v in rows}
