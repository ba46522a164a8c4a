"""Processes die and servers restart; nothing is lost and nothing happens twice. The system here runs
on a PostgreSQL server of its own (so that restarting it disturbs no other test) and with a short job
timeout (15 s), so that the job of a killed worker is taken up again within 25 s."""

import asyncio
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from arq.constants import in_progress_key_prefix
from redis.asyncio import Redis

from services.prestart import migrate
from shared.embedded import EmbeddedPostgres
from tests.e2e.flows import ADMIN, person, stocked_warehouse
from tests.support import System, create_database, eventually, server_url

DISTRIBUTIONS = 3000  # several jobs of ~500, running at once: some are surely cut off by the kill


@pytest.fixture(scope="module")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Not under pytest's tmp_path: run as root, the server's unprivileged user must reach its directory.
    tmp = Path(tempfile.mkdtemp(prefix="kessos-crash-"))
    server = EmbeddedPostgres(tmp / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def system(
    postgres: EmbeddedPostgres, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    database = server_url(postgres.url, "kessos")
    asyncio.run(create_database(postgres.url, "kessos"))
    migrate(database)
    running = System(
        database_url=database,
        redis_url=redis_url,
        log_dir=tmp_path_factory.mktemp("logs"),
        extra_env={"KESSOS_WORKER_JOB_TIMEOUT_SECONDS": "15"},
    )
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def open_findings(system: System, rule: str) -> list[tuple[str, int]]:
    """(subject, how many findings) for the rule, straight from the disaster service's table."""
    conn = await asyncpg.connect(system.database_url)
    try:
        rows = await conn.fetch(
            "SELECT subject_id::text, count(*) FROM disaster.findings WHERE rule = $1 GROUP BY 1", rule
        )
        return [(r[0], r[1]) for r in rows]
    finally:
        await conn.close()


async def backlog(system: System) -> int:
    conn = await asyncpg.connect(system.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT (SELECT count(*) FROM registry.outbox WHERE acked_at IS NULL AND dead_at IS NULL)"
                " + (SELECT count(*) FROM programs.outbox WHERE acked_at IS NULL AND dead_at IS NULL)"
                " + (SELECT count(*) FROM disaster.outbox WHERE acked_at IS NULL AND dead_at IS NULL)"
            )
        )
    finally:
        await conn.close()


async def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_repeats_nothing(
    http: httpx.AsyncClient, system: System, redis: Redis
) -> None:
    disaster_id, warehouse_id = await stocked_warehouse(http, system, DISTRIBUTIONS)
    worker = system.processes["worker"]
    worker.send_signal(signal.SIGSTOP)  # hold the worker while the events pile up
    try:
        records = [
            {
                "id": str(uuid.uuid4()),
                "disaster_id": disaster_id,
                "warehouse_id": warehouse_id,
                "person_id": str(uuid.uuid4()),  # nobody the registry knows: one finding each
                "items": [{"item_code": "beras", "quantity": 1}],
                "distributed_at": "2026-11-02T10:00:00+08:00",
            }
            for _ in range(DISTRIBUTIONS)
        ]
        synced = await http.post(
            system.url("disaster") + "/api/v1/sync/distributions", json={"records": records}, headers=ADMIN
        )
        assert synced.status_code == 200 and synced.json()["created"] == DISTRIBUTIONS, synced.text[:300]

        async def queued() -> int:
            return int(await redis.zcard(system.queue_name))

        await eventually(queued, timeout=20)
        jobs = [j.decode() for j in await redis.zrange(system.queue_name, 0, -1)]
    finally:
        worker.send_signal(signal.SIGCONT)

    async def working() -> list[str]:
        return [j for j in jobs if await redis.exists(in_progress_key_prefix + j)]

    running = await eventually(working, timeout=20, interval=0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    # arq takes a job off the queue only when it ends: still there, it was cut off in the middle.
    cut_off = [j for j in running if await redis.zscore(system.queue_name, j) is not None]
    assert cut_off, "every job had ended before the kill: nothing was tested"

    system.start_process("worker")

    async def all_found() -> bool:
        return len(await open_findings(system, "recipient_not_in_registry")) == DISTRIBUTIONS

    await eventually(all_found, timeout=120, interval=0.5)
    found = await open_findings(system, "recipient_not_in_registry")
    assert {subject for subject, _ in found} == {r["id"] for r in records}
    assert all(count == 1 for _, count in found), "a finding was raised twice"

    async def settled() -> bool:
        return await backlog(system) == 0

    await eventually(settled, timeout=60, interval=0.5)


async def test_postgres_restart_makes_services_unready_then_they_recover(
    http: httpx.AsyncClient, system: System, postgres: EmbeddedPostgres
) -> None:
    before = await person(http, system, full_name="Siti Aminah")

    postgres.stop()
    try:
        for service in ("registry", "programs", "disaster"):
            unready = await http.get(system.url(service) + "/readyz")
            assert unready.status_code == 503, (service, unready.text)
            assert unready.json()["checks"]["database"] != "ok"
        refused = await http.post(
            system.url("registry") + "/api/v1/people",
            headers=ADMIN,
            json={"full_name": "Tidak Tersimpan", "sex": "F", "region_code": "63.71.01.1001"},
        )
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    finally:
        port = postgres.port
        postgres.start()
    assert postgres.port == port

    async def ready() -> bool:
        answers = [await http.get(system.url(s) + "/readyz") for s in ("registry", "programs", "disaster")]
        return all(a.status_code == 200 for a in answers)

    await eventually(ready, timeout=30, interval=0.5)
    kept = await http.get(system.url("registry") + f"/api/v1/people/{before['id']}", headers=ADMIN)
    assert kept.status_code == 200 and kept.json()["full_name"] == "Siti Aminah"
    after = await person(http, system, full_name="Rahmat Hidayat")
    assert after["id"] != before["id"]
    conn = await asyncpg.connect(system.database_url)
    try:
        names = {r[0] for r in await conn.fetch("SELECT full_name FROM registry.people")}
    finally:
        await conn.close()
    assert {"Siti Aminah", "Rahmat Hidayat"} <= names and "Tidak Tersimpan" not in names
