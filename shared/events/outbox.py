"""Transactional outbox: an event is a row written in the same transaction as the change it
describes, so a crash can never keep one without the other. The relay delivers it later."""

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.events import catalogue
from shared.events.envelope import EventEnvelope


class OutboxMixin:
    """Each service declares `class OutboxEvent(OutboxMixin, Base)` in its own schema."""

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(80))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when the relay handed the event to the queue; the sweep re-sends it if no result follows.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the worker's result for the event was seen: delivered and handled.
    acked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Set when the handler failed for good: a dead event, kept for an operator to replay.
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            Index(
                "ix_outbox_pending",
                "created_at",
                postgresql_where=text("acked_at IS NULL AND dead_at IS NULL"),
            ),
        )


def publish(session: AsyncSession, model: type[OutboxMixin], event: EventEnvelope) -> None:
    """Add the event to the caller's transaction. The request's commit makes it durable.
    Raises `catalogue.EventRefused` for an event that shared/events/catalogue.py does not describe."""
    catalogue.check(event)
    event.trace_id = event.trace_id or structlog.contextvars.get_contextvars().get("trace_id")
    session.add(
        model(  # type: ignore[call-arg]
            id=event.id, type=event.type, subject=event.subject, envelope=event.model_dump(mode="json")
        )
    )
    session.info["outbox_dirty"] = True
