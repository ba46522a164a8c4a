"""Prometheus metrics shared by every process."""

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

REQUESTS = Counter("kessos_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "kessos_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_RELAYED = Counter("kessos_outbox_relayed_total", "Events handed to the queue", ["service"])
JOBS = Counter("kessos_jobs_total", "Events handled by the worker, by type and outcome", ["type", "outcome"])
EVENT_LAG = Histogram(
    "kessos_event_lag_seconds",
    "From an event's occurrence to the worker having handled it",
    ["type"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
BATCH_EVENTS = Histogram(
    "kessos_worker_batch_events", "Events per job the worker took", buckets=(1, 5, 10, 25, 50, 100, 250, 500)
)

# Read at scrape time from PostgreSQL and Redis (see collect_state): what is waiting, and for how long.
OUTBOX_BACKLOG = Gauge("kessos_outbox_backlog", "Events not yet delivered and handled", ["service"])
OUTBOX_OLDEST_SECONDS = Gauge(
    "kessos_outbox_oldest_seconds", "Age of the oldest undelivered event", ["service"]
)
OUTBOX_DEAD = Gauge("kessos_outbox_dead", "Events parked as dead, waiting for an operator", ["service"])
QUEUE_DEPTH = Gauge("kessos_queue_depth", "Jobs waiting in the event queue", ["queue"])
# The full reconciliation (worker): progress of runs and how long ago each partition was last re-checked.
RECONCILE_PARTITIONS = Counter(
    "kessos_reconcile_partitions_total",
    "Full-reconciliation partitions: requested (fanned out), done, failed",
    ["outcome"],
)
RECONCILE_RECORDS = Counter(
    "kessos_reconcile_records_total", "Records re-checked by the full reconciliation", ["kind"]
)
RECONCILE_RUNNING = Gauge("kessos_reconcile_partitions_running", "Partitions being re-checked now")
RECONCILE_PARTITION_SECONDS = Histogram(
    "kessos_reconcile_partition_seconds",
    "Time to re-check one partition",
    buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800),
)
RECONCILE_LAST_DONE = Gauge(
    "kessos_reconcile_last_done_timestamp_seconds",
    "When each partition was last re-checked in full (lag: now minus this)",
    ["partition"],
)
FINDINGS_OPEN = Gauge("kessos_findings_open", "Open findings per rule", ["service", "rule"])


async def collect_state(
    session: AsyncSession, redis: Any, *, service: str, queue_name: str, outbox: Any, findings: Any | None
) -> None:
    pending = (outbox.acked_at.is_(None)) & (outbox.dead_at.is_(None))
    backlog, oldest = (
        await session.execute(select(func.count(), func.min(outbox.created_at)).where(pending))
    ).one()
    OUTBOX_BACKLOG.labels(service).set(backlog)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    OUTBOX_OLDEST_SECONDS.labels(service).set(age)
    OUTBOX_DEAD.labels(service).set(
        await session.scalar(select(func.count()).where(outbox.dead_at.is_not(None))) or 0
    )
    if findings is not None:
        rows = await session.execute(
            select(findings.rule, func.count()).where(findings.status == "open").group_by(findings.rule)
        )
        for rule, count in rows:
            FINDINGS_OPEN.labels(service, rule).set(count)
    try:
        QUEUE_DEPTH.labels(queue_name).set(await redis.zcard(queue_name))
    except Exception:  # Redis away: the depth is unknown, not zero
        QUEUE_DEPTH.labels(queue_name).set(float("nan"))
