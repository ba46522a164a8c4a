from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class VictimTarget(Base):
    """How many disaster victims a region plans to handle in a year (e.g. 17,000 for a province)."""

    __tablename__ = "victim_targets"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    target: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("target >= 0", name="not_negative"),)
