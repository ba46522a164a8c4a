import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.db import SERVICE, OutboxEvent
from services.disaster.disasters import repository
from services.disaster.disasters.models import Disaster
from services.disaster.disasters.schemas import DisasterCreate, DisasterRead
from shared import clock
from shared.auth import Principal
from shared.errors import Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, decode_cursor, encode_cursor

MANAGERS = ("provincial_officer", "regency_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")


async def create(session: AsyncSession, principal: Principal, data: DisasterCreate) -> DisasterRead:
    principal.require(*MANAGERS)
    outside = [c for c in data.region_codes if not principal.covers_region(c)]
    if outside:
        raise Forbidden(f"regions outside your scope: {', '.join(outside)}")
    if data.started_on > clock.today():
        raise Invalid("started_on", "started_on cannot be in the future")
    disaster = Disaster(
        id=uuid.uuid4(), **data.model_dump(), status="emergency", created_at=datetime.now(UTC)
    )
    disaster.region_codes = sorted(set(data.region_codes))
    session.add(disaster)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="disaster.declared",
            source=SERVICE,
            subject=str(disaster.id),
            payload={
                "disaster_id": str(disaster.id),
                "kind": data.kind,
                "level": data.level,
                "region_codes": disaster.region_codes,
                "started_on": data.started_on.isoformat(),
            },
        ),
    )
    await session.flush()
    return DisasterRead.model_validate(disaster)


async def get_or_raise(session: AsyncSession, principal: Principal, disaster_id: uuid.UUID) -> Disaster:
    principal.require(*READERS)
    disaster = await repository.get(session, principal, disaster_id)
    if disaster is None:
        raise NotFound(f"no disaster {disaster_id} in your regions")
    return disaster


async def list_(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[DisasterRead]:
    principal.require(*READERS)
    raw = decode_cursor(cursor, 1)
    try:
        after = uuid.UUID(raw[0]) if raw else None
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None
    rows = await repository.list_(session, principal, after=after, limit=limit + 1)
    page = rows[:limit]
    return Page(
        items=[DisasterRead.model_validate(d) for d in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )
