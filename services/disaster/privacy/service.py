"""What UU 27/2022 asks of the disaster service: a log of every unmasked read of a victim or a
recipient, and everything held on a person for their subject-access request.

The write side of the log is privacy.log, for victims.service and distributions.service to call on
every unmasked read. Masking lives with the records: without `pii:read`, victims show no NIK, KK
number, birth date, pregnancy or disability (victims.service.to_read), distributions no NIK
(distributions.service.to_read)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.distributions import repository as distributions
from services.disaster.distributions import service as distributions_service
from services.disaster.privacy import log, repository
from services.disaster.privacy.schemas import AccessLogRead, DataExport, SiteStayRead
from services.disaster.victims import service as victims_service
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
    rows = await repository.access_log(
        session, person_id=person_id, reader=reader, after=after_int(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[AccessLogRead.model_validate(r) for r in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def data_export(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> DataExport:
    if not principal.can_read_pii:
        raise Forbidden("a subject-access export shows personal data: it needs pii:read")
    victims = await repository.victims(session, principal, person_id)
    victim_ids = [v.id for v, _ in victims]
    niks = sorted({v.nik for v, _ in victims if v.nik})
    handed = await repository.distributions(session, principal, person_id, victim_ids, niks)
    if not victims and not handed:
        # Not an empty export: the caller learns nothing about people outside their regions.
        raise NotFound(f"nothing held on person {person_id} in your regions")
    lines = await distributions.lines_of(session, [d.id for d in handed])
    subjects = victim_ids + [d.id for d in handed]
    export = DataExport(
        generated_at=datetime.now(UTC),
        person_id=person_id,
        victims=[victims_service.to_read(v, site, principal) for v, site in victims],
        site_stays=[SiteStayRead.model_validate(s) for s in await repository.stays(session, victim_ids)],
        distributions=[distributions_service.to_read(d, lines[d.id], principal) for d in handed],
        access_log=[
            AccessLogRead.model_validate(a) for a in await repository.access_of(session, person_id, subjects)
        ],
    )
    log.unmasked(session, principal, [("person", person_id, person_id)], "data-export")
    return export
