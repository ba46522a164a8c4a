"""Nothing is lost when Redis goes away: writes still succeed, and the events they wrote are
delivered once Redis is back, even when Redis comes back empty. This module runs the system
against a Valkey server of its own, so that stopping it disturbs nobody else."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from shared.embedded import EmbeddedValkey
from tests.e2e.flows import distribute, findings, mark_deceased, person, stocked_warehouse
from tests.support import System, eventually


@pytest.fixture(scope="module")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
    server = EmbeddedValkey(Path(tmp_path_factory.mktemp("valkey")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def system(
    system_database: str, valkey: EmbeddedValkey, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    running = System(
        database_url=system_database, redis_url=valkey.url, log_dir=tmp_path_factory.mktemp("logs")
    )
    try:
        yield running.start()
    finally:
        running.stop()


async def test_writes_succeed_without_redis_and_events_arrive_after(
    http: httpx.AsyncClient, system: System, valkey: EmbeddedValkey
) -> None:
    someone = await person(http, system)
    await mark_deceased(http, system, someone["id"])
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)

    valkey.stop()
    try:
        readiness = await http.get(system.url("disaster") + "/readyz")
        assert readiness.status_code == 503 and readiness.json()["checks"]["redis"] == "unreachable"
        written = [
            await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]})
            for _ in range(3)
        ]
        assert [r.status_code for r in written] == [201, 201, 201]
        await asyncio.sleep(1)
    finally:
        port = valkey.port
        valkey.start()  # on the same port: every process reconnects by itself
    assert valkey.port == port

    for response in written:
        found = await eventually(
            lambda r=response: findings(http, system, "disaster", r.json()["id"]), timeout=30
        )
        assert [f["rule"] for f in found] == ["recipient_deceased"]


async def test_events_lost_by_an_empty_redis_are_sent_again(
    http: httpx.AsyncClient, system: System, valkey: EmbeddedValkey
) -> None:
    someone = await person(http, system)
    await mark_deceased(http, system, someone["id"])
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)

    # With the worker stopped, the relay hands the event to Redis; then Redis loses everything.
    system.processes["worker"].terminate()
    system.processes["worker"].wait(timeout=15)
    response = await distribute(
        http, system, disaster_id, warehouse_id, {"person_id": someone["id"]}, key=str(uuid.uuid4())
    )
    assert response.status_code == 201
    redis = Redis.from_url(valkey.url)
    try:
        await eventually(lambda: redis.zcard(system.queue_name))
        await redis.flushall()
    finally:
        await redis.aclose()
    system.start_process("worker")

    # The sweep sees that the event has no result and no job any more, and sends it again.
    found = await eventually(lambda: findings(http, system, "disaster", response.json()["id"]), timeout=30)
    assert [f["rule"] for f in found] == ["recipient_deceased"]
