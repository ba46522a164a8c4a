"""Households as on the Kartu Keluarga: one head, a person in one household at a time, and a move
from one household to another done in one transaction (the database's unique indexes back it up)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.db import SERVICE, OutboxEvent
from services.registry.history import service as history
from services.registry.households import repository
from services.registry.households.exceptions import AlreadyInHousehold, HeadConflict, KkTaken
from services.registry.households.models import Household, HouseholdMember
from services.registry.households.schemas import HEAD, HouseholdCreate, HouseholdRead, MemberIn, MemberRead
from services.registry.people import permissions
from services.registry.people import repository as people
from services.registry.people.nik import check_kk, mask
from services.registry.regions import service as regions
from shared import clock
from shared.auth import Principal
from shared.errors import Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish


async def _read(session: AsyncSession, principal: Principal, household: Household) -> HouseholdRead:
    members = await repository.current_members(session, household.id, visible_to=principal)
    return HouseholdRead(
        id=household.id,
        kk_number=household.kk_number if principal.can_read_pii else mask(household.kk_number) or "",
        region_code=household.region_code,
        address=household.address,
        members=[MemberRead.model_validate(m) for m in members],
        created_at=household.created_at,
        updated_at=household.updated_at,
    )


async def _member_person(session: AsyncSession, principal: Principal, person_id: uuid.UUID, field: str):  # type: ignore[no-untyped-def]
    person = await people.get(session, principal, person_id, lock=True)
    if person is None:
        raise Invalid(field, f"no person {person_id} in your regions")
    if person.status != "active":
        raise Invalid(field, f"the person's status is {person.status}")
    return person


def _join(
    session: AsyncSession, principal: Principal, household: Household, person, member: MemberIn
) -> None:  # type: ignore[no-untyped-def]
    joined_on = member.joined_on or clock.today()
    session.add(
        HouseholdMember(
            household_id=household.id,
            person_id=person.id,
            relationship=member.relationship,
            joined_on=joined_on,
        )
    )
    if person.kk_number != household.kk_number:
        before = {"kk_number": person.kk_number}
        person.kk_number = household.kk_number
        person.version += 1
        history.record(
            session,
            entity_type="person",
            entity_id=person.id,
            person_id=person.id,
            action="update",
            actor=principal.sub,
            before=before,
            after={"kk_number": household.kk_number},
        )
    history.record(
        session,
        entity_type="household",
        entity_id=household.id,
        person_id=person.id,
        action="join",
        actor=principal.sub,
        before=None,
        after={"relationship": member.relationship, "joined_on": joined_on.isoformat()},
    )


async def create(session: AsyncSession, principal: Principal, data: HouseholdCreate) -> HouseholdRead:
    permissions.require_write(principal)
    try:
        check_kk(data.kk_number)
    except ValueError as exc:
        raise Invalid("kk_number", str(exc)) from None
    if not await regions.exists(session, data.region_code):
        raise Invalid("region_code", f"{data.region_code} is not a Kemendagri region code")
    if not principal.covers_region(data.region_code):
        raise Forbidden(f"region {data.region_code} is outside your regions")
    heads = [m for m in data.members if m.relationship == HEAD]
    if len(heads) != 1:
        raise Invalid("members", f"a household has exactly one head (relationship 1); {len(heads)} given")
    ids = [m.person_id for m in data.members]
    if len(set(ids)) != len(ids):
        raise Invalid("members", "a person is listed twice")
    if await repository.kk_taken(session, data.kk_number):
        raise KkTaken("a household with this KK number exists; add members to it instead")
    now = datetime.now(UTC)
    household = Household(
        id=uuid.uuid4(),
        kk_number=data.kk_number,
        region_code=data.region_code,
        address=data.address,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(household)
    await session.flush()
    for index, member in enumerate(data.members):
        person = await _member_person(session, principal, member.person_id, f"members.{index}.person_id")
        if await repository.current_membership(session, person.id) is not None:
            raise AlreadyInHousehold(
                f"person {person.id} belongs to another household; move them with "
                f"POST /api/v1/households/{{id}}/members"
            )
        _join(session, principal, household, person, member)
    history.record(
        session,
        entity_type="household",
        entity_id=household.id,
        person_id=None,
        action="create",
        actor=principal.sub,
        before=None,
        after=history.snapshot(household, ("kk_number", "region_code", "address")),
    )
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="household.created",
            source=SERVICE,
            subject=str(household.id),
            payload={
                "household_id": str(household.id),
                "region_code": household.region_code,
                "members": [
                    {"person_id": str(m.person_id), "relationship": m.relationship} for m in data.members
                ],
            },
        ),
    )
    await session.flush()
    return await _read(session, principal, household)


async def get(session: AsyncSession, principal: Principal, household_id: uuid.UUID) -> HouseholdRead:
    permissions.require_read(principal)
    household = await repository.get(session, principal, household_id)
    if household is None:
        raise NotFound(f"no household {household_id} in your regions")
    return await _read(session, principal, household)


async def add_member(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID, member: MemberIn
) -> HouseholdRead:
    """Adds a person, moving them out of their current household in the same transaction."""
    permissions.require_write(principal)
    household = await repository.get(session, principal, household_id, lock=True)
    if household is None:
        raise NotFound(f"no household {household_id} in your regions")
    person = await _member_person(session, principal, member.person_id, "person_id")
    current = await repository.current_membership(session, person.id, lock=True)
    if current is not None and current.household_id == household.id:
        raise AlreadyInHousehold("the person is already a member of this household")
    members = await repository.current_members(session, household.id)
    if member.relationship == HEAD and any(m.relationship == HEAD for m in members):
        raise HeadConflict("this household has a head; change the head's relationship first")
    if current is not None:
        if (
            current.relationship == HEAD
            and len(await repository.current_members(session, current.household_id)) > 1
        ):
            raise HeadConflict("the person heads a household with other members; name its new head first")
        current.left_on = member.joined_on or clock.today()
        history.record(
            session,
            entity_type="household",
            entity_id=current.household_id,
            person_id=person.id,
            action="leave",
            actor=principal.sub,
            before={"relationship": current.relationship},
            after={"left_on": current.left_on.isoformat()},
        )
        await session.flush()  # the old membership ends before the new one begins (unique index)
    _join(session, principal, household, person, member)
    household.version += 1
    household.updated_at = datetime.now(UTC)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="household.member_moved",
            source=SERVICE,
            subject=str(person.id),
            payload={
                "person_id": str(person.id),
                "to_household_id": str(household.id),
                "from_household_id": str(current.household_id) if current else None,
                "relationship": member.relationship,
            },
        ),
    )
    await session.flush()
    return await _read(session, principal, household)


async def remove_member(
    session: AsyncSession, principal: Principal, household_id: uuid.UUID, person_id: uuid.UUID
) -> HouseholdRead:
    permissions.require_write(principal)
    household = await repository.get(session, principal, household_id, lock=True)
    if household is None:
        raise NotFound(f"no household {household_id} in your regions")
    current = await repository.current_membership(session, person_id, lock=True)
    if current is None or current.household_id != household.id:
        raise NotFound(f"person {person_id} is not a member of this household")
    if current.relationship == HEAD and len(await repository.current_members(session, household.id)) > 1:
        raise HeadConflict("the head cannot leave while others remain; name a new head first")
    current.left_on = clock.today()
    history.record(
        session,
        entity_type="household",
        entity_id=household.id,
        person_id=person_id,
        action="leave",
        actor=principal.sub,
        before={"relationship": current.relationship},
        after={"left_on": current.left_on.isoformat()},
    )
    # The person's KK number names the household they belong to: leaving it clears the number
    # (until they join another), so a search by KK no longer finds them there.
    person = await people.get(session, principal, person_id, lock=True)
    if person is not None and person.kk_number == household.kk_number:
        person.kk_number, person.version = None, person.version + 1
        history.record(
            session,
            entity_type="person",
            entity_id=person.id,
            person_id=person.id,
            action="update",
            actor=principal.sub,
            before={"kk_number": household.kk_number},
            after={"kk_number": None},
        )
    await session.flush()
    return await _read(session, principal, household)
