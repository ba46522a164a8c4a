import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class AccessLogEntry(Base):
    """Every unmasked read of a victim or a recipient (UU 27/2022): who, when, which record, how.
    Victims are often registered before the registry knows them, so an entry names the record read
    (`victim`, `distribution`, or `person` for a subject-access export) and the registry person when
    known."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    reader: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_access_log_subject", "subject_type", "subject_id"),)
