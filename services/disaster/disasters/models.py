import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class Disaster(Base):
    __tablename__ = "disasters"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    # province | regency: decides which SPM service (province's or regency's) it counts for.
    level: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[date] = mapped_column(Date)
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(String(13)))
    # emergency -> recovery -> closed (forward only).
    status: Mapped[str] = mapped_column(String(16), server_default=text("'emergency'"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Impact as reported to BNPB (DIBI classes): the office's own figures, which may include people
    # nobody registered by name. Registered victims are counted from the victims table instead.
    dead: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    missing: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    injured: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    displaced: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    affected: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    houses_heavily_damaged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    houses_moderately_damaged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    houses_lightly_damaged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
