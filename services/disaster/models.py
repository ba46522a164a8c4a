"""Every table of the disaster schema, for Alembic."""

from services.disaster.db import Base, Finding, IdempotencyKey, OutboxEvent
from services.disaster.disasters.models import Disaster
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.warehouses.models import Item, StockBalance, StockMovement, Warehouse

__all__ = [
    "Base",
    "Disaster",
    "Distribution",
    "DistributionLine",
    "Finding",
    "IdempotencyKey",
    "Item",
    "OutboxEvent",
    "StockBalance",
    "StockMovement",
    "Warehouse",
]
