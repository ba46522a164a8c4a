from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class Region(Base):
    """A Kemendagri region: province, regency (kabupaten/kota), district (kecamatan) or village."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(13), index=True)
