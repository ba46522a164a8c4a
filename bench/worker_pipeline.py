"""The event pipeline under load: how many events a second one worker process handles, against a
plain arq no-op job loop on the same Redis, and the event-to-finding latency at a steady rate.

Starts the three services as real processes (on DATABASE_URL / REDIS_URL when set, else on embedded
servers), records distributions through the disaster service's offline sync (half to people the
registry knows, half to ids it does not), then:

1. throughput: enqueues one `distribution.recorded` event per distribution, in jobs of 100 (as the
   outbox relay sends them), starts one worker process and times it from its first handled event to
   its last (worker.processed_events), and compares with arq's own loop running no-op jobs;
2. latency: writes `distribution.recorded` events into the disaster service's outbox at a steady rate
   (as its API would, one committed transaction each) and measures, for each, the time from the
   outbox row's commit to its `recipient_not_in_registry` finding (same machine clock).

    .venv/bin/python -m bench.worker_pipeline [--events 20000] [--rate 200] [--seconds 30]
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker, func

from services.prestart import migrate
from shared.embedded import EmbeddedPostgres, EmbeddedValkey
from shared.events.queue import EventQueue
from shared.events.relay import JOB_EVENTS
from tests.e2e.flows import ADMIN, person, stocked_warehouse
from tests.support import System, create_database, drop_database, server_url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def record_distributions(system: System, count: int, known: list[str]) -> list[dict[str, Any]]:
    """`count` distributions through the sync API; returns them as `distribution.recorded` payloads."""
    async with httpx.AsyncClient(timeout=300) as http:
        disaster_id, warehouse_id = await stocked_warehouse(http, system, count)
        records = [
            {
                "id": str(uuid.uuid4()),
                "disaster_id": disaster_id,
                "warehouse_id": warehouse_id,
                "person_id": known[i % len(known)] if i % 2 else str(uuid.uuid4()),
                "items": [{"item_code": "beras", "quantity": 1}],
                "distributed_at": "2026-11-02T10:00:00+08:00",
            }
            for i in range(count)
        ]
        for start in range(0, count, 5000):
            response = await http.post(
                system.url("disaster") + "/api/v1/sync/distributions",
                json={"records": records[start : start + 5000]},
                headers=ADMIN,
            )
            assert response.status_code == 200, response.text[:300]
    return [
        {
            "distribution_id": r["id"],
            "disaster_id": disaster_id,
            "person_id": r["person_id"],
            "nik": None,
            "full_name": None,
            "region_code": "63.71.01",
            "distributed_at": r["distributed_at"],
            "items": [{"item_code": "beras", "quantity": "1"}],
            "victim_id": None,
            "household_id": None,
            "site_id": None,
            "warehouse_id": warehouse_id,
            "source": "sync",
            "override_reason": None,
        }
        for r in records
    ]


def envelope(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "distribution.recorded",
        "source": "disaster",
        "occurred_at": datetime.now(UTC).isoformat(),
        "subject": payload["distribution_id"],
        "payload": payload,
        "version": 1,
        "trace_id": None,
    }


async def quiet_down(system: System) -> None:
    """Settle what the data set-up sent, so that only the measured events run."""
    conn = await asyncpg.connect(system.database_url)
    try:
        for schema in ("registry", "programs", "disaster"):
            await conn.execute(f"UPDATE {schema}.outbox SET acked_at = now() WHERE acked_at IS NULL")
        await conn.execute("TRUNCATE worker.processed_events")
    finally:
        await conn.close()
    redis = await create_pool(RedisSettings.from_dsn(system.redis_url))
    try:
        jobs = await redis.zrange(system.queue_name, 0, -1)
        await redis.delete(system.queue_name, *[b"arq:job:" + j for j in jobs])
    finally:
        await redis.aclose()


async def throughput(system: System, payloads: list[dict[str, Any]]) -> dict[str, float]:
    queue = await EventQueue.connect(system.redis_url, system.queue_name, 3600)
    try:
        for start in range(0, len(payloads), JOB_EVENTS):
            await queue.send_batch([envelope(p) for p in payloads[start : start + JOB_EVENTS]])
    finally:
        await queue.close()
    system.start_process("worker")
    conn = await asyncpg.connect(system.database_url)
    try:
        deadline = time.monotonic() + 900
        while await conn.fetchval("SELECT count(*) FROM worker.processed_events") < len(payloads):
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not finish within 15 minutes")
            await asyncio.sleep(0.5)
        first, last = await conn.fetchrow(
            "SELECT min(processed_at), max(processed_at) FROM worker.processed_events"
        )
    finally:
        await conn.close()
    seconds = (last - first).total_seconds()
    return {"events": len(payloads), "seconds": seconds, "events_per_second": len(payloads) / seconds}


async def noop(ctx: dict[str, Any], *args: Any) -> None:
    return None


async def arq_baseline(redis_url: str, jobs: int) -> dict[str, float]:
    """arq's own loop, one job per item, doing nothing: the ceiling of one-job-per-event."""
    queue_name = f"kessos:bench:noop:{secrets.token_hex(4)}"
    settings = RedisSettings.from_dsn(redis_url)
    redis = await create_pool(settings, default_queue_name=queue_name)
    for start in range(0, jobs, 500):
        await asyncio.gather(
            *(redis.enqueue_job("noop", {"n": i}) for i in range(start, min(jobs, start + 500)))
        )
    await redis.aclose()
    worker = Worker(
        functions=[func(noop, name="noop")],
        redis_settings=settings,
        queue_name=queue_name,
        burst=True,
        keep_result=60,
        handle_signals=False,
        poll_delay=0.05,
        max_jobs=10,
    )
    started = time.perf_counter()
    try:
        await worker.main()
    finally:
        await worker.close()
    seconds = time.perf_counter() - started
    return {"jobs": jobs, "seconds": seconds, "jobs_per_second": jobs / seconds}


async def latency(system: System, payloads: list[dict[str, Any]], rate: float) -> dict[str, float]:
    conn = await asyncpg.connect(system.database_url)
    try:
        started = time.perf_counter()
        for index, payload in enumerate(payloads):
            event = envelope(payload)
            await conn.execute(
                "INSERT INTO disaster.outbox (id, type, subject, envelope, created_at) "
                "VALUES ($1, $2, $3, $4::jsonb, clock_timestamp())",
                uuid.UUID(event["id"]),
                event["type"],
                event["subject"],
                json.dumps(event),
            )
            ahead = started + (index + 1) / rate - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        sending = time.perf_counter() - started
        ids = [p["distribution_id"] for p in payloads]
        deadline = time.monotonic() + 120
        while True:
            rows = await conn.fetch(
                "SELECT f.opened_at, o.created_at FROM disaster.findings f "
                "JOIN disaster.outbox o ON o.subject = f.subject_id::text "
                "WHERE f.rule = 'recipient_not_in_registry' AND f.subject_id = ANY($1::uuid[])",
                ids,
            )
            if len(rows) >= len(ids) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
    finally:
        await conn.close()
    delays = [(f - o).total_seconds() for f, o in rows]
    return {
        "events": len(payloads),
        "found": len(rows),
        "rate": len(payloads) / sending,
        "p50": percentile(delays, 50),
        "p95": percentile(delays, 95),
        "p99": percentile(delays, 99),
        "max": max(delays),
    }


async def main(args: argparse.Namespace, system: System) -> None:
    # Enough registry people that each receives aid a few times, as in the field (a person with
    # hundreds of distributions in one disaster would make every check of theirs re-read them all).
    async with httpx.AsyncClient(timeout=60) as http:
        gate = asyncio.Semaphore(16)

        async def one(i: int) -> str:
            born = date(1950, 1, 1) + timedelta(days=i)  # a NIK of its own: birth date + sequence
            nik = f"637101{born.day:02d}{born.month:02d}{born.year % 100:02d}{1 + i % 9999:04d}"
            async with gate:
                return str((await person(http, system, nik=nik, birth_date=born.isoformat()))["id"])

        known = list(await asyncio.gather(*(one(i) for i in range(args.people))))
    worker = system.processes.pop("worker")
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    steady = int(args.rate * args.seconds)
    payloads = await record_distributions(system, args.events + 2 * steady, known)
    await quiet_down(system)
    # Only ids the registry does not know for the latency run: each gets a finding to time.
    unknown = [p for p in payloads if p["person_id"] not in set(known)]
    latency_payloads = unknown[:steady]
    timed = {p["distribution_id"] for p in latency_payloads}
    throughput_payloads = [p for p in payloads if p["distribution_id"] not in timed][: args.events]

    base = await arq_baseline(system.redis_url, args.events)
    print(
        f"arq no-op loop: {base['jobs']} jobs in {base['seconds']:.2f} s = "
        f"{base['jobs_per_second']:.0f} jobs/s"
    )
    ours = await throughput(system, throughput_payloads)
    multiple = ours["events_per_second"] / base["jobs_per_second"]
    print(
        f"kessos worker: {ours['events']} distribution.recorded events in {ours['seconds']:.2f} s = "
        f"{ours['events_per_second']:.0f} events/s ({multiple:.1f}x arq no-op)"
    )
    lat = await latency(system, latency_payloads, args.rate)
    print(
        f"steady {lat['rate']:.0f} events/s for {args.seconds} s: found {lat['found']}/{lat['events']}, "
        f"event-to-finding p50 {lat['p50']:.3f} s, p95 {lat['p95']:.3f} s, p99 {lat['p99']:.3f} s, "
        f"max {lat['max']:.3f} s"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=5_000, help="registry people receiving aid")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kessos-bench-") as tmp:
        pg = valkey = None
        database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        if not database_url:
            pg = EmbeddedPostgres(Path(tmp) / "pg")
            database_url = pg.start()
        if not redis_url:
            valkey = EmbeddedValkey(Path(tmp) / "valkey")
            redis_url = valkey.start()
        name = f"kessos_bench_{secrets.token_hex(4)}"
        asyncio.run(create_database(database_url, name))
        system = System(
            database_url=server_url(database_url, name),
            redis_url=redis_url,
            log_dir=Path(tmp),
            extra_env={"KESSOS_LOG_LEVEL": "WARNING"},
        )
        try:
            migrate(system.database_url)
            system.start()
            asyncio.run(main(args, system))
        finally:
            system.stop()
            asyncio.run(drop_database(database_url, name))
            if valkey:
                valkey.stop()
            if pg:
                pg.stop()


if __name__ == "__main__":
    cli()
