import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.disaster.distributions.schemas import DistributionRead
from services.disaster.victims.schemas import VictimRead
from shared.types import OfficeTime


class AccessLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_type: Literal["victim", "distribution", "person"]
    subject_id: uuid.UUID
    person_id: uuid.UUID | None
    reader: str
    action: str
    at: OfficeTime


class SiteStayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    victim_id: uuid.UUID
    site_id: uuid.UUID
    checked_in_at: OfficeTime
    checked_in_by: str
    checked_out_at: OfficeTime | None
    checked_out_by: str | None


class DataExport(BaseModel):
    """Everything the disaster service holds on one registry person (UU 27/2022 subject-access
    request), in the caller's regions: the victim records linked to them, their stays at evacuation
    sites, the aid handed to them (by person id, victim or NIK), and who read these before."""

    generated_at: OfficeTime
    person_id: uuid.UUID
    victims: list[VictimRead]
    site_stays: list[SiteStayRead]
    distributions: list[DistributionRead]
    access_log: list[AccessLogRead]
