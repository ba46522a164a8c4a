import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class Household(Base):
    """A family as on its Kartu Keluarga."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kk_number: Mapped[str] = mapped_column(String(16), unique=True)
    region_code: Mapped[str] = mapped_column(String(13))
    address: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index(
            "ix_households_region_code_pattern",
            "region_code",
            postgresql_ops={"region_code": "text_pattern_ops"},
        ),
    )


class HouseholdMember(Base):
    """A person's membership of a household, from joined_on until left_on. Memberships are ended,
    never deleted, so the history of who lived where stays."""

    __tablename__ = "household_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    # hubungan_keluarga: 1 kepala keluarga … 8 lainnya (DOMAIN.md)
    relationship: Mapped[str] = mapped_column(String(1))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # A person in one household at a time; one head per household. The database holds the line.
        Index(
            "uq_household_members_current_person",
            "person_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
        Index(
            "uq_household_members_one_head",
            "household_id",
            unique=True,
            postgresql_where=text("left_on IS NULL AND relationship = '1'"),
        ),
    )
