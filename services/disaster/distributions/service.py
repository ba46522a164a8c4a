"""Aid handed out in the field: all items or none, never more than the stock, once per
Idempotency-Key however often a phone retries."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.db import SERVICE, IdempotencyKey, OutboxEvent
from services.disaster.disasters import service as disasters
from services.disaster.distributions import repository
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.distributions.schemas import DistributionCreate, DistributionLineRead, DistributionRead
from services.disaster.warehouses import service as warehouses
from shared import clock, idempotency
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, decode_cursor, encode_cursor

RECORDERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
ROUTE = "POST /api/v1/distributions"
# Phones' clocks drift; a time a little ahead of ours is not an error.
CLOCK_SKEW = timedelta(minutes=5)


def _mask(nik: str | None) -> str | None:
    return None if nik is None else nik[:4] + "*" * 10 + nik[-2:]


def to_read(d: Distribution, lines: Sequence[DistributionLine], principal: Principal) -> DistributionRead:
    return DistributionRead(
        id=d.id,
        disaster_id=d.disaster_id,
        warehouse_id=d.warehouse_id,
        person_id=d.person_id,
        nik=d.nik if principal.can_read_pii else _mask(d.nik),
        full_name=d.full_name,
        region_code=d.region_code,
        items=[DistributionLineRead(item_code=line.item_code, quantity=line.quantity) for line in lines],
        recorded_by=d.recorded_by,
        distributed_at=d.distributed_at,
        created_at=d.created_at,
    )


def check_recipient(data: DistributionCreate) -> None:
    """A recipient is a registry id, or a NIK and a name as written in the field."""
    if data.person_id is not None:
        return
    if data.nik is None and data.full_name is None:
        raise Invalid("person_id", "give person_id, or nik and full_name")
    if data.nik is None:
        raise Invalid("nik", "without person_id, give nik with full_name")
    if data.full_name is None:
        raise Invalid("full_name", "without person_id, give full_name with nik")


async def record(
    session: AsyncSession, principal: Principal, data: DistributionCreate, idempotency_key: str | None
) -> tuple[int, dict[str, Any]]:
    """Returns (status, body): 201 and the new record, or the first answer for a replayed key."""
    principal.require(*RECORDERS)
    check_recipient(data)
    if idempotency_key:
        replay = await idempotency.claim(
            session,
            IdempotencyKey,
            key=idempotency_key,
            owner=principal.sub,
            route=ROUTE,
            body_hash=idempotency.request_hash(data.model_dump(mode="json")),
        )
        if replay is not None:
            return replay
    now = datetime.now(UTC)
    distributed_at = data.distributed_at or now
    if distributed_at > now + CLOCK_SKEW:
        raise Invalid("distributed_at", "distributed_at cannot be in the future")
    disaster = await disasters.get_or_raise(session, principal, data.disaster_id)
    warehouse = await warehouses.get_or_raise(session, principal, data.warehouse_id)
    if clock.local_date(distributed_at) < disaster.started_on:
        raise Invalid("distributed_at", f"the disaster started on {disaster.started_on}")
    await warehouses.check_items(session, [i.item_code for i in data.items], "items")
    distribution = Distribution(
        id=uuid.uuid4(),
        disaster_id=disaster.id,
        warehouse_id=warehouse.id,
        person_id=data.person_id,
        nik=data.nik,
        full_name=data.full_name,
        region_code=warehouse.region_code,
        recorded_by=principal.sub,
        distributed_at=distributed_at,
        created_at=now,
    )
    await warehouses.take(
        session,
        principal,
        warehouse,
        [(i.item_code, i.quantity) for i in data.items],
        reference_id=distribution.id,
        field="items",
    )
    lines = [
        DistributionLine(distribution_id=distribution.id, item_code=i.item_code, quantity=i.quantity)
        for i in sorted(data.items, key=lambda i: i.item_code)
    ]
    repository.add(session, distribution, lines)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="distribution.recorded",
            source=SERVICE,
            subject=str(distribution.id),
            payload={
                "distribution_id": str(distribution.id),
                "disaster_id": str(disaster.id),
                "person_id": str(data.person_id) if data.person_id else None,
                "nik": data.nik,
                "full_name": data.full_name,
                "region_code": warehouse.region_code,
                "distributed_at": distributed_at.isoformat(),
                "items": [{"item_code": i.item_code, "quantity": str(i.quantity)} for i in data.items],
            },
        ),
    )
    await session.flush()
    body = to_read(distribution, lines, principal).model_dump(mode="json")
    if idempotency_key:
        await idempotency.remember(
            session, IdempotencyKey, key=idempotency_key, owner=principal.sub, status_code=201, response=body
        )
    return 201, body


async def read(session: AsyncSession, principal: Principal, distribution_id: uuid.UUID) -> DistributionRead:
    principal.require(*READERS)
    distribution = await repository.get(session, principal, distribution_id)
    if distribution is None:
        raise NotFound(f"no distribution {distribution_id} in your regions")
    lines = await repository.lines_of(session, [distribution.id])
    return to_read(distribution, lines[distribution.id], principal)


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    disaster_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[DistributionRead]:
    principal.require(*READERS)
    raw = decode_cursor(cursor, 1)
    try:
        after = uuid.UUID(raw[0]) if raw else None
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None
    rows = await repository.list_(
        session, principal, person_id=person_id, disaster_id=disaster_id, after=after, limit=limit + 1
    )
    page = rows[:limit]
    lines = await repository.lines_of(session, [d.id for d in page])
    return Page(
        items=[to_read(d, lines[d.id], principal) for d in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def subject_scope(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> tuple[str | None, None] | None:
    if subject_type != "distribution":
        return None
    distribution = await repository.scope_of(session, subject_id)
    return (distribution.region_code, None) if distribution else None
