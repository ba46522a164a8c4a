import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from services.disaster.common import KkNumber, Nik, utc
from shared.types import OfficeTime, RegionCode

Condition = Literal["meninggal", "hilang", "luka", "mengungsi", "terdampak"]
FoundCondition = Literal["meninggal", "luka", "mengungsi", "terdampak"]
Sex = Literal["M", "F"]
AgeGroup = Literal["child", "adult", "elderly", "unknown"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class VictimCreate(BaseModel):
    """A victim as registered in the field. Without documents, leave out nik and birth_date."""

    id: uuid.UUID | None = Field(
        default=None,
        description="Chosen by the phone when it registers offline; "
        "sending the same record again is harmless",
    )
    disaster_id: uuid.UUID
    full_name: Name = Field(examples=["Siti Rahmah"])
    sex: Sex
    nik: Nik | None = None
    kk_number: KkNumber | None = None
    birth_date: date | None = None
    condition: Condition = Field(examples=["mengungsi"])
    household_id: uuid.UUID | None = Field(
        default=None, description="Shared by the members of one family (any UUID the phone picks)"
    )
    pregnant: bool = False
    disability: bool = False
    region_code: RegionCode = Field(description="Where the victim was hit: the home village or district")
    person_id: uuid.UUID | None = Field(default=None, description="The registry person, when known")
    registered_at: OfficeTime | None = Field(
        default=None, description="When registered in the field; now if absent"
    )

    _aware_registered_at = field_validator("registered_at")(utc)


class VictimSyncRecord(VictimCreate):
    id: uuid.UUID = Field(description="The client-generated id: the victim's id from now on")
    registered_at: OfficeTime = Field(description="When it was registered in the field")


class VictimUpdate(BaseModel):
    """Send only what changes. A missing (hilang) victim changes condition through /found."""

    full_name: Name | None = None
    sex: Sex | None = None
    nik: Nik | None = None
    kk_number: KkNumber | None = None
    birth_date: date | None = None
    condition: Condition | None = None
    household_id: uuid.UUID | None = None
    pregnant: bool | None = None
    disability: bool | None = None
    person_id: uuid.UUID | None = None


class VictimFound(BaseModel):
    found_on: date
    found_place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = (
        Field(examples=["Puskesmas Martapura"])
    )
    condition: FoundCondition = Field(description="The condition in which the victim was found")


class MatchCandidate(BaseModel):
    person_id: uuid.UUID
    score: float = Field(ge=0, le=1, description="The registry's probability that they are one person")


class MatchReviewRead(BaseModel):
    decision: Literal["confirmed", "rejected"]
    by: str
    at: OfficeTime
    reason: str


class VictimRead(BaseModel):
    id: uuid.UUID
    disaster_id: uuid.UUID
    household_id: uuid.UUID | None
    full_name: str
    sex: Sex
    nik: str | None = Field(description="Masked unless the caller may read personal data")
    kk_number: str | None = Field(description="Masked unless the caller may read personal data")
    birth_date: date | None = Field(description="Hidden unless the caller may read personal data")
    age_group: AgeGroup
    condition: Condition
    pregnant: bool | None = Field(description="Health data: hidden unless the caller may read personal data")
    disability: bool | None = Field(description="Hidden unless the caller may read personal data")
    region_code: str
    person_id: uuid.UUID | None
    match_status: str | None = Field(
        description="Identity matching against the registry; null: not matched yet; client_linked, "
        "matched, possible (awaiting an officer's review), no_match, confirmed or rejected"
    )
    match_candidates: list[MatchCandidate] | None = Field(
        default=None, description="The registry people it may be, best first (while possible or after)"
    )
    match_review: MatchReviewRead | None = Field(
        default=None, description="Who settled a possible match, when and why"
    )
    found_on: date | None
    found_place: str | None
    site_id: uuid.UUID | None = Field(description="The evacuation site the victim is checked in at, if any")
    registered_at: OfficeTime
    recorded_by: str
    updated_at: OfficeTime


MatchStatus = Literal["matched", "possible", "no_match"]


class VictimMatch(BaseModel):
    """What the registry's identity matching made of a victim (worker only)."""

    match_status: MatchStatus
    person_id: uuid.UUID | None = Field(default=None, description="The person matched; only with matched")
    score: float | None = Field(default=None, ge=0, le=1, description="The best candidate's score")
    candidates: list[MatchCandidate] = Field(default_factory=list, max_length=20)


MAX_MATCHES = 1000


class VictimMatchItem(VictimMatch):
    victim_id: uuid.UUID


class VictimMatches(BaseModel):
    items: list[VictimMatchItem] = Field(min_length=1, max_length=MAX_MATCHES)


class VictimMatchRecorded(BaseModel):
    victim_id: uuid.UUID
    match_status: str | None = Field(description="As the victim now stands (a settled link is kept)")
    person_id: uuid.UUID | None
    match_candidates: list[MatchCandidate] | None
    changed: bool = Field(description="false: the victim already said this, or its link is settled")


class VictimMatchesRecorded(BaseModel):
    items: list[VictimMatchRecorded]
    unknown_victims: list[uuid.UUID] = Field(description="Victims this service does not have")


class MatchReview(BaseModel):
    """An officer settles a possible match: this candidate is the victim, or none of them is."""

    decision: Literal["confirm", "reject"]
    person_id: uuid.UUID | None = Field(
        default=None, description="With confirm: the candidate who is the victim"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)] = Field(
        examples=["Same KK shown at the site; the victim's sister confirmed"]
    )
