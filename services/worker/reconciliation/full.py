"""The full reconciliation: every record re-checked from the services' streamed exports, with the very
rules (and the very code) the incremental consumers run on events, so that both paths give the same
findings; reports that no longer hold close stale findings.

`kessos reconcile [--region PREFIX]` and the nightly cron send one `reconcile.requested` event. Its
consumer fans out one `reconcile.partition_requested` job per partition, through the normal queue, so
that whichever workers are free share them: each province's own records (kept at province level) and
each regency. A partition's job streams that region's distributions, admissions, enrolments (with the
benefits under them) and WRSE aid, looks their people up in bulk and reports findings in bulk, a few
thousand records at a time.

The partition events are derived, not stored: their ids are fixed by the request and the partition, so
a redelivered request re-sends the same jobs, and re-running a partition is idempotent."""

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from services.worker.clients import Services
from services.worker.reconciliation import (
    double_receipt,
    enrolments,
    panti,
    people,
    ppks_resolved,
    recipients,
)
from shared.events import EventEnvelope
from shared.events.queue import EventQueue
from shared.metrics import (
    RECONCILE_LAST_DONE,
    RECONCILE_PARTITION_SECONDS,
    RECONCILE_PARTITIONS,
    RECONCILE_RECORDS,
    RECONCILE_RUNNING,
)
from shared.settings import KessosSettings

log = structlog.get_logger()

REQUESTED = "reconcile.requested"
PARTITION_REQUESTED = "reconcile.partition_requested"
# Records handled together: one registry lookup and one findings call (per service) each.
CHUNK = 5000
# Each region partition is split into so many id ranges, each a job: a job stays well within the
# worker's job timeout even at provincial scale with many jobs running at once.
SHARDS = 8

Check = Callable[[Services, list[dict[str, Any]]], Coroutine[Any, Any, None]]


# What a partition re-checks: each service's export, and the checks the incremental path runs on it.
async def check_distributions(services: Services, distributions: list[dict[str, Any]]) -> None:
    """The checks of `distribution.recorded`'s consumers, sharing one registry lookup."""
    found = await people.find_many(services, **people.recipients_of(distributions))
    await asyncio.gather(
        recipients.check_distributions(services, distributions, found),
        # Each distribution is in one partition's export: its own chunk reports on it.
        double_receipt.check(services, distributions, found, only_these=True),
    )


async def check_admissions(services: Services, admissions: list[dict[str, Any]]) -> None:
    """The checks of `admission.created` / `.discharged`: the client in the registry, and where else the
    person is (another panti, an evacuation site). Each admission is in one partition's export."""
    await asyncio.gather(
        recipients.check_admissions(services, admissions), panti.check_admissions(services, admissions)
    )


async def check_enrolments(services: Services, records: list[dict[str, Any]]) -> None:
    """The checks of `enrolment.created` and `benefit.recorded`: each enrolment is in one partition's
    export, and its chunk reports on it and on the benefits given under it (the limit, and aid after the
    person's PPKS assessments were resolved)."""
    await asyncio.gather(
        enrolments.check(services, records, only_these=True),
        ppks_resolved.check_benefits_under(services, records),
    )


SOURCES: list[tuple[str, str, str, Check]] = [
    ("distributions", "disaster", "/api/v1/distributions/export", check_distributions),
    ("admissions", "programs", "/api/v1/admissions/export", check_admissions),
    ("enrolments", "programs", "/api/v1/enrolments/export", check_enrolments),
    ("wrse_aids", "programs", "/api/v1/wrse-aids/export", ppks_resolved.check_wrse_aids),
]


@dataclass(frozen=True)
class Partition:
    region: str
    exact: bool  # only records of exactly this region (a province's own), not those under it
    shard: int = 0  # which of `shards` id ranges
    shards: int = 1

    @property
    def region_label(self) -> str:
        return f"={self.region}" if self.exact else self.region

    @property
    def label(self) -> str:
        return f"{self.region_label}#{self.shard}/{self.shards}"


def request_event(region: str | None) -> EventEnvelope:
    """What `kessos reconcile` and the nightly cron send. A fresh id every time: a run is never
    taken for one already handled."""
    return EventEnvelope(
        type=REQUESTED,
        source="worker",
        subject=region or "all",
        payload={"run_id": str(uuid.uuid4()), "region": region},
    )


async def request(settings: KessosSettings, region: str | None) -> str:
    """Send a reconciliation request through the queue; returns the run id."""
    event = request_event(region)
    queue = await EventQueue.connect(
        settings.require_redis_url(), settings.queue_name, settings.event_result_ttl_seconds
    )
    try:
        await queue.send(event.model_dump(mode="json"))
    finally:
        await queue.close()
    return str(event.payload["run_id"])


async def partitions(services: Services, region: str | None, shards: int = SHARDS) -> list[Partition]:
    """The province's own records and one partition per regency, for each province under `region`;
    a regency (or anything finer) is a partition by itself. Each is split into `shards` id ranges."""
    return [
        Partition(p.region, p.exact, shard, shards)
        for p in await _regions(services, region)
        for shard in range(shards)
    ]


async def _regions(services: Services, region: str | None) -> list[Partition]:
    if region and "." in region:
        return [Partition(region, exact=False)]
    if region:
        provinces = [region]
    else:
        answer = await services.registry.request("GET", "/api/v1/regions")
        answer.raise_for_status()
        provinces = [r["code"] for r in answer.json()]
    parts: list[Partition] = []
    for province in provinces:
        children = await services.registry.request("GET", f"/api/v1/regions/{province}/children")
        if children.status_code == 404:  # not in the region table: its records still get re-checked
            parts.append(Partition(province, exact=False))
            continue
        children.raise_for_status()
        parts.append(Partition(province, exact=True))
        parts += [Partition(r["code"], exact=False) for r in children.json()]
    return parts


def partition_events(requested: EventEnvelope, parts: list[Partition]) -> list[EventEnvelope]:
    run_id = str(requested.payload["run_id"])
    return [
        EventEnvelope(
            id=uuid.uuid5(requested.id, part.label),
            type=PARTITION_REQUESTED,
            source="worker",
            occurred_at=requested.occurred_at,
            subject=run_id,
            payload={
                "run_id": run_id,
                "region": part.region,
                "exact": part.exact,
                "shard": part.shard,
                "shards": part.shards,
            },
            trace_id=requested.trace_id,
        )
        for part in parts
    ]


async def reconcile_partition(services: Services, part: Partition) -> dict[str, int]:
    """Every record of the partition through the incremental path's checks; counts by kind."""

    async def one_source(kind: str, service: str, path: str, check: Check) -> int:
        seen = 0
        pending: asyncio.Task[None] | None = None
        # While one chunk is checked, the next is read (the service's cursor waits on the stream).
        async for chunk in getattr(services, service).ndjson(
            path,
            chunk=CHUNK,
            region=part.region,
            exact=str(part.exact).lower(),
            shard=part.shard,
            shards=part.shards,
        ):
            if pending is not None:
                await pending
            pending = asyncio.create_task(check(services, chunk))
            seen += len(chunk)
            RECONCILE_RECORDS.labels(kind).inc(len(chunk))
        if pending is not None:
            await pending
        return seen

    counts = await asyncio.gather(*(one_source(*source) for source in SOURCES))
    return {source[0]: count for source, count in zip(SOURCES, counts, strict=True)}


async def on_requested(services: Services, events: list[EventEnvelope]) -> None:
    settings = KessosSettings()
    queue = await EventQueue.connect(
        settings.require_redis_url(), settings.queue_name, settings.event_result_ttl_seconds
    )
    try:
        for event in events:
            jobs = partition_events(event, await partitions(services, event.payload.get("region")))
            for job in jobs:  # a job each: free workers share them
                await queue.send(job.model_dump(mode="json"))
            RECONCILE_PARTITIONS.labels("requested").inc(len(jobs))
            log.info("reconcile_fanned_out", run_id=event.payload["run_id"], partitions=len(jobs))
    finally:
        await queue.close()


async def on_partition_requested(services: Services, events: list[EventEnvelope]) -> None:
    for event in events:
        payload = event.payload
        part = Partition(
            payload["region"],
            bool(payload["exact"]),
            int(payload.get("shard", 0)),
            int(payload.get("shards", 1)),
        )
        started = time.monotonic()
        RECONCILE_RUNNING.inc()
        try:
            counts = await reconcile_partition(services, part)
        except Exception:
            RECONCILE_PARTITIONS.labels("failed").inc()
            raise
        finally:
            RECONCILE_RUNNING.dec()
        seconds = time.monotonic() - started
        RECONCILE_PARTITIONS.labels("done").inc()
        RECONCILE_PARTITION_SECONDS.observe(seconds)
        RECONCILE_LAST_DONE.labels(part.region_label).set(time.time())  # by region: a few dozen series
        log.info(
            "reconcile_partition_done",
            run_id=event.payload["run_id"],
            partition=part.label,
            seconds=round(seconds, 2),
            **counts,
        )


CONSUMERS = {REQUESTED: on_requested, PARTITION_REQUESTED: on_partition_requested}


# --- The nightly run ---------------------------------------------------------------------------------


async def nightly(ctx: dict[str, Any]) -> None:
    """The cron job: a full reconciliation of every region, as `kessos reconcile` sends it."""
    run_id = await request(KessosSettings(), None)
    log.info("reconcile_nightly_requested", run_id=run_id)
