import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shared.types import OfficeTime

# The most ids and NIKs one lookup may carry together: the lookup is one query, whatever its size.
LOOKUP_LIMIT = 5000


class PeopleLookup(BaseModel):
    ids: list[uuid.UUID] = Field(default_factory=list, max_length=LOOKUP_LIMIT)
    niks: list[str] = Field(default_factory=list, max_length=LOOKUP_LIMIT, examples=[["6371014506850001"]])

    @model_validator(mode="after")
    def _at_most_the_limit(self) -> "PeopleLookup":
        for nik in self.niks:
            if len(nik) != 16 or not nik.isdigit():
                raise ValueError(f"niks: {nik!r} is not 16 digits")
        if len(self.ids) + len(self.niks) > LOOKUP_LIMIT:
            raise ValueError(f"ids and niks: at most {LOOKUP_LIMIT} together")
        return self


class Alias(BaseModel):
    id: uuid.UUID
    nik: str | None


class LookedUpPerson(BaseModel):
    """What reconciliation needs of a registry person: life status, identity, region. A merged record
    is answered with its survivor (`id` is then the survivor's)."""

    id: uuid.UUID
    status: Literal["active", "deceased", "moved", "merged"]
    died_on: date | None
    status_changed_at: OfficeTime | None
    merged_into: uuid.UUID | None
    nik: str | None
    full_name: str
    birth_date: date | None
    sex: Literal["M", "F"] | None
    region_code: str
    aliases: list[Alias] = Field(
        description="Records merged into this one, directly or through another: other services' records "
        "may still name them"
    )


class PeopleLookedUp(BaseModel):
    by_id: dict[uuid.UUID, LookedUpPerson] = Field(
        description="Each asked id the registry has, with its record (a merged one's survivor)"
    )
    by_nik: dict[str, LookedUpPerson] = Field(
        description="Each asked NIK the registry has, with the record holding it (following a merge)"
    )
