import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, func, insert, literal, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.people.models import AccessLogEntry, Person
from shared.auth import Principal

_COLUMNS = [c for c in Person.__table__.c if c.key not in ("attributes", "name_normalized")]


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    region: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Row]:  # type: ignore[type-arg]
    """People in the caller's scope (and under `region`), in (created_at, id) order, after a key.
    Plain rows, not ORM objects: an export reads a million of them."""
    query = select(*_COLUMNS).where(principal.region_filter(Person.region_code))
    if region:
        query = query.where(
            (Person.region_code == region) | Person.region_code.startswith(region + ".", autoescape=True)
        )
    if after:
        query = query.where(tuple_(Person.created_at, Person.id) > tuple_(*after))
    return (await session.execute(query.order_by(Person.created_at, Person.id).limit(limit))).all()


async def log_access(session: AsyncSession, person_ids: list[uuid.UUID], reader: str, action: str) -> None:
    """One access-log row per person, in one statement."""
    ids = bindparam("ids", person_ids, type_=ARRAY(UUID(as_uuid=True)))
    await session.execute(
        insert(AccessLogEntry).from_select(
            ["person_id", "reader", "action"], select(func.unnest(ids), literal(reader), literal(action))
        )
    )
