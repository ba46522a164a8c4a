import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base


class TargetingRule(Base):
    """One version of a program's eligibility rule. Versions are never changed: a new rule is a new
    version, so that every run can say exactly which rule it used."""

    __tablename__ = "targeting_rules"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"))
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    priority: Mapped[list[str]] = mapped_column(JSONB)
    quota: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Ages are counted on this day, so that a run in March and one in May agree.
    age_on: Mapped[date] = mapped_column(Date)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("program_id", "version", name="uq_targeting_rules_program_version"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="effective_order"),
    )


class TargetingRun(Base):
    """A computed candidate list: which rule version, over which registry snapshot, with what outcome."""

    __tablename__ = "targeting_runs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id"), index=True)
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("targeting_rules.id"))
    rule_version: Mapped[int] = mapped_column(Integer)
    # The people considered: those registered under this region (the program's, or narrower).
    region_code: Mapped[str] = mapped_column(String(13))
    # requested | computing | completed | failed
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The registry's transaction time of the people read: same rule + same snapshot = same list.
    snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    people_scanned: Mapped[int | None] = mapped_column(Integer)
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    over_quota_count: Mapped[int | None] = mapped_column(Integer)
    candidate_count: Mapped[int | None] = mapped_column(Integer)
    # [[district, sex, age_group, population, eligible], ...]: the fairness report's denominators.
    population: Mapped[list[list[Any]] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)


class TargetingCandidate(Base):
    """A person a run put forward, in rank order, with the reasons they qualified and what an officer
    decided about them."""

    __tablename__ = "targeting_candidates"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("targeting_runs.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(13))
    sex: Mapped[str | None] = mapped_column(String(1))
    age_group: Mapped[str] = mapped_column(String(8))
    welfare_decile: Mapped[int | None] = mapped_column(SmallInteger)
    # [[path, actual, met], ...]: the conditions met, by their place in the run's rule (rules.expand).
    reasons: Mapped[list[list[Any]]] = mapped_column(JSONB)
    # pending | accepted | excluded
    decision: Mapped[str] = mapped_column(String(16), server_default="pending")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    __table_args__ = (
        UniqueConstraint("run_id", "rank", name="uq_targeting_candidates_run_rank"),
        Index(
            "ix_targeting_candidates_run_region",
            "run_id",
            "region_code",
            postgresql_ops={"region_code": "text_pattern_ops"},
        ),
    )


class TargetingDecision(Base):
    """The audit trail: every acceptance and exclusion, by whom, when and why. Never changed."""

    __tablename__ = "targeting_decisions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("targeting_runs.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    action: Mapped[str] = mapped_column(String(16))  # accepted | excluded
    reason: Mapped[str | None] = mapped_column(Text)
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
