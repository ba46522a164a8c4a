import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base

VALUE = Numeric(18, 4)


class Indicator(Base):
    """A performance indicator (RPJMD, Renstra, a program's output). `source` says where its
    realisation comes from: typed in each quarter with evidence (`manual`), or computed from the
    registry's assessments (`ppks_mandiri`: persentase PPKS yang mandiri)."""

    __tablename__ = "indicators"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(4))  # up | down: is more better?
    baseline: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    program_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IndicatorTarget(Base):
    __tablename__ = "indicator_targets"

    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[Decimal] = mapped_column(VALUE)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IndicatorRealisation(Base):
    """The indicator's value as at the end of a quarter, with the evidence behind it."""

    __tablename__ = "indicator_realisations"

    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[Decimal] = mapped_column(VALUE)
    evidence: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),)
