import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import OfficeTime, RegionCode

# By SPM service (PP 2/2018): disabilitas, anak, lanjut usia, gelandangan-pengemis; or other.
InstitutionKind = Literal["disabilitas", "anak", "lanjut_usia", "gelandangan_pengemis", "other"]
DischargeOutcome = Literal["returned_to_family", "independent", "referred", "died"]
PpksType = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-9]|2[0-6])$", examples=["08"])]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=2000)]


class InstitutionCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        examples=["Panti Sosial Tresna Werdha Budi Sejahtera"]
    )
    kind: InstitutionKind
    region_code: RegionCode
    capacity: int = Field(gt=0, le=10_000, examples=[60])
    operator: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(
        default=None, description="Who runs it", examples=["UPTD Dinas Sosial Provinsi Kalimantan Selatan"]
    )


class InstitutionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: InstitutionKind
    region_code: str
    capacity: int
    operator: str | None = None
    occupancy: int = 0
    created_at: OfficeTime


class AdmissionCreate(BaseModel):
    person_id: uuid.UUID = Field(description="The client's registry person id")
    admitted_on: date
    ppks_type: PpksType | None = Field(
        default=None,
        description="The PPKS type the client is served for; taken from the assessment if omitted",
    )
    assessment_id: uuid.UUID | None = Field(
        default=None, description="The registry assessment behind the admission"
    )
    birth_date: date | None = Field(
        default=None, description="Only needed when the registry has sent no birth date for the person"
    )
    peksos_person_id: uuid.UUID | None = Field(
        default=None,
        description="The Peksos (registry person with an active PSKS 01 role) serving the client",
    )
    override_reason: Reason | None = Field(
        default=None, description="Assign the Peksos even over the caseload limit, for this reason (reported)"
    )


class PeksosAssignment(BaseModel):
    peksos_person_id: uuid.UUID
    override_reason: Reason | None = None


class DischargeCreate(BaseModel):
    discharged_on: date
    outcome: DischargeOutcome


class AdmissionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    institution_id: uuid.UUID
    person_id: uuid.UUID
    region_code: str
    admitted_on: date
    status: Literal["active", "discharged"]
    discharged_on: date | None
    discharge_outcome: DischargeOutcome | None
    ppks_type: str | None = None
    assessment_id: uuid.UUID | None = None
    peksos_person_id: uuid.UUID | None = None
    caseload_override_reason: str | None = None
    created_at: OfficeTime


class BasicNeedMetCreate(BaseModel):
    need: str = Field(pattern=r"^[a-z_]{1,40}$", examples=["civil_documents"])
    met_on: date
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class BasicNeedMetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    admission_id: uuid.UUID
    need: str
    met_on: date
    note: str | None
    recorded_by: str
    created_at: OfficeTime


class PeksosCaseload(BaseModel):
    peksos_person_id: uuid.UUID
    clients: int = Field(description="Active clients of this institution assigned to the Peksos")
    over_limit: bool
    still_peksos: bool = Field(description="The registry still shows an active PSKS 01 role")


class CaseloadOverride(BaseModel):
    admission_id: uuid.UUID
    peksos_person_id: uuid.UUID
    reason: str
    overridden_by: str | None
    overridden_at: OfficeTime | None


class CaseloadRead(BaseModel):
    institution_id: uuid.UUID
    limit: int = Field(description="Clients per Peksos (parameter peksos_caseload_limit)")
    active_clients: int
    unassigned_clients: int
    peksos: list[PeksosCaseload]
    overrides: list[CaseloadOverride] = Field(description="Active clients assigned over the limit, with why")
