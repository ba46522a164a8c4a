"""Duplicate scans of the registry, spread over the workers.

The registry publishes `duplicates.scan_requested` with the scan's partitions (one per regency, or
per district of a big regency). Its handler fans out: one job per partition, sent to the same queue
as every event, so that whichever workers are free take them. Each partition's job asks the registry
to scan that partition (the registry holds the data and the matching code; the worker never reads
its tables) and retries while the registry is unreachable.

The per-partition events are derived, not stored: their ids are fixed by the scan and the partition,
so a redelivered scan event sends jobs that are already queued (a no-op while arq keeps their ids)
or re-runs partitions, which the registry makes idempotent."""

import uuid

import httpx
import structlog

from services.worker.clients import Services
from shared.events import EventEnvelope
from shared.events.queue import EventQueue
from shared.settings import KessosSettings

log = structlog.get_logger()

SCAN_REQUESTED = "duplicates.scan_requested"
PARTITION_REQUESTED = "duplicates.partition_requested"
# A partition of 60,000 people takes a few tens of seconds; the job's own limit is the runner's.
PARTITION_TIMEOUT = httpx.Timeout(110.0, connect=3.0)


def partition_events(scan: EventEnvelope) -> list[EventEnvelope]:
    scan_id = str(scan.payload["scan_id"])
    return [
        EventEnvelope(
            id=uuid.uuid5(scan.id, code),
            type=PARTITION_REQUESTED,
            source="worker",
            occurred_at=scan.occurred_at,
            subject=scan_id,
            payload={"scan_id": scan_id, "partition": code},
            trace_id=scan.trace_id,
        )
        for code in scan.payload.get("partitions", [])
    ]


async def on_scan_requested(services: Services, event: EventEnvelope) -> None:
    jobs = partition_events(event)
    if not jobs:
        return
    settings = KessosSettings()
    queue = await EventQueue.connect(
        settings.require_redis_url(), settings.queue_name, settings.event_result_ttl_seconds
    )
    try:
        for job in jobs:
            await queue.send(job.model_dump(mode="json"))
    finally:
        await queue.close()
    log.info("duplicate_scan_fanned_out", scan_id=event.payload["scan_id"], partitions=len(jobs))


async def on_partition_requested(services: Services, event: EventEnvelope) -> None:
    scan_id, code = event.payload["scan_id"], event.payload["partition"]
    response = await services.registry.request(
        "POST", f"/api/v1/duplicates/scans/{scan_id}/partitions/{code}/run", timeout=PARTITION_TIMEOUT
    )
    if response.status_code == 404:
        log.warning("duplicate_scan_partition_gone", scan_id=scan_id, partition=code)
        return
    response.raise_for_status()
    body = response.json()
    log.info(
        "duplicate_scan_partition_done",
        scan_id=scan_id,
        partition=code,
        people=body.get("people"),
        pairs=body.get("pairs"),
        seconds=body.get("seconds"),
    )


HANDLERS = {SCAN_REQUESTED: on_scan_requested, PARTITION_REQUESTED: on_partition_requested}
