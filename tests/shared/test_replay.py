"""Replaying dead events: the operator's way out once the cause of a failure is fixed."""

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from shared.events.queue import EventQueue
from shared.events.replay import dead_events, replay
from shared.settings import KessosSettings

pytestmark = pytest.mark.usefixtures("clean")


async def test_dead_events_are_listed_and_replayed(engine, settings: KessosSettings) -> None:  # type: ignore[no-untyped-def]
    dead, alive = str(uuid.uuid4()), str(uuid.uuid4())
    async with engine.begin() as conn:
        for event_id, is_dead in ((dead, True), (alive, False)):
            await conn.execute(
                text(
                    "INSERT INTO disaster.outbox "
                    "(id, type, subject, envelope, published_at, dead_at, last_error, attempts) "
                    "VALUES (:id, 'distribution.recorded', 's', CAST(:env AS jsonb), now(), "
                    "CASE WHEN :dead THEN now() END, CASE WHEN :dead THEN 'RuntimeError: boom' END, 3)"
                ),
                {"id": event_id, "env": f'{{"id": "{event_id}"}}', "dead": is_dead},
            )
    redis = Redis.from_url(settings.require_redis_url())
    mark = f"{settings.queue_name}:event:{dead}"
    await redis.set(mark, b"failed:RuntimeError: boom", ex=60)
    url = settings.require_database_url()

    listed = await dead_events(url, ["registry", "programs", "disaster"])
    assert [(e.schema, e.id, e.last_error) for e in listed] == [("disaster", dead, "RuntimeError: boom")]

    queue = await EventQueue.connect(settings.require_redis_url(), settings.queue_name, 60)
    try:
        assert await replay(url, queue, ["registry", "programs", "disaster"], None) == 1
    finally:
        await queue.close()
    assert not await redis.exists(mark)  # forgotten, so the worker runs it again
    await redis.aclose()
    async with engine.connect() as conn:
        rows = dict(
            (
                await conn.execute(
                    text("SELECT id::text, dead_at IS NULL AND last_error IS NULL FROM disaster.outbox")
                )
            ).all()
        )
    assert rows == {dead: True, alive: True}
    assert await dead_events(url, ["disaster"]) == []
