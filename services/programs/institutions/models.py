import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base


class Institution(Base):
    """A panti sosial: a residential institution with a fixed number of places."""

    __tablename__ = "institutions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    # Who runs it: the province's UPTD, a regency, or a private LKS (a PSKS organisation).
    operator: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)


class Admission(Base):
    """A client's stay in a panti, from admission to discharge."""

    __tablename__ = "admissions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    # A registry person id: checked by the worker against the registry, never by reading its tables.
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    admitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))
    discharged_on: Mapped[date | None] = mapped_column(Date)
    discharge_outcome: Mapped[str | None] = mapped_column(String(32))
    # The PPKS type the client is served for, and the registry assessment that found it.
    ppks_type: Mapped[str | None] = mapped_column(String(2))
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Given with the admission when the registry knows no birth date; the age rules use it.
    birth_date: Mapped[date | None] = mapped_column(Date)
    # The Peksos (a registry person with an active PSKS 01 role) serving the client.
    peksos_person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Set when the assignment went over the caseload limit on purpose: who, why, when.
    caseload_override_reason: Mapped[str | None] = mapped_column(Text)
    caseload_override_by: Mapped[str | None] = mapped_column(String(200))
    caseload_override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_admissions_institution_peksos", "institution_id", "peksos_person_id"),
        # One active stay per person, whatever the institution: the database refuses the second.
        Index(
            "uq_admissions_active_person",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
    )


class BasicNeedMet(Base):
    """One basic need of a client, recorded on the day it was met (once per stay)."""

    __tablename__ = "basic_needs_met"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"))
    need: Mapped[str] = mapped_column(ForeignKey("basic_needs.code"))
    met_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("admission_id", "need", name="uq_basic_needs_met_admission_need"),
        # The SPM report reads the needs met in a year.
        Index("ix_basic_needs_met_met_on_admission", "met_on", "admission_id"),
    )
