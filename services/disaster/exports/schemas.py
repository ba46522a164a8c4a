import uuid

from pydantic import BaseModel, Field

from services.disaster.common import Nik

# The most ids one query may carry: one SQL query, whatever the size.
RECIPIENTS_LIMIT = 10_000


class RecipientsQuery(BaseModel):
    """Distributions of some disasters to some recipients (by registry id or NIK)."""

    disaster_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    person_ids: list[uuid.UUID] = Field(default_factory=list, max_length=RECIPIENTS_LIMIT)
    niks: list[Nik] = Field(default_factory=list, max_length=RECIPIENTS_LIMIT)


class DisplacedQuery(BaseModel):
    """Victims displaced now (mengungsi, checked in at a site) who are any of these people."""

    person_ids: list[uuid.UUID] = Field(default_factory=list, max_length=RECIPIENTS_LIMIT)
    niks: list[Nik] = Field(default_factory=list, max_length=RECIPIENTS_LIMIT)
