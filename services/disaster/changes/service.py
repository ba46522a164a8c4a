"""The disaster service's delta feed: victims, evacuation sites and warehouse stock changed since a
TAGANA phone's last sync."""

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.changes import repository
from services.disaster.changes.models import ChangeLogEntry
from services.disaster.changes.schemas import DisasterChanges, DisasterRecord
from services.disaster.sites import service as sites
from services.disaster.victims import service as victims
from services.disaster.warehouses import service as warehouses
from shared.auth import Principal
from shared.changes import Loader, changes_page


async def changes(
    session: AsyncSession, principal: Principal, *, since: str | None, region: str | None, limit: int
) -> DisasterChanges:
    principal.require(*victims.READERS)

    async def load_victims(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, DisasterRecord]:
        found = await repository.victims_by_ids(session, principal, ids)
        return {v.id: victims.to_read(v, site_id, principal) for v, site_id in found}

    async def load_sites(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, DisasterRecord]:
        found = list((await sites.readable_many(session, principal, ids)).values())
        return {s.id: s for s in await sites.summaries(session, found)}

    async def load_stock(ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, DisasterRecord]:
        found = await warehouses.readable_many(session, principal, ids)
        return {w: await warehouses.stock(session, principal, w) for w in found}

    loaders: dict[str, Loader[DisasterRecord]] = {
        "victim": load_victims,
        "site": load_sites,
        "stock": load_stock,
    }
    return await changes_page(
        session, ChangeLogEntry, principal, loaders, since=since, region=region, limit=limit
    )
