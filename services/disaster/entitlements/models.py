import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base

RULES = ("per_household_per_disaster", "per_person_per_week", "unlimited")


class EntitlementRule(Base):
    """How much of an item one recipient may receive: a default (disaster_id null) or a disaster's own
    rule, which wins over the default."""

    __tablename__ = "entitlement_rules"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    disaster_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("disasters.id"))
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    # per_household_per_disaster | per_person_per_week | unlimited
    rule: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("disaster_id", "item_code", postgresql_nulls_not_distinct=True),
        CheckConstraint("(rule = 'unlimited') = (quantity IS NULL)", name="quantity_unless_unlimited"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )
