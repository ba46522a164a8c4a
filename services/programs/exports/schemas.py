import uuid

from pydantic import BaseModel, Field

# The most ids one query may carry: one SQL query, whatever the size.
PEOPLE_LIMIT = 10_000


class EnrolmentsOfPeopleQuery(BaseModel):
    """Enrolments (with their benefits) of some registry people, in some programs or in all."""

    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=PEOPLE_LIMIT)
    program_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=PEOPLE_LIMIT, description="Only these programs (null: every program)"
    )


class AdmissionsOfPeopleQuery(BaseModel):
    """The active stays in a panti of some registry people."""

    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=PEOPLE_LIMIT)


class SocialAidOfPeopleQuery(BaseModel):
    """The PPKS assessments (as the registry's feed left them here) and person-linked aid of some people."""

    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=PEOPLE_LIMIT)
