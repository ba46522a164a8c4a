"""Projections of other services' records, fed by the worker from their events. The programs service
never reads another schema: this is all it knows of registry assessments, PSKS roles and disaster
victims. Each row keeps the time of the event that wrote it, so an older event never overwrites a
newer one."""

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base


class PpksAssessmentView(Base):
    """A registry PPKS assessment: who was assessed as which of the 26 types, and how it ended."""

    __tablename__ = "ppks_assessments"

    assessment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    ppks_type: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24))  # active | resolved_independent | resolved_other
    assessed_on: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(13))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    # True when the person has more than one assessment here (kept by the feed). Reports count
    # people: the single-assessment majority is counted row by row in one scan, and only these rows
    # need de-duplicating by person. That keeps a province-wide report fast.
    person_multiple: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    event_occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # The SPM report and the mandiri indicator scan assessments open in a year, by region prefix.
        Index(
            "ix_ppks_assessments_region_code_pattern",
            "region_code",
            postgresql_ops={"region_code": "varchar_pattern_ops"},
        ),
        Index("ix_ppks_assessments_assessed_on", "assessed_on"),
        Index("ix_ppks_assessments_multiple_person", "person_id", postgresql_where=text("person_multiple")),
    )


class PsksRoleView(Base):
    """A registry PSKS role. A Peksos is a person holding an active role of type 01."""

    __tablename__ = "psks_roles"

    role_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    psks_type: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str] = mapped_column(String(13))
    active_from: Mapped[date | None] = mapped_column(Date)
    active_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # active | ended
    event_occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_psks_roles_person_type", "person_id", "psks_type"),)


class DisasterVictimView(Base):
    """A victim registered by the disaster service; those of province-level disasters need SPM
    service 5."""

    __tablename__ = "disaster_victims"

    victim_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    disaster_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    disaster_level: Mapped[str] = mapped_column(String(16))  # province | regency
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Kept only to match relief handed out by NIK to the victim; never shown by any route.
    nik: Mapped[str | None] = mapped_column(String(16))
    condition: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(13))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_disaster_victims_registered_at", "registered_at"),)


class ReliefReceiptView(Base):
    """Relief handed out by the disaster service (`distribution.recorded`): a victim who received
    relief in their disaster counts as served for SPM service 5."""

    __tablename__ = "relief_receipts"

    distribution_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    disaster_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    nik: Mapped[str | None] = mapped_column(String(16))
    distributed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_relief_receipts_disaster_person", "disaster_id", "person_id"),
        Index("ix_relief_receipts_disaster_nik", "disaster_id", "nik"),
    )
