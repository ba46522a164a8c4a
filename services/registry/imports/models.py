import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class Import(Base):
    """One uploaded DTKS-style feed and how far its processing got (see imports/runner.py)."""

    __tablename__ = "imports"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16), server_default=text("'dtks'"))
    filename: Mapped[str | None] = mapped_column(String(255))
    # queued | running | completed | failed
    status: Mapped[str] = mapped_column(String(16), server_default=text("'queued'"))
    # Who uploaded it, and the scope the rows are checked against (their token's, kept for the runner).
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploader_roles: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    uploader_regions: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    size_bytes: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    chunk_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    rows_read: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    inserted: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    updated: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    unchanged: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    rejected: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    warnings: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Processing: the replica holding it (claim_token fences a replica that was presumed dead),
    # its last sign of life, how often it was claimed, why it failed.
    claim_token: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))

    __table_args__ = (
        Index("ix_imports_pending", "created_at", postgresql_where=text("status IN ('queued', 'running')")),
    )


class ImportChunk(Base):
    """The uploaded file itself, in pieces of a few MB, so that any replica can process it and a crash
    loses nothing. Deleted once the import has finished."""

    __tablename__ = "import_chunks"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportIssue(Base):
    """A row of an import that was rejected (not written) or written with a warning."""

    __tablename__ = "import_errors"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    # rejected | warning
    severity: Mapped[str] = mapped_column(String(8))
    id_dtks: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
