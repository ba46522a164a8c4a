"""Declared disasters: who may declare them, who sees them, and their status and impact figures."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import after_id, check_if_match, etag
from services.disaster.db import SERVICE, OutboxEvent
from services.disaster.disasters import repository
from services.disaster.disasters.exceptions import DisasterClosed, InvalidTransition
from services.disaster.disasters.models import Disaster
from services.disaster.disasters.schemas import DisasterCreate, DisasterRead, DisasterUpdate, Impact
from shared import clock
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, encode_cursor

MANAGERS = ("provincial_officer", "regency_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
IMPACT_FIELDS = tuple(Impact.model_fields)
NEXT_STATUS = {"emergency": {"recovery", "closed"}, "recovery": {"closed"}, "closed": set()}


def to_read(disaster: Disaster) -> DisasterRead:
    return DisasterRead(
        id=disaster.id,
        name=disaster.name,
        kind=disaster.kind,  # type: ignore[arg-type]
        level=disaster.level,  # type: ignore[arg-type]
        started_on=disaster.started_on,
        region_codes=disaster.region_codes,
        status=disaster.status,  # type: ignore[arg-type]
        closed_on=disaster.closed_on,
        impact=Impact.model_validate(disaster),
        created_at=disaster.created_at,
        updated_at=disaster.updated_at,
    )


def _payload(disaster: Disaster) -> dict[str, object]:
    return {
        "disaster_id": str(disaster.id),
        "kind": disaster.kind,
        "level": disaster.level,
        "status": disaster.status,
        "region_codes": disaster.region_codes,
        "started_on": disaster.started_on.isoformat(),
        "impact": Impact.model_validate(disaster).model_dump(),
    }


def require_all_regions(principal: Principal, region_codes: Sequence[str]) -> None:
    outside = [c for c in region_codes if not principal.covers_region(c)]
    if outside:
        raise Forbidden(f"regions outside your scope: {', '.join(outside)}")


async def create(session: AsyncSession, principal: Principal, data: DisasterCreate) -> DisasterRead:
    principal.require(*MANAGERS)
    require_all_regions(principal, data.region_codes)
    if data.started_on > clock.today():
        raise Invalid("started_on", "started_on cannot be in the future")
    now = datetime.now(UTC)
    disaster = Disaster(
        id=uuid.uuid4(),
        **data.model_dump(exclude={"impact", "region_codes"}),
        **(data.impact or Impact()).model_dump(),
        region_codes=sorted(set(data.region_codes)),
        status="emergency",
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(disaster)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="disaster.declared", source=SERVICE, subject=str(disaster.id), payload=_payload(disaster)
        ),
    )
    await session.flush()
    return to_read(disaster)


async def get_or_raise(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> Disaster:
    principal.require(*READERS)
    disaster = await repository.get(session, principal, disaster_id)
    if disaster is None:
        raise NotFound(f"no disaster {disaster_id} in your regions")
    return disaster


async def get_open_or_raise(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID, *, field: str = "disaster_id"
) -> Disaster:
    """A disaster that still takes new records (victims, sites, aid): not closed."""
    disaster = await get_or_raise(session, principal, disaster_id)
    ensure_open(disaster, field)
    return disaster


def ensure_open(disaster: Disaster, field: str = "disaster_id") -> None:
    if disaster.status == "closed":
        raise DisasterClosed(
            f"{disaster.name} was closed on {disaster.closed_on}; it takes no new records",
            errors=[FieldError(field=field, message="the disaster is closed")],
        )


async def readable_many(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Disaster]:
    return {d.id: d for d in await repository.get_many(session, principal, ids)}


async def read(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID
) -> tuple[DisasterRead, str]:
    disaster = await get_or_raise(session, principal, disaster_id)
    return to_read(disaster), etag(disaster.id, disaster.version)


async def update(
    session: AsyncSession, principal: Principal, disaster_id: uuid.UUID, data: DisasterUpdate, if_match: str
) -> tuple[DisasterRead, str]:
    principal.require(*MANAGERS)
    disaster = await repository.get(session, principal, disaster_id, for_update=True)
    if disaster is None:
        raise NotFound(f"no disaster {disaster_id} in your regions")
    # Changing a disaster is for those who could have declared it: every affected region in scope.
    require_all_regions(principal, disaster.region_codes)
    check_if_match(if_match, disaster.id, disaster.version, "disaster")
    changed: list[str] = []
    if data.status is not None and data.status != disaster.status:
        if data.status not in NEXT_STATUS[disaster.status]:
            raise InvalidTransition(
                f"a disaster in {disaster.status} cannot go to {data.status}; "
                "the order is emergency → recovery → closed",
                errors=[FieldError(field="status", message=f"not allowed after {disaster.status}")],
            )
        disaster.status = data.status
        if data.status == "closed":
            disaster.closed_on = clock.today()
        changed.append("status")
    if data.region_codes is not None:
        wanted = sorted(set(data.region_codes))
        if wanted != disaster.region_codes:
            if disaster.status == "closed" and "status" not in changed:
                ensure_open(disaster, "region_codes")
            dropped = sorted(set(disaster.region_codes) - set(wanted))
            if dropped:
                raise Invalid("region_codes", f"regions can be added, not removed: keep {', '.join(dropped)}")
            require_all_regions(principal, wanted)
            disaster.region_codes = wanted
            changed.append("region_codes")
    if data.name is not None and data.name != disaster.name:
        disaster.name = data.name
        changed.append("name")
    if data.impact is not None:
        for name, value in data.impact.model_dump(exclude_none=True).items():
            if getattr(disaster, name) != value:
                setattr(disaster, name, value)
                changed.append(f"impact.{name}")
    if changed:
        disaster.version += 1
        disaster.updated_at = datetime.now(UTC)
        publish(
            session,
            OutboxEvent,
            EventEnvelope(
                type="disaster.updated",
                source=SERVICE,
                subject=str(disaster.id),
                payload={**_payload(disaster), "changed": changed},
            ),
        )
        await session.flush()
    return to_read(disaster), etag(disaster.id, disaster.version)


async def list_(
    session: AsyncSession, principal: Principal, *, status: str | None, limit: int, cursor: str | None
) -> Page[DisasterRead]:
    principal.require(*READERS)
    rows = await repository.list_(session, principal, status=status, after=after_id(cursor), limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[to_read(d) for d in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )
