"""Many people at once, for the worker's reconciliation: by id (a merged record answered with its
survivor) and by NIK, in one query. Unmasked, so each person returned is written to the access log."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.lookup import repository
from services.registry.lookup.schemas import PeopleLookup
from shared.auth import Principal


async def lookup(session: AsyncSession, principal: Principal, asked: PeopleLookup) -> str:
    """The answer as JSON text, shaped as `PeopleLookedUp` (built by PostgreSQL: a few thousand people
    would cost more as Python objects than the query itself)."""
    principal.require_exactly("service")
    return await repository.lookup(
        session,
        list(dict.fromkeys(asked.ids)),
        list(dict.fromkeys(asked.niks)),
        reader=principal.sub,
        action="reconcile",
    )
