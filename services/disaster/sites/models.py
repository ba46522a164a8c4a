import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class EvacuationSite(Base):
    """A shelter (posko pengungsian). Its capacity is derived from its covered area (Sphere: 3.5 m² per
    person), never entered."""

    __tablename__ = "evacuation_sites"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    disaster_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disasters.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    covered_area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    toilets: Mapped[int] = mapped_column(Integer)
    water_liters_per_day: Mapped[Decimal] = mapped_column(Numeric(12, 1))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SiteStay(Base):
    """A victim's stay at a site, from check-in to check-out. A victim has at most one open stay."""

    __tablename__ = "site_stays"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evacuation_sites.id"), index=True)
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("victims.id"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[str] = mapped_column(String(200))
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_out_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index(
            "uq_site_stays_one_open_per_victim",
            "victim_id",
            unique=True,
            postgresql_where=text("checked_out_at IS NULL"),
        ),
    )
