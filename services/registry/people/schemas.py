import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.types import RegionCode

Sex = Literal["M", "F"]
PersonStatus = Literal["active", "deceased", "moved", "merged"]
Nik = Annotated[
    str,
    Field(
        pattern=r"^\d{16}$", examples=["6371014506850001"], description="Nomor Induk Kependudukan: 16 digits"
    ),
]
KkNumber = Annotated[
    str,
    Field(pattern=r"^\d{16}$", examples=["6371011203150002"], description="Nomor Kartu Keluarga: 16 digits"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PersonCreate(BaseModel):
    nik: Nik | None = None
    kk_number: KkNumber | None = None
    full_name: Name = Field(examples=["Siti Rahmah"])
    birth_date: date | None = Field(default=None, examples=["1985-06-05"])
    birth_place: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, examples=["Banjarmasin"]
    )
    sex: Sex
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    region_code: RegionCode


class PersonUpdate(BaseModel):
    """Only the fields sent are changed."""

    nik: Nik | None = None
    kk_number: KkNumber | None = None
    full_name: Name | None = None
    birth_date: date | None = None
    birth_place: Annotated[str, StringConstraints(max_length=100)] | None = None
    sex: Sex | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    region_code: RegionCode | None = None
    status: Literal["active", "deceased", "moved"] | None = None
    died_on: date | None = None


class PersonRead(BaseModel):
    id: uuid.UUID
    nik: str | None = Field(
        description="Masked (`6371**********01`) unless the caller may read personal data"
    )
    kk_number: str | None
    full_name: str
    birth_date: date | None = Field(description="null when masked; see birth_year")
    birth_year: int | None
    birth_place: str | None
    sex: Sex
    address: str | None
    region_code: str
    status: PersonStatus
    died_on: date | None
    status_changed_at: datetime | None
    merged_into: uuid.UUID | None
    masked: bool
    warnings: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
