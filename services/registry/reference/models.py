"""Official categories as reference data (seeded by migration, changeable without a release)."""

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class PpksType(Base):
    """The 26 PPKS types of Permensos 08/2012, with the age rules DOMAIN.md gives."""

    __tablename__ = "ppks_types"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Inclusive lower bound and exclusive upper bound of the age, in years, at assessment.
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    max_age: Mapped[int | None] = mapped_column(SmallInteger)


class PsksType(Base):
    """The 12 PSKS types; some are held by people, others by organisations."""

    __tablename__ = "psks_types"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(16))  # person | organisation
