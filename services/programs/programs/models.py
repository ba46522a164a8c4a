import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base

MONEY = Numeric(18, 2)


class Program(Base):
    """A budgeted program of one year (e.g. "Rehabilitasi Sosial Lanjut Usia Terlantar", APBD 2026)."""

    __tablename__ = "programs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    funding_source: Mapped[str] = mapped_column(String(20))
    # The office that runs it: the province (63) or a regency (63.71).
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    budget: Mapped[Decimal] = mapped_column(MONEY)
    # The most one person may receive from the program in its year (Rupiah, cash and in kind).
    benefit_limit: Mapped[Decimal | None] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("region_code", "year", "code", name="uq_programs_region_year_code"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
    )


class ProgramSpending(Base):
    """Realised spending of a program in one quarter (the latest figure replaces the earlier)."""

    __tablename__ = "program_spending"

    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),)


class Activity(Base):
    """An activity (kegiatan) under a program, with its share of the budget."""

    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    budget: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("program_id", "code", name="uq_activities_program_code"),)


class Enrolment(Base):
    """A registry person enrolled in a program for a period."""

    __tablename__ = "enrolments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    enrolled_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_enrolments_program_person", "program_id", "person_id"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )


class Benefit(Base):
    """Aid given to an enrolled person: cash, or in kind valued in Rupiah."""

    __tablename__ = "benefits"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"), index=True)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(16))  # cash | in_kind
    amount: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str | None] = mapped_column(Text)
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_benefits_program_person", "program_id", "person_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
