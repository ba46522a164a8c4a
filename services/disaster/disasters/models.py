import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, func, text
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
    status: Mapped[str] = mapped_column(String(16), server_default=text("'emergency'"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
