import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base

MONEY = Numeric(18, 2)


class KubeGroup(Base):
    """A Kelompok Usaha Bersama: 5 to 20 poor households running a business together."""

    __tablename__ = "kube_groups"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    business: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    formed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class KubeMember(Base):
    """A registry household's membership of a KUBE, from joining to leaving."""

    __tablename__ = "kube_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kube_groups.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # One family in one active KUBE at a time: the database refuses the second membership.
        Index(
            "uq_kube_members_active_household",
            "household_id",
            unique=True,
            postgresql_where=text("left_on IS NULL"),
        ),
    )


class KubeAid(Base):
    """Business aid (bantuan usaha) given to a KUBE as a group."""

    __tablename__ = "kube_aids"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kube_groups.id"), index=True)
    program_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programs.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    given_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class KubeAidUse(Base):
    """What the group reports it did with the aid: never more in total than it received."""

    __tablename__ = "kube_aid_uses"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    aid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kube_aids.id"), index=True)
    used_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    purpose: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class WrseAid(Base):
    """Business aid to an economically vulnerable woman (WRSE/PRSE, PPKS type 23)."""

    __tablename__ = "wrse_aids"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    program_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programs.id"))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # cash | in_kind
    amount: Mapped[Decimal] = mapped_column(MONEY)
    business: Mapped[str] = mapped_column(String(200))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
