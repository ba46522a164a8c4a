"""The registry's schema: its declarative base, outbox and findings tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import schema_metadata
from shared.events.outbox import OutboxMixin
from shared.findings import FindingMixin

SERVICE = "registry"


class Base(DeclarativeBase):
    metadata = schema_metadata(SERVICE)


class OutboxEvent(OutboxMixin, Base):
    pass


class Finding(FindingMixin, Base):
    pass
