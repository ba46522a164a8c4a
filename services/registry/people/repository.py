import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

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


async def search(
    session: AsyncSession,
    principal: Principal,
    *,
    nik: str | None,
    region: str | None,
    q: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Person]:
    query = readable_by(principal)
    if nik:
        query = query.where(Person.nik == nik)
    if region:
        query = query.where(
            (Person.region_code == region) | Person.region_code.startswith(region + ".", autoescape=True)
        )
    if q:
        query = query.where(Person.full_name.ilike(f"%{q}%", escape="\\"))
    if after:
        query = query.where(tuple_(Person.created_at, Person.id) > tuple_(*after))
    return (await session.scalars(query.order_by(Person.created_at, Person.id).limit(limit))).all()


def add(session: AsyncSession, person: Person) -> None:
    session.add(person)


def log_access(session: AsyncSession, people: Sequence[Person], reader: str, action: str) -> None:
    session.add_all([AccessLogEntry(person_id=p.id, reader=reader, action=action) for p in people])
