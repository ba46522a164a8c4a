"""PSKS roles ("pilar sosial"): one person may hold several; reports count roles and distinct
people apart, which is what the province says it cannot do today."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.db import SERVICE, OutboxEvent
from services.registry.history import service as history
from services.registry.people import permissions
from services.registry.people import repository as people
from services.registry.psks import repository
from services.registry.psks.models import PsksRole
from services.registry.psks.schemas import PsksSummary, RoleCreate, RoleEnd, RoleRead, SummaryRow, SummaryType
from services.registry.reference import repository as reference_repository
from services.registry.reference import service as reference
from services.registry.regions import service as regions
from shared import clock
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, after_uuid, encode_cursor

FIELDS = (
    "psks_type",
    "person_id",
    "organisation_name",
    "region_code",
    "active_from",
    "active_until",
    "certification",
    "status",
)


class RoleHeld(Conflict):
    problem = "psks-role-held"
    title = "The person already holds this role"


def _event(kind: str, role: PsksRole) -> EventEnvelope:
    return EventEnvelope(
        type=f"psks_role.{kind}",
        source=SERVICE,
        subject=str(role.id),
        payload={
            "role_id": str(role.id),
            "person_id": str(role.person_id) if role.person_id else None,
            "psks_type": role.psks_type,
            "region_code": role.region_code,
            "active_from": role.active_from.isoformat(),
            "active_until": role.active_until.isoformat() if role.active_until else None,
            "status": role.status,
        },
    )


async def create(session: AsyncSession, principal: Principal, data: RoleCreate) -> RoleRead:
    permissions.require_write(principal)
    kind = await reference.psks_type_or_invalid(session, data.psks_type)
    if kind.holder == "person":
        if data.person_id is None:
            raise Invalid("person_id", f"type {kind.code} ({kind.name}) is held by a person: give person_id")
        if data.organisation_name is not None:
            raise Invalid("organisation_name", f"type {kind.code} is held by a person, not an organisation")
    else:
        if data.organisation_name is None:
            raise Invalid("organisation_name", f"type {kind.code} ({kind.name}) is held by an organisation")
        if data.person_id is not None:
            raise Invalid("person_id", f"type {kind.code} is held by an organisation, not a person")
    if not await regions.exists(session, data.region_code):
        raise Invalid("region_code", f"{data.region_code} is not a Kemendagri region code")
    if not principal.covers_region(data.region_code):
        raise Forbidden(f"region {data.region_code} is outside your regions")
    if data.active_until is not None and data.active_until < data.active_from:
        raise Invalid("active_until", "active_until is before active_from")
    if data.person_id is not None:
        person = await people.get(session, principal, data.person_id)
        if person is None:
            raise Invalid("person_id", f"no person {data.person_id} in your regions")
        if await repository.active_role(session, person.id, kind.code) is not None:
            raise RoleHeld(f"the person already holds an active {kind.name} role")
    role = PsksRole(
        id=uuid.uuid4(),
        **data.model_dump(),
        status="active",
        version=1,
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    session.add(role)
    history.record(
        session,
        entity_type="psks_role",
        entity_id=role.id,
        person_id=role.person_id,
        action="create",
        actor=principal.sub,
        before=None,
        after=history.snapshot(role, FIELDS),
    )
    publish(session, OutboxEvent, _event("recorded", role))
    await session.flush()
    return RoleRead.model_validate(role)


async def end(session: AsyncSession, principal: Principal, role_id: uuid.UUID, data: RoleEnd) -> RoleRead:
    permissions.require_write(principal)
    role = await repository.get(session, principal, role_id, lock=True)
    if role is None:
        raise NotFound(f"no PSKS role {role_id} in your regions")
    if role.status == "ended":
        raise Conflict(f"the role ended on {role.active_until}")
    until = data.active_until or clock.today()
    if until < role.active_from:
        raise Invalid("active_until", "active_until is before active_from")
    before = history.snapshot(role, FIELDS)
    role.status, role.active_until, role.version = "ended", until, role.version + 1
    role.updated_at = datetime.now(UTC)
    old, new = history.diff(before, history.snapshot(role, FIELDS))
    history.record(
        session,
        entity_type="psks_role",
        entity_id=role.id,
        person_id=role.person_id,
        action="end",
        actor=principal.sub,
        before=old,
        after=new,
    )
    publish(session, OutboxEvent, _event("updated", role))
    await session.flush()
    return RoleRead.model_validate(role)


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    region: str | None,
    psks_type: str | None,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[RoleRead]:
    permissions.require_read(principal)
    after = after_uuid(cursor)
    rows = await repository.list_(
        session,
        principal,
        region=region,
        psks_type=psks_type,
        person_id=person_id,
        after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    return Page(
        items=[RoleRead.model_validate(r) for r in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def summary(session: AsyncSession, principal: Principal, *, region: str | None) -> PsksSummary:
    permissions.require_read(principal)
    names = {t.code: t.name for t in await reference_repository.psks_types(session)}
    rows, types, (roles, people_total, organisations) = await repository.summary(
        session, principal, region=region, on=clock.today()
    )
    return PsksSummary(
        region=region,
        by_type_and_region=[
            SummaryRow(psks_type=t, region_code=r, roles=n, people=p, organisations=o)
            for t, r, n, p, o in rows
        ],
        by_type=[SummaryType(psks_type=t, name=names.get(t, t), roles=n, people=p) for t, n, p in types],
        total_roles=roles,
        total_people=people_total,
        total_organisations=organisations,
    )
