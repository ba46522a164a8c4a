import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.assessments.models import PpksAssessment
from services.registry.people.models import AccessLogEntry, Person
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[Person]:
    """People the caller may see: the scope is part of the query, never a filter after loading."""
    return select(Person).where(principal.region_filter(Person.region_code))


async def get(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, *, lock: bool = False
) -> Person | None:
    query = readable_by(principal).where(Person.id == person_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def nik_taken(session: AsyncSession, nik: str, *, other_than: uuid.UUID | None = None) -> bool:
    # Checked across all regions (not the caller's scope): a NIK identifies one person nationally.
    query = select(Person.id).where(Person.nik == nik, Person.status != "merged")
    if other_than:
        query = query.where(Person.id != other_than)
    return await session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class PeopleFilter:
    nik: str | None = None
    kk_number: str | None = None
    name: str | None = None  # normalised
    birth_date: date | None = None
    born_after: date | None = None  # inclusive bounds from an age band
    born_before: date | None = None
    region: str | None = None
    ppks_type: str | None = None
    status: str | None = None


def _filtered(principal: Principal, f: PeopleFilter) -> Select[Person]:
    query = readable_by(principal)
    if f.nik:
        query = query.where(Person.nik == f.nik)
    if f.kk_number:
        query = query.where(Person.kk_number == f.kk_number)
    if f.name:
        # Typo-tolerant: trigram word similarity, or the normalised name containing what was typed.
        escaped = f.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(Person.name_normalized.op("%>")(f.name), Person.name_normalized.ilike(f"%{escaped}%"))
        )
    if f.birth_date:
        query = query.where(Person.birth_date == f.birth_date)
    if f.born_after:
        query = query.where(Person.birth_date >= f.born_after)
    if f.born_before:
        query = query.where(Person.birth_date <= f.born_before)
    if f.region:
        query = query.where(
            (Person.region_code == f.region) | Person.region_code.startswith(f.region + ".", autoescape=True)
        )
    if f.ppks_type:
        query = query.where(
            exists().where(
                PpksAssessment.person_id == Person.id,
                PpksAssessment.ppks_type == f.ppks_type,
                PpksAssessment.status == "active",
            )
        )
    if f.status:
        query = query.where(Person.status == f.status)
    return query


async def search(
    session: AsyncSession,
    principal: Principal,
    f: PeopleFilter,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Person]:
    query = _filtered(principal, f)
    if after:
        query = query.where(tuple_(Person.created_at, Person.id) > tuple_(*after))
    return (await session.scalars(query.order_by(Person.created_at, Person.id).limit(limit))).all()


def add(session: AsyncSession, person: Person) -> None:
    session.add(person)


async def log_access(session: AsyncSession, people: Sequence[Person], reader: str, action: str) -> None:
    # A plain INSERT, not the unit of work: this runs on every unmasked read, and flushing ORM
    # objects was an eighth of a NIK lookup.
    await session.execute(
        insert(AccessLogEntry.__table__),  # type: ignore[arg-type]
        [{"person_id": p.id, "reader": reader, "action": action} for p in people],
    )
