import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.households.models import Household, HouseholdMember
from services.registry.people.models import Person
from shared.auth import Principal


def readable_by(principal: Principal) -> Select[Household]:
    return select(Household).where(principal.region_filter(Household.region_code))


async def get(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID, *, lock: bool = False
) -> Household | None:
    query = readable_by(principal).where(Household.id == household_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def kk_taken(session: AsyncSession, kk_number: str) -> bool:
    return await session.scalar(select(Household.id).where(Household.kk_number == kk_number)) is not None


async def current_members(
    session: AsyncSession, household_id: uuid.UUID, *, visible_to: Principal | None = None
) -> Sequence[HouseholdMember]:
    """The household's members today; with `visible_to`, only those the caller may see (a member
    registered in another region is left out, as in every other list)."""
    query = (
        select(HouseholdMember)
        .where(HouseholdMember.household_id == household_id, HouseholdMember.left_on.is_(None))
        .order_by(HouseholdMember.relationship, HouseholdMember.joined_on)
    )
    if visible_to is not None:
        query = query.join(Person, Person.id == HouseholdMember.person_id).where(
            visible_to.region_filter(Person.region_code)
        )
    return (await session.scalars(query)).all()


async def current_membership(
    session: AsyncSession, person_id: uuid.UUID, *, lock: bool = False
) -> HouseholdMember | None:
    query = select(HouseholdMember).where(
        HouseholdMember.person_id == person_id, HouseholdMember.left_on.is_(None)
    )
    return await session.scalar(query.with_for_update() if lock else query)


async def memberships_of(
    session: AsyncSession, person_id: uuid.UUID
) -> Sequence[tuple[HouseholdMember, Household]]:
    rows = await session.execute(
        select(HouseholdMember, Household)
        .join(Household, Household.id == HouseholdMember.household_id)
        .where(HouseholdMember.person_id == person_id)
        .order_by(HouseholdMember.joined_on)
    )
    return [(m, h) for m, h in rows]
