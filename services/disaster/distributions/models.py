import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class Distribution(Base):
    """Relief handed to one recipient, recorded in the field (often offline, sent later)."""

    __tablename__ = "distributions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    disaster_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disasters.id"), index=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    # The recipient: a registry person id when known; else the NIK and name as written in the field.
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    distributed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DistributionLine(Base):
    __tablename__ = "distribution_lines"

    distribution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("distributions.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
