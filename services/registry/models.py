"""Every table of the registry's schema, for Alembic."""

from services.registry.db import Base, Finding, OutboxEvent
from services.registry.people.models import AccessLogEntry, Person
from services.registry.regions.models import Region

__all__ = ["AccessLogEntry", "Base", "Finding", "OutboxEvent", "Person", "Region"]
