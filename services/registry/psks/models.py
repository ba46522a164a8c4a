import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class PsksRole(Base):
    """One PSKS role ("pilar sosial") held by a person or an organisation. A person often holds
    several (PSM and TKSK and TAGANA): reports count roles and distinct people apart."""

    __tablename__ = "psks_roles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    psks_type: Mapped[str] = mapped_column(ForeignKey("psks_types.code"))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(13))
    active_from: Mapped[date] = mapped_column(Date)
    active_until: Mapped[date | None] = mapped_column(Date)
    certification: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))  # active | ended
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (organisation_name IS NULL)", name="person_or_organisation"),
        Index(
            "ix_psks_roles_region_code_pattern",
            "region_code",
            postgresql_ops={"region_code": "text_pattern_ops"},
        ),
        # The same person cannot hold the same role twice at once.
        Index(
            "uq_psks_roles_active_person_type",
            "person_id",
            "psks_type",
            unique=True,
            postgresql_where=text("status = 'active' AND person_id IS NOT NULL"),
        ),
    )
