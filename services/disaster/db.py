"""The disaster service's schema: its declarative base, outbox, findings and idempotency tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import schema_metadata
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
