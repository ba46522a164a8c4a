"""Every table of the disaster schema, for Alembic."""

from services.disaster.attachments.models import Attachment
from services.disaster.changes.models import ChangeLogEntry
from services.disaster.db import Base, Finding, IdempotencyKey, OutboxEvent
from services.disaster.disasters.models import Disaster
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.entitlements.models import EntitlementRule
from services.disaster.merges.models import PersonMerge
from services.disaster.privacy.models import AccessLogEntry
from services.disaster.reports.models import VictimTarget
from services.disaster.sites.models import EvacuationSite, SiteStay
from services.disaster.victims.models import Victim
from services.disaster.warehouses.models import Item, StockBalance, StockMovement, Warehouse

__all__ = [
    "AccessLogEntry",
    "Attachment",
    "Base",
    "ChangeLogEntry",
    "Disaster",
    "Distribution",
    "DistributionLine",
    "EntitlementRule",
    "EvacuationSite",
    "Finding",
    "IdempotencyKey",
    "Item",
    "OutboxEvent",
    "PersonMerge",
    "SiteStay",
    "StockBalance",
    "StockMovement",
    "Victim",
    "VictimTarget",
    "Warehouse",
]
