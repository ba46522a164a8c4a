"""Records of this service streamed for the worker's full reconciliation (service-only)."""

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.disaster.exports import repository
from services.disaster.exports.schemas import DisplacedQuery, RecipientsQuery
from shared import ndjson
from shared.auth import Principal


def check(principal: Principal) -> None:
    principal.require_exactly("service")


def distributions(
    sessionmaker: async_sessionmaker[AsyncSession],
    region: str | None,
    *,
    exact: bool,
    shard: int,
    shards: int,
) -> AsyncIterator[str]:
    ndjson.check_shard(shard, shards)
    return ndjson.stream(
        sessionmaker, repository.distributions(region, exact=exact, shard=shard, shards=shards)
    )


async def of_recipients(session: AsyncSession, principal: Principal, asked: RecipientsQuery) -> str:
    """JSON text: a list of distributions, each as in the export."""
    check(principal)
    if not asked.person_ids and not asked.niks:
        return "[]"
    return await repository.of_recipients(session, asked.disaster_ids, asked.person_ids, asked.niks)


async def displaced(session: AsyncSession, principal: Principal, asked: DisplacedQuery) -> str:
    """JSON text: a list of displaced victims with their open site stay."""
    check(principal)
    if not asked.person_ids and not asked.niks:
        return "[]"
    return await repository.displaced(session, asked.person_ids, asked.niks)
