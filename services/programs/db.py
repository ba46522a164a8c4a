"""The programs service's schema: its declarative base, outbox and findings tables."""

from shared.db import schema_base
from shared.events.outbox import OutboxMixin
from shared.findings import FindingMixin

SERVICE = "programs"
Base = schema_base(SERVICE)


class OutboxEvent(OutboxMixin, Base):
    pass


class Finding(FindingMixin, Base):
    pass
