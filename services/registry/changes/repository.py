import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.households import repository as households
from services.registry.households.models import Household
from services.registry.people import repository as people
from services.registry.people.models import Person
from shared.auth import Principal


async def people_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Person]:
    """The caller's people among ids; a merged person is gone (the survivor is the record to keep)."""
    query = people.readable_by(principal).where(Person.id.in_(ids), Person.merged_into.is_(None))
    return list((await session.scalars(query)).all())


async def households_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Household]:
    return list((await session.scalars(households.readable_by(principal).where(Household.id.in_(ids)))).all())


async def log_access(session: AsyncSession, principal: Principal, found: Sequence[Person]) -> None:
    # A sync that downloads NIKs is an unmasked read like any other: it goes to the access log.
    if principal.can_read_pii and found:
        await people.log_access(session, found, principal.sub, "sync")
