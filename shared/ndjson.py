"""Streamed exports for the worker's full reconciliation: one query, read through a server-side cursor
and sent as NDJSON while it runs, so that a million rows never sit in memory on either side.

The query selects one column, each row's JSON text, built by PostgreSQL (json_build_object): Python
only joins lines."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, or_, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.errors import Invalid

MEDIA_TYPE = "application/x-ndjson"
# Rows fetched from the cursor at a time (and sent as one chunk).
FETCH = 2000


def in_partition(column: Any, region: str | None, *, exact: bool) -> ColumnElement[bool]:
    """Rows of a region partition: the region and everything under it, or (`exact`) the region only
    (records kept at province level belong to no regency's partition)."""
    if region is None:
        return true()
    if exact:
        return column == region  # type: ignore[no-any-return]
    return or_(column == region, column.startswith(region + ".", autoescape=True))


def check_shard(shard: int, shards: int) -> None:
    if shard >= shards:
        raise Invalid("shard", f"shard {shard} of {shards}: shards are numbered from 0 to {shards - 1}")


def in_shard(column: Any, shard: int, shards: int) -> ColumnElement[bool]:
    """Rows whose UUID id falls in the `shard`-th of `shards` equal id ranges: a partition split into
    shorter jobs, each an index range (ids are random, so the shards are even)."""
    if shards <= 1:
        return true()
    lower = uuid.UUID(int=(shard << 128) // shards)
    if shard == shards - 1:
        return column >= lower  # type: ignore[no-any-return]
    upper = uuid.UUID(int=((shard + 1) << 128) // shards)
    return and_(column >= lower, column < upper)


async def stream(sessionmaker: async_sessionmaker[AsyncSession], statement: Executable) -> AsyncIterator[str]:
    async with sessionmaker() as session, session.begin():
        result = await session.stream(statement.execution_options(yield_per=FETCH))
        async for rows in result.partitions(FETCH):
            yield "".join(row[0] + "\n" for row in rows)
