"""What UU 27/2022 asks of the registry: who read whom (the access log), and everything held on a
person for their subject-access request."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.assessments import repository as assessments
from services.registry.assessments.schemas import AssessmentRead
from services.registry.history.schemas import ChangeRead
from services.registry.households import repository as households
from services.registry.people import repository as people
from services.registry.people import service as people_service
from services.registry.privacy import repository
from services.registry.privacy.schemas import AccessLogRead, DataExport, HouseholdMembershipRead
from services.registry.psks import repository as psks
from services.registry.psks.schemas import RoleRead
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.pagination import Page, after_int, encode_cursor


async def access_log(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    reader: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AccessLogRead]:
    if "admin" not in principal.roles:
        raise Forbidden("the access log is for administrators")
    after = after_int(cursor)
    rows = await repository.access_log(
        session, person_id=person_id, reader=reader, after=after, limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[AccessLogRead.model_validate(r) for r in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def data_export(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> DataExport:
    if not principal.can_read_pii:
        raise Forbidden("a subject-access export shows personal data: it needs pii:read")
    person = await people.get(session, principal, person_id)
    if person is None:
        raise NotFound(f"no person {person_id} in your regions")
    memberships = await households.memberships_of(session, person.id)
    export = DataExport(
        generated_at=datetime.now(UTC),
        person=people_service.to_read(person, principal),
        households=[
            HouseholdMembershipRead(
                household_id=h.id,
                kk_number=h.kk_number,
                relationship=m.relationship,
                joined_on=m.joined_on.isoformat(),
                left_on=m.left_on.isoformat() if m.left_on else None,
            )
            for m, h in memberships
        ],
        ppks_assessments=[
            AssessmentRead.model_validate(a) for a in await assessments.of_person(session, person.id)
        ],
        psks_roles=[RoleRead.model_validate(r) for r in await psks.of_person(session, person.id)],
        history=[ChangeRead.model_validate(c) for c in await repository.all_changes(session, person.id)],
        access_log=[AccessLogRead.model_validate(a) for a in await repository.all_access(session, person.id)],
    )
    await people.log_access(session, [person], principal.sub, "data-export")
    return export
