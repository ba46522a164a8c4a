import uuid

from pydantic import BaseModel, ConfigDict

from services.registry.assessments.schemas import AssessmentRead
from services.registry.history.schemas import ChangeRead
from services.registry.people.schemas import PersonRead
from services.registry.psks.schemas import RoleRead
from shared.types import OfficeTime


class AccessLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: uuid.UUID
    reader: str
    action: str
    at: OfficeTime


class HouseholdMembershipRead(BaseModel):
    household_id: uuid.UUID
    kk_number: str
    relationship: str
    joined_on: str
    left_on: str | None


class DataExport(BaseModel):
    """Everything the registry holds on one person (UU 27/2022 subject-access request)."""

    generated_at: OfficeTime
    person: PersonRead
    households: list[HouseholdMembershipRead]
    ppks_assessments: list[AssessmentRead]
    psks_roles: list[RoleRead]
    history: list[ChangeRead]
    access_log: list[AccessLogRead]
