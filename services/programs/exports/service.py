"""Records of this service streamed for the worker's full reconciliation (service-only)."""

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.programs.exports import repository
from shared import ndjson
from shared.auth import Principal


def check(principal: Principal) -> None:
    principal.require_exactly("service")


def admissions(
    sessionmaker: async_sessionmaker[AsyncSession],
    region: str | None,
    *,
    exact: bool,
    shard: int,
    shards: int,
) -> AsyncIterator[str]:
    ndjson.check_shard(shard, shards)
    return ndjson.stream(sessionmaker, repository.admissions(region, exact=exact, shard=shard, shards=shards))
