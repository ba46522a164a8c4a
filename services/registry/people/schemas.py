import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.types import OfficeTime, RegionCode

Sex = Literal["M", "F"]
PersonStatus = Literal["active", "deceased", "moved", "merged"]
Nik = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{16}$",
        examples=["6371014506850001"],
        description="Nomor Induk Kependudukan: 16 digits",
    ),
]
KkNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{16}$", examples=["6371011203150002"], description="Nomor Kartu Keluarga: 16 digits"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


Decile = Annotated[int, Field(ge=1, le=10, description="DTSEN welfare decile, 1 = poorest")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
RtRw = Annotated[str, Field(pattern=r"^[0-9]{1,3}$")]


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
    rt: RtRw | None = None
    rw: RtRw | None = None
    mother_name: Name | None = None
    welfare_decile: Decile | None = None
    disability_status: Short | None = None


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
    rt: RtRw | None = None
    rw: RtRw | None = None
    mother_name: Name | None = None
    welfare_decile: Decile | None = None
    disability_status: Short | None = None
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
    sex: Sex | None
    address: str | None
    region_code: str
    rt: str | None = None
    rw: str | None = None
    mother_name: str | None = Field(default=None, description="null when masked")
    welfare_decile: int | None = None
    disability_status: str | None = Field(default=None, description="null when masked")
    id_dtks: str | None = None
    status: PersonStatus
    died_on: date | None
    status_changed_at: OfficeTime | None
    merged_into: uuid.UUID | None
    masked: bool
    warnings: list[str] = Field(default_factory=list)
    created_at: OfficeTime
    updated_at: OfficeTime


class PeopleQuery(BaseModel):
    """Search filters; all optional, combined with AND, always within the caller's scope."""

    nik: Nik | None = None
    kk: KkNumber | None = Field(default=None, description="Nomor KK")
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)] | None = Field(
        default=None,
        description="Name; typo-tolerant, titles (H., Hj., Drs., S.Pd) ignored, "
        "spellings unified (Muhammad/Muhamad/M.)",
    )
    birth_date: date | None = None
    region: RegionCode | None = Field(default=None, description="Region code prefix")
    ppks_type: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-9]|2[0-6])$")] | None = Field(
        default=None, description="People with an active assessment of this PPKS type"
    )
    age_min: Annotated[int, Field(ge=0, le=130)] | None = None
    age_max: Annotated[int, Field(ge=0, le=130)] | None = None
    status: PersonStatus | None = None
