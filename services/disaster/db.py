"""The disaster service's schema: its declarative base, outbox, findings and idempotency tables."""

from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from services.disaster import bulk
from shared.db import schema_metadata
from shared.events import EventEnvelope, catalogue
from shared.events.outbox import OutboxMixin
from shared.findings import FindingMixin
from shared.idempotency import IdempotencyMixin

SERVICE = "disaster"


class Base(DeclarativeBase):
    metadata = schema_metadata(SERVICE)


class OutboxEvent(OutboxMixin, Base):
    pass


class Finding(FindingMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


def envelope(type: str, subject: str, payload: dict[str, Any]) -> EventEnvelope:
    """An event of this service, built without validation: for batches, where thousands are made at
    once from data already checked (the payload must be JSON-ready)."""
    return EventEnvelope.model_construct(
        type=type,
        source=SERVICE,
        subject=subject,
        payload=payload,
        trace_id=structlog.contextvars.get_contextvars().get("trace_id"),
    )


async def publish_many(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    """Many events in one INSERT, in the caller's transaction: what `shared.events.publish` does for one,
    for a whole offline batch (thousands of ORM objects would cost more than the batch itself)."""
    if not events:
        return
    for event in events:
        catalogue.check(event)  # as `publish` does: an event that drifted from the catalogue is a bug
    rows = [
        {"id": e.id, "type": e.type, "subject": e.subject, "envelope": e.model_dump_json()} for e in events
    ]
    session.info["outbox_dirty"] = True
    await bulk.insert_rows(session, OutboxEvent.__table__, rows)  # type: ignore[arg-type]
