from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.programs.db import Base


class SpmService(Base):
    """The five provincial SPM Bidang Sosial services (PP 2/2018, Permensos 9/2018), seeded by the
    migration. Which PPKS types count as needing a service is data, not code: the regulation names
    groups of people, not PPKS codes, and an office may map them differently."""

    __tablename__ = "spm_services"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    # Assessments of these PPKS types count as people needing the service (services 1-4).
    ppks_types: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    # Clients of a panti of this kind count for the service when the admission names no PPKS type.
    institution_kind: Mapped[str | None] = mapped_column(String(32))
    # Service 5 counts victims of disasters of this level instead of assessments.
    disaster_level: Mapped[str | None] = mapped_column(String(16))


class BasicNeed(Base):
    """The basic needs of rehabilitasi sosial dasar (Permensos 9/2018), recorded for a client as each
    is met. `required` ones make a served client fully served (the SPM quality figure)."""

    __tablename__ = "basic_needs"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean)


class Parameter(Base):
    """A configurable figure (the Peksos caseload norm, the SPM weighting, ...), seeded by the
    migration with the documented defaults and changed by an officer through the API."""

    __tablename__ = "parameters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    description: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
