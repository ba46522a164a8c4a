import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.db import Base


class MatchingModel(Base):
    """Parameters of the matching model (m, u and the prior), with when and from what data they were
    estimated. The newest row is the one in use; older rows stay as the record of what was used."""

    __tablename__ = "matching_models"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # What the estimate came from: region, people, pairs, EM sessions and their convergence.
    estimated_from: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
