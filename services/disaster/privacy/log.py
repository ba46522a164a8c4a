"""The access log's write side, for any disaster domain that shows a victim or a recipient unmasked.
Kept apart from privacy.service (which reads victims and distributions) so that victims.service and
distributions.service can call it without an import cycle:

    log.unmasked(session, principal, [("victim", v.id, v.person_id) for v in page], "search")
"""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.privacy import repository
from shared.auth import Principal

Subject = tuple[str, uuid.UUID, uuid.UUID | None]  # (victim | distribution | person, id, person id)


def unmasked(session: AsyncSession, principal: Principal, subjects: Iterable[Subject], action: str) -> None:
    """Record the read when the caller saw the records unmasked (a masked view needs no log)."""
    entries = list(subjects)
    if principal.can_read_pii and entries:
        repository.log_access(session, entries, principal.sub, action)
