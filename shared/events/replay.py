"""Operators' tools for the outbox: list dead events, and send them again once the cause is fixed."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.events.queue import EventQueue


@dataclass
class DeadEvent:
    schema: str
    id: str
    type: str
    dead_at: datetime
    attempts: int
    last_error: str | None


async def dead_events(database_url: str, schemas: list[str]) -> list[DeadEvent]:
    conn = await asyncpg.connect(database_url)
    try:
        out: list[DeadEvent] = []
        for schema in schemas:
            rows = await conn.fetch(
                f"SELECT id::text, type, dead_at, attempts, last_error FROM {schema}.outbox "  # noqa: S608
                "WHERE dead_at IS NOT NULL ORDER BY dead_at"
            )
            out.extend(
                DeadEvent(schema, r["id"], r["type"], r["dead_at"], r["attempts"], r["last_error"])
                for r in rows
            )
        return out
    finally:
        await conn.close()


async def replay(
    database_url: str, queue: EventQueue, schemas: list[str], event_ids: list[str] | None
) -> int:
    """Un-park dead events (all, or the ids given): the relay sends them again within a second."""
    conn = await asyncpg.connect(database_url)
    try:
        replayed = 0
        for schema in schemas:
            ids = await conn.fetch(
                f"UPDATE {schema}.outbox SET dead_at = NULL, published_at = NULL, last_error = NULL "  # noqa: S608
                "WHERE dead_at IS NOT NULL AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) "
                "RETURNING id::text",
                event_ids,
            )
            await queue.forget([r["id"] for r in ids])
            replayed += len(ids)
        return replayed
    finally:
        await conn.close()
