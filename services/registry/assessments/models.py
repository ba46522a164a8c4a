import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class PpksAssessment(Base):
    """A person assessed as needing social-welfare services of one PPKS type."""

    __tablename__ = "ppks_assessments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    ppks_type: Mapped[str] = mapped_column(ForeignKey("ppks_types.code"))
    # Copied from the person at assessment time, for scoped queries without a join.
    region_code: Mapped[str] = mapped_column(String(13))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(200))
    # active | resolved_independent ("mandiri") | resolved_other
    status: Mapped[str] = mapped_column(String(24), server_default=text("'active'"))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_ppks_assessments_type_status", "ppks_type", "status"),)
