import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


class EventEnvelope(BaseModel):
    """What crosses a service boundary. `subject` is the id of the record the event is about."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    payload: dict[str, Any]
    version: int = 1
    trace_id: str | None = None
