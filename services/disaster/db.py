"""The disaster service's schema: its declarative base, outbox, findings and idempotency tables."""

from shared.db import schema_base
from shared.events.outbox import OutboxMixin
from shared.findings import FindingMixin
from shared.idempotency import IdempotencyMixin

SERVICE = "disaster"
Base = schema_base(SERVICE)


class OutboxEvent(OutboxMixin, Base):
    pass


class Finding(FindingMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass
