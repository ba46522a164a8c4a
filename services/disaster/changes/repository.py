import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.victims import repository as victims
from services.disaster.victims.models import Victim
from shared.auth import Principal


async def victims_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[tuple[Victim, uuid.UUID | None]]:
    """The caller's victims among ids, each with the site they are checked in at now."""
    rows = await session.execute(victims.readable_by(principal).where(Victim.id.in_(ids)))
    return [(victim, site_id) for victim, site_id in rows.all()]
