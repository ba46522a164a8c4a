import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class DuplicateScan(Base):
    """A scan of the registry (or of one region) for people registered more than once. It runs in
    partitions, one per regency (per district in a big regency), each handled by a worker job."""

    __tablename__ = "duplicate_scans"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    region: Mapped[str | None] = mapped_column(String(13))  # a prefix, or None: every region in scope
    status: Mapped[str] = mapped_column(String(16), server_default=text("'running'"))  # running | done
    requested_by: Mapped[str] = mapped_column(String(200))
    # The caller's region prefixes when the scan was asked for (empty: unscoped).
    requester_regions: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    model_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    partitions_total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScanPartition(Base):
    __tablename__ = "duplicate_scan_partitions"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("duplicate_scans.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # a regency or district code
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))  # pending | done
    people: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    compared: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    pairs: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    runs: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    seconds: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DuplicatePair(Base):
    """Two registry records that may be one person. One row per pair of people, ever: a pair found
    again is updated, a pair judged to be two people stays so and is never proposed again."""

    __tablename__ = "duplicate_pairs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_a: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    person_b: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))  # match | possible (at the thresholds in force)
    # open | same_person (merged) | different_people
    status: Mapped[str] = mapped_column(String(20), server_default=text("'open'"))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    scan_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    partition: Mapped[str | None] = mapped_column(String(13))  # the partition that last found it
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __table_args__ = (
        UniqueConstraint("person_a", "person_b", name="uq_duplicate_pairs_people"),
        CheckConstraint("person_a < person_b", name="ordered"),
        Index("ix_duplicate_pairs_status_score", "status", "score"),
        Index("ix_duplicate_pairs_partition", "partition", postgresql_where=text("status = 'open'")),
    )


class PairEvent(Base):
    """A pair's trail: found, resolved, undone; who, when, what. Append-only."""

    __tablename__ = "duplicate_pair_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    pair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("duplicate_pairs.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # found | same_person | different_people | undo
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Merge(Base):
    """One merge of two people, with everything it changed, so that it can be undone exactly."""

    __tablename__ = "person_merges"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    pair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("duplicate_pairs.id"), index=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Before-values of both people and the ids of every row re-pointed (see duplicates/merging.py).
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    undone_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PersonAlias(Base):
    """An identifier a person also goes by: the id_dtks, NIK or KK number of a record merged into
    them. Online matching finds a person by these too."""

    __tablename__ = "person_aliases"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # id_dtks | nik | kk_number
    value: Mapped[str] = mapped_column(String(64))
    merge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person_merges.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_person_aliases_kind_value", "kind", "value"),)
