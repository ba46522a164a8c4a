"""The registry's side of targeting (issue 10): the people attributes an eligibility rule needs, for the
worker (which evaluates the rule) and for the programs service (which explains one person's outcome).
Service-only: these records carry birth dates, disability and PPKS, unmasked, for machine use.

NDJSON: a first line `{"fields": [...]}` names the fields, then one JSON array per person in that order
(arrays, not objects: half the bytes, and cheaper to build and parse at a million rows), then a trailer
`{"snapshot_at": ..., "count": n}`. The stream reads in one REPEATABLE READ transaction, so every line
reflects one registry state: a run records that time, and a stream cut short (no trailer) is never
mistaken for a complete one."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.registry.targeting import repository
from shared.auth import Principal
from shared.errors import NotFound


def check(principal: Principal) -> None:
    principal.require_exactly("service")


async def stream_people(engine: AsyncEngine, region: str | None) -> AsyncIterator[str]:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            snapshot_at = await repository.snapshot_time(conn)
            yield json.dumps({"fields": repository.FIELDS}) + "\n"
            count = 0
            async for lines in repository.active_people(conn, region):
                count += len(lines)
                yield "\n".join(lines) + "\n"
            yield json.dumps({"snapshot_at": snapshot_at, "count": count}) + "\n"


async def person(engine: AsyncEngine, principal: Principal, person_id: uuid.UUID) -> dict[str, Any]:
    check(principal)
    async with engine.connect() as conn, conn.begin():
        record = await repository.person(conn, person_id)
    if record is None:
        raise NotFound(f"no person {person_id}")
    values = json.loads(record)
    return dict(zip((*repository.FIELDS, "updated_at"), values, strict=True))
