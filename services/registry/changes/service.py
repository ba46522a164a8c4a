"""The registry's delta feed: people and households changed since a phone's last sync."""

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.changes import repository
from services.registry.changes.models import ChangeLogEntry
from services.registry.changes.schemas import RegistryChanges, RegistryRecord
from services.registry.households import service as households
from services.registry.people import permissions
from services.registry.people import service as people
from shared.auth import Principal
from shared.changes import Loader, changes_page


async def changes(
    session: AsyncSession, principal: Principal, *, since: str | None, region: str | None, limit: int
) -> RegistryChanges:
    permissions.require_read(principal)

    async def load_people(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, RegistryRecord]:
        found = await repository.people_by_ids(session, principal, ids)
        await repository.log_access(session, principal, found)
        return {p.id: people.to_read(p, principal) for p in found}

    async def load_households(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, RegistryRecord]:
        found = await repository.households_by_ids(session, principal, ids)
        # Members come masked and scoped as on GET /households/{id}: the same reader builds them.
        return {h.id: await households.get(session, principal, h.id) for h in found}

    loaders: dict[str, Loader[RegistryRecord]] = {"person": load_people, "household": load_households}
    return await changes_page(
        session, ChangeLogEntry, principal, loaders, since=since, region=region, limit=limit
    )
