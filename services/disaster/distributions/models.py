import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class Distribution(Base):
    """Relief handed to one recipient, recorded in the field (often offline, sent later)."""

    __tablename__ = "distributions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    disaster_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disasters.id"), index=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    # Where it was handed out, when at an evacuation site.
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("evacuation_sites.id"))
    # The recipient: a registered victim and/or their household; a registry person id when known;
    # else the NIK and name as written in the field.
    victim_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("victims.id"), index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    # Whose entitlement this counts against: "household:<id>", "victim:<id>", "person:<id>" or
    # "nik:<nik>" (the household when known, else the single recipient).
    entitlement_group: Mapped[str] = mapped_column(String(60))
    # Given when the officer handed out more than the entitlement; such a record carries a finding.
    override_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    distributed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # api (recorded online) | sync (sent in an offline batch)
    source: Mapped[str] = mapped_column(String(8), server_default=text("'api'"))
    # Hash of a synced record as first sent: the same id and content again is "already had".
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_distributions_entitlement", "disaster_id", "entitlement_group"),
        Index(
            "ix_distributions_household", "household_id", postgresql_where=text("household_id IS NOT NULL")
        ),
    )


class DistributionLine(Base):
    __tablename__ = "distribution_lines"

    distribution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("distributions.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
