"""KUBE groups (5-20 households, one active KUBE per family), their business aid and what they did
with it; and business aid to individual WRSE/PRSE women (PPKS type 23)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.feeds import repository as projections
from services.programs.groups import repository
from services.programs.groups.exceptions import (
    AidOverspent,
    HouseholdInAnotherKube,
    KubeDissolved,
    KubeFull,
    KubeTooSmall,
)
from services.programs.groups.models import KubeAid, KubeAidUse, KubeGroup, KubeMember, WrseAid
from services.programs.groups.schemas import (
    MAX_MEMBERS,
    MIN_MEMBERS,
    AidUseCreate,
    AidUseRead,
    KubeAidCreate,
    KubeAidRead,
    KubeCreate,
    KubeRead,
    WrseAidCreate,
    WrseAidRead,
)
from services.programs.programs import permissions
from services.programs.programs import service as programs
from services.programs.scope import after_id
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, encode_cursor

WRSE = "23"


def _read(group: KubeGroup, members: Sequence[KubeMember]) -> KubeRead:
    return KubeRead(
        id=group.id,
        name=group.name,
        business=group.business,
        region_code=group.region_code,
        formed_on=group.formed_on,
        status=group.status,  # type: ignore[arg-type]
        dissolved_on=group.dissolved_on,
        household_ids=[m.household_id for m in members],
        created_at=group.created_at,
    )


def _not_future(day: date, field: str) -> None:
    if day > clock.today():
        raise Invalid(field, f"{field} cannot be in the future")


async def _program_or_invalid(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID | None
) -> None:
    if program_id is None:
        return
    try:
        await programs.get_or_raise(session, principal, program_id)
    except NotFound:
        raise Invalid("program_id", "no such program in your scope") from None


async def _group_or_404(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, *, lock: bool = False
) -> KubeGroup:
    group = await repository.get_group(session, principal, group_id, lock=lock)
    if group is None:
        raise NotFound(f"no KUBE {group_id} in your scope")
    return group


async def _refuse_members_elsewhere(session: AsyncSession, household_ids: Sequence[uuid.UUID]) -> None:
    taken = await repository.active_memberships(session, household_ids)
    if taken:
        raise HouseholdInAnotherKube(
            "already in an active KUBE: " + ", ".join(sorted(str(m.household_id) for m in taken))
        )


async def _flush_members(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent request put one of these families into another KUBE first.
        raise HouseholdInAnotherKube("a household joined another active KUBE meanwhile") from None


def _event(session: AsyncSession, type_: str, subject: uuid.UUID, payload: dict[str, object]) -> None:
    publish(
        session, OutboxEvent, EventEnvelope(type=type_, source=SERVICE, subject=str(subject), payload=payload)
    )


async def create_kube(session: AsyncSession, principal: Principal, data: KubeCreate) -> KubeRead:
    principal.require(*permissions.PLANNERS)
    permissions.require_region(principal, data.region_code)
    if len(set(data.household_ids)) != len(data.household_ids):
        raise Invalid("household_ids", "a household is listed twice")
    _not_future(data.formed_on, "formed_on")
    await _refuse_members_elsewhere(session, data.household_ids)
    group = KubeGroup(
        id=uuid.uuid4(),
        name=data.name,
        business=data.business,
        region_code=data.region_code,
        formed_on=data.formed_on,
        status="active",
        created_at=datetime.now(UTC),
    )
    session.add(group)
    await session.flush()
    members = [
        KubeMember(id=uuid.uuid4(), group_id=group.id, household_id=h, joined_on=data.formed_on)
        for h in data.household_ids
    ]
    session.add_all(members)
    await _flush_members(session)
    _event(
        session,
        "kube.created",
        group.id,
        {
            "group_id": str(group.id),
            "region_code": group.region_code,
            "household_ids": [str(h) for h in data.household_ids],
            "formed_on": data.formed_on.isoformat(),
        },
    )
    return _read(group, members)


async def get_kube(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> KubeRead:
    principal.require(*permissions.READERS)
    group = await _group_or_404(session, principal, group_id)
    return _read(group, (await repository.members(session, [group.id])).get(group.id, []))


async def list_kube(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[KubeRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_groups(session, principal, after=after_id(cursor), limit=limit + 1)
    page = rows[:limit]
    members = await repository.members(session, [g.id for g in page])
    return Page(
        items=[_read(g, members.get(g.id, [])) for g in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def join(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, household_id: uuid.UUID, joined_on: date
) -> KubeRead:
    principal.require(*permissions.PLANNERS)
    group = await _group_or_404(session, principal, group_id, lock=True)
    if group.status != "active":
        raise KubeDissolved(f"dissolved on {group.dissolved_on}")
    if joined_on < group.formed_on:
        raise Invalid("joined_on", f"the KUBE was formed on {group.formed_on}")
    _not_future(joined_on, "joined_on")
    members = (await repository.members(session, [group.id])).get(group.id, [])
    if len(members) >= MAX_MEMBERS:
        raise KubeFull(f"it already has {len(members)} member households")
    await _refuse_members_elsewhere(session, [household_id])
    member = KubeMember(id=uuid.uuid4(), group_id=group.id, household_id=household_id, joined_on=joined_on)
    session.add(member)
    await _flush_members(session)
    _event(
        session,
        "kube.member_joined",
        group.id,
        {"group_id": str(group.id), "household_id": str(household_id), "joined_on": joined_on.isoformat()},
    )
    return _read(group, [*members, member])


async def leave(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, household_id: uuid.UUID, left_on: date
) -> KubeRead:
    principal.require(*permissions.PLANNERS)
    group = await _group_or_404(session, principal, group_id, lock=True)
    members = (await repository.members(session, [group.id])).get(group.id, [])
    member = next((m for m in members if m.household_id == household_id), None)
    if member is None:
        raise NotFound(f"household {household_id} is not a member of this KUBE")
    if left_on < member.joined_on:
        raise Invalid("left_on", f"the household joined on {member.joined_on}")
    _not_future(left_on, "left_on")
    if len(members) <= MIN_MEMBERS:
        raise KubeTooSmall(f"only {len(members)} member households are left")
    member.left_on = left_on
    await session.flush()
    _event(
        session,
        "kube.member_left",
        group.id,
        {"group_id": str(group.id), "household_id": str(household_id), "left_on": left_on.isoformat()},
    )
    return _read(group, [m for m in members if m is not member])


async def dissolve(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, dissolved_on: date
) -> KubeRead:
    principal.require(*permissions.PLANNERS)
    group = await _group_or_404(session, principal, group_id, lock=True)
    if group.status != "active":
        raise KubeDissolved(f"dissolved on {group.dissolved_on}")
    if dissolved_on < group.formed_on:
        raise Invalid("dissolved_on", f"the KUBE was formed on {group.formed_on}")
    _not_future(dissolved_on, "dissolved_on")
    for member in (await repository.members(session, [group.id])).get(group.id, []):
        member.left_on = max(dissolved_on, member.joined_on)
    group.status, group.dissolved_on = "dissolved", dissolved_on
    await session.flush()
    _event(
        session,
        "kube.dissolved",
        group.id,
        {"group_id": str(group.id), "dissolved_on": dissolved_on.isoformat()},
    )
    return _read(group, [])


def _aid_read(aid: KubeAid, used: Decimal) -> KubeAidRead:
    return KubeAidRead(
        id=aid.id,
        group_id=aid.group_id,
        program_id=aid.program_id,
        amount=aid.amount,
        given_on=aid.given_on,
        description=aid.description,
        used=used,
        remaining=aid.amount - used,
        created_at=aid.created_at,
    )


async def give_aid(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, data: KubeAidCreate
) -> KubeAidRead:
    principal.require(*permissions.RECORDERS)
    group = await _group_or_404(session, principal, group_id)
    if group.status != "active":
        raise KubeDissolved(f"dissolved on {group.dissolved_on}")
    if data.given_on < group.formed_on:
        raise Invalid("given_on", f"the KUBE was formed on {group.formed_on}")
    _not_future(data.given_on, "given_on")
    await _program_or_invalid(session, principal, data.program_id)
    aid = KubeAid(
        id=uuid.uuid4(),
        group_id=group.id,
        **data.model_dump(),
        recorded_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(aid)
    await session.flush()
    _event(
        session,
        "kube.aid_given",
        aid.id,
        {
            "aid_id": str(aid.id),
            "group_id": str(group.id),
            "program_id": str(data.program_id) if data.program_id else None,
            "amount": str(data.amount),
            "given_on": data.given_on.isoformat(),
            "region_code": group.region_code,
        },
    )
    return _aid_read(aid, Decimal(0))


async def aids(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> list[KubeAidRead]:
    principal.require(*permissions.READERS)
    group = await _group_or_404(session, principal, group_id)
    rows = await repository.aids(session, group.id)
    used = await repository.used(session, [a.id for a in rows])
    return [_aid_read(a, used.get(a.id, Decimal(0))) for a in rows]


async def _aid_in_scope(
    session: AsyncSession, principal: Principal, aid_id: uuid.UUID, *, lock: bool
) -> KubeAid:
    aid = await repository.aid(session, aid_id, lock=lock)
    if aid is None or await repository.get_group(session, principal, aid.group_id) is None:
        raise NotFound(f"no KUBE aid {aid_id} in your scope")
    return aid


async def report_use(
    session: AsyncSession, principal: Principal, aid_id: uuid.UUID, data: AidUseCreate
) -> AidUseRead:
    principal.require(*permissions.RECORDERS)
    aid = await _aid_in_scope(session, principal, aid_id, lock=True)  # serialises reports on one aid
    if data.used_on < aid.given_on:
        raise Invalid("used_on", f"the aid was given on {aid.given_on}")
    _not_future(data.used_on, "used_on")
    used = (await repository.used(session, [aid.id])).get(aid.id, Decimal(0))
    if used + data.amount > aid.amount:
        raise AidOverspent(
            f"{used} of {aid.amount} is already reported as used; at most {aid.amount - used} more"
        )
    use = KubeAidUse(
        id=uuid.uuid4(),
        aid_id=aid.id,
        **data.model_dump(),
        recorded_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(use)
    await session.flush()
    return AidUseRead.model_validate(use)


async def uses(session: AsyncSession, principal: Principal, aid_id: uuid.UUID) -> list[AidUseRead]:
    principal.require(*permissions.READERS)
    aid = await _aid_in_scope(session, principal, aid_id, lock=False)
    return [AidUseRead.model_validate(u) for u in await repository.uses(session, aid.id)]


async def give_wrse_aid(session: AsyncSession, principal: Principal, data: WrseAidCreate) -> WrseAidRead:
    """Only to a woman the registry assessed as PPKS 23, with the assessment open on the day."""
    principal.require(*permissions.RECORDERS)
    _not_future(data.given_on, "given_on")
    if data.assessment_id is not None:
        assessment = await projections.assessment(session, data.assessment_id)
        if assessment is None or assessment.person_id != data.person_id:
            raise Invalid("assessment_id", "no such assessment of this person is known here")
        if assessment.ppks_type != WRSE:
            raise Invalid("assessment_id", f"the assessment is of PPKS type {assessment.ppks_type}, not 23")
        if assessment.assessed_on > data.given_on or (
            assessment.resolved_on is not None and assessment.resolved_on < data.given_on
        ):
            raise Invalid("given_on", "the PPKS 23 assessment was not open on given_on")
    else:
        found = await projections.latest_assessment_of_type(session, data.person_id, WRSE, data.given_on)
        if found is None:
            raise Invalid(
                "person_id", "no PPKS 23 (WRSE/PRSE) assessment of this person open on given_on is known"
            )
        assessment = found
    if assessment.sex == "M":
        raise Invalid("person_id", "WRSE/PRSE aid is for women; the registry records this person as male")
    permissions.require_region(principal, assessment.region_code, "the woman's region")
    await _program_or_invalid(session, principal, data.program_id)
    aid = WrseAid(
        id=uuid.uuid4(),
        person_id=data.person_id,
        assessment_id=assessment.assessment_id,
        program_id=data.program_id,
        region_code=assessment.region_code,
        kind=data.kind,
        amount=data.amount,
        business=data.business,
        given_on=data.given_on,
        recorded_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(aid)
    await session.flush()
    _event(
        session,
        "wrse_aid.recorded",
        aid.id,
        {
            "aid_id": str(aid.id),
            "person_id": str(aid.person_id),
            "assessment_id": str(aid.assessment_id),
            "program_id": str(aid.program_id) if aid.program_id else None,
            "region_code": aid.region_code,
            "kind": aid.kind,
            "amount": str(aid.amount),
            "given_on": aid.given_on.isoformat(),
        },
    )
    return WrseAidRead.model_validate(aid)


async def list_wrse(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[WrseAidRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_wrse(
        session, principal, person_id=person_id, after=after_id(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[WrseAidRead.model_validate(a) for a in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )
