import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, SmallInteger, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class Person(Base):
    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    kk_number: Mapped[str | None] = mapped_column(String(16), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Titles dropped and spellings unified (names.normalise): what search and matching compare.
    name_normalized: Mapped[str] = mapped_column(String(200), server_default=text("''"))
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(String(100))
    # M | F; a feed row may lack it (and its NIK), so the registry may too.
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(13))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    mother_name: Mapped[str | None] = mapped_column(String(200))
    # DTSEN welfare decile 1 (poorest) to 10.
    welfare_decile: Mapped[int | None] = mapped_column(SmallInteger)
    disability_status: Mapped[str | None] = mapped_column(String(100))
    # The feed's own stable id; an import is an upsert on it.
    id_dtks: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Extra feed columns, kept as they came.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # active | deceased | moved | merged: nobody is ever hard-deleted.
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))
    died_on: Mapped[date | None] = mapped_column(Date)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index(
            "ix_people_region_code_pattern", "region_code", postgresql_ops={"region_code": "text_pattern_ops"}
        ),
        Index(
            "ix_people_name_normalized_trgm",
            "name_normalized",
            postgresql_using="gin",
            postgresql_ops={"name_normalized": "gin_trgm_ops"},
        ),
        Index("ix_people_birth_date", "birth_date"),
        Index("ix_people_created_at_id", "created_at", "id"),
        # A survivor's merged duplicates (the reconciliation's bulk lookup lists them).
        Index("ix_people_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL")),
    )


class AccessLogEntry(Base):
    """Every unmasked read of a person (UU 27/2022): who, when, which record, how."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    reader: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
