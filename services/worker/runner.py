"""The arq glue. Together with shared/events/queue.py, the only code that knows the queue is arq."""

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import structlog
from arq import Retry
from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import Worker, func
from prometheus_client import start_http_server
from redis.exceptions import RedisError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError

from services.worker.clients import Services, TransientError, in_batch_trace
from services.worker.db import ProcessedEvent
from services.worker.handlers import CONSUMERS, Consumer
from services.worker.reconciliation import full
from shared import clock
from shared.db import make_engine, make_sessionmaker
from shared.events import EventEnvelope
from shared.events.queue import HANDLE_EVENTS, EventQueue
from shared.logging import configure_logging
from shared.metrics import BATCH_EVENTS, EVENT_LAG, JOBS, QUEUE_DEPTH
from shared.settings import KessosSettings

log = structlog.get_logger()

# A failing event is tried again after 1, 2, 4, ... seconds (at most a minute apart). A service that
# is away (TransientError) gets more tries than an event that failed on its own: that one will most
# likely fail again, and is set aside for an operator after a few tries.
MAX_ATTEMPTS_TRANSIENT = 10
MAX_ATTEMPTS = 3
# How many events a one-at-a-time retry of a failed batch runs at once.
ISOLATE_CONCURRENCY = 8
ARQ_MAX_TRIES = 20


def backoff_seconds(attempt: int) -> float:
    return float(min(60, 2 ** (attempt - 1)))


async def handle_events(
    ctx: dict[str, Any], envelopes: list[dict[str, Any]], attempt: int = 1
) -> dict[str, int]:
    """One job: a batch of events. Each event ends handled, retried later (in a new job with only the
    failed events) or failed for good; the queue's marks say which, for the outbox sweep."""
    try:
        return await _handle(ctx, envelopes, attempt)
    except (OSError, RedisError, DBAPIError) as exc:
        # Our own PostgreSQL or Redis went away while recording outcomes: run the job again later
        # (every consumer is idempotent, and events already marked handled are skipped).
        log.warning("event_batch_retry", error=str(exc)[:200], job_try=ctx.get("job_try"))
        raise Retry(defer=min(30, 2 ** int(ctx.get("job_try", 1)))) from exc


async def _handle(ctx: dict[str, Any], envelopes: list[dict[str, Any]], attempt: int) -> dict[str, int]:
    queue: EventQueue = ctx["queue"]
    ids = [str(e.get("id")) for e in envelopes if isinstance(e, dict)]
    done_before = await queue.handled(ids)
    BATCH_EVENTS.observe(len(envelopes))

    events: list[EventEnvelope] = []
    seen: set[str] = set()
    failed: dict[str, BaseException] = {}
    for raw in envelopes:
        try:
            event = EventEnvelope.model_validate(raw)
        except Exception as exc:  # malformed: nothing can handle it; it fails for itself only
            if isinstance(raw, dict) and raw.get("id"):
                failed[str(raw["id"])] = exc
            else:
                log.error("event_unreadable", error=str(exc)[:300])
            continue
        if str(event.id) in done_before or str(event.id) in seen:
            continue  # delivered again (a re-run job, a re-send, twice in one batch): one effect
        seen.add(str(event.id))
        events.append(event)

    by_type: dict[str, list[EventEnvelope]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    services = ctx["services"].for_job()  # registry answers shared by this job's consumers
    for event_type, group in by_type.items():
        for consumer in CONSUMERS.get(event_type, []):
            failed.update(await _consume(services, consumer, [e for e in group if str(e.id) not in failed]))

    handled = [e for e in events if str(e.id) not in failed]
    await _record(ctx, handled)
    await queue.settle([str(e.id) for e in handled], {})
    await _retry_or_give_up(queue, envelopes, failed, attempt)

    now = datetime.now(UTC)
    for event in handled:
        outcome = "handled" if event.type in CONSUMERS else "ignored"
        JOBS.labels(event.type, outcome).inc()
        EVENT_LAG.labels(event.type).observe(max(0.0, (now - event.occurred_at).total_seconds()))
    with contextlib.suppress(Exception):
        QUEUE_DEPTH.labels(queue.queue_name).set(await queue.depth())
    counts = {"handled": len(handled), "duplicates": len(done_before), "failed": len(failed)}
    # One line per job (ids and counts only; a failed event has a line of its own).
    log.info("event_batch", job_id=ctx.get("job_id"), attempt=attempt, types=sorted(by_type), **counts)
    return counts


async def _consume(
    services: Services, consumer: Consumer, group: list[EventEnvelope]
) -> dict[str, BaseException]:
    """Run a consumer on a batch; if it fails, on each event alone, to find which events fail."""
    if not group:
        return {}
    try:
        with in_batch_trace(group):
            await consumer(services, group)
        return {}
    except Exception as exc:
        if len(group) == 1:
            _log_failure(group[0], exc)
            return {str(group[0].id): exc}
    gate = asyncio.Semaphore(ISOLATE_CONCURRENCY)

    async def alone(event: EventEnvelope) -> BaseException | None:
        async with gate:
            try:
                with _traced(event):
                    await consumer(services, [event])
            except Exception as exc:
                _log_failure(event, exc)
                return exc
            return None

    outcomes = await asyncio.gather(*(alone(e) for e in group))
    return {str(e.id): exc for e, exc in zip(group, outcomes, strict=True) if exc is not None}


@contextlib.contextmanager
def _traced(event: EventEnvelope) -> Iterator[None]:
    """Log lines (and the trace header of calls to the services) carry the event's ids. A batch
    consumer runs under the trace its events share, if they share one (`in_batch_trace`)."""
    with structlog.contextvars.bound_contextvars(
        event_id=str(event.id), event_type=event.type, trace_id=event.trace_id
    ):
        yield


def _log_failure(event: EventEnvelope, exc: BaseException) -> None:
    with _traced(event):
        log.warning("event_failed", error=f"{type(exc).__name__}: {exc}"[:500])


async def _record(ctx: dict[str, Any], handled: list[EventEnvelope]) -> None:
    """The worker's own log of handled events (for operators; correctness never depends on it)."""
    if not handled:
        return
    now = datetime.now(UTC)
    async with ctx["sessionmaker"]() as session, session.begin():
        # executemany of one cached statement: compiling a 500-row VALUES each time costs more.
        await session.execute(
            insert(ProcessedEvent).on_conflict_do_nothing(),
            [
                {
                    "event_id": e.id,
                    "type": e.type,
                    "source": e.source,
                    "outcome": "handled" if e.type in CONSUMERS else "ignored",
                    "occurred_at": e.occurred_at,
                    "processed_at": now,
                }
                for e in handled
            ],
        )


async def _retry_or_give_up(
    queue: EventQueue, envelopes: list[dict[str, Any]], failed: dict[str, BaseException], attempt: int
) -> None:
    if not failed:
        return
    by_id = {str(e.get("id")): e for e in envelopes if isinstance(e, dict)}
    transient = [i for i, exc in failed.items() if isinstance(exc, TransientError)]
    others = [i for i in failed if i not in set(transient)]
    retry = [i for i in transient if attempt < MAX_ATTEMPTS_TRANSIENT] + [
        i for i in others if attempt < MAX_ATTEMPTS
    ]
    give_up = {i: _describe(failed[i]) for i in failed if i not in set(retry)}
    if retry:
        # A new job with only the failed events, later: the events behind them are not held up.
        await queue.send_batch(
            [by_id[i] for i in retry], attempt=attempt + 1, defer_seconds=backoff_seconds(attempt)
        )
    await queue.settle([], give_up)
    for event_id in retry:
        JOBS.labels(str(by_id[event_id].get("type")), "retry").inc()
    for event_id in give_up:
        JOBS.labels(str(by_id[event_id].get("type")), "failed").inc()
        log.error("event_dead", event_id=event_id, attempts=attempt, error=give_up[event_id][:300])


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def build_worker(settings: KessosSettings | None = None, *, burst: bool = False) -> Worker:
    settings = settings or KessosSettings()
    configure_logging("worker", settings.log_level)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["engine"] = make_engine(settings.require_database_url(), pool_size=5, max_overflow=5)
        ctx["sessionmaker"] = make_sessionmaker(ctx["engine"])
        ctx["services"] = Services.connect(settings)
        # The marks share arq's own connection pool.
        ctx["queue"] = EventQueue(
            redis=ctx["redis"],
            queue_name=settings.queue_name,
            result_ttl_seconds=settings.event_result_ttl_seconds,
            owns_connection=False,
        )
        log.info("worker_started", queue=settings.queue_name)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close()
        await ctx["engine"].dispose()

    redis_settings = RedisSettings.from_dsn(settings.require_redis_url())
    redis_settings.conn_retries = 30  # ride out a Redis restart instead of dying
    return Worker(
        # arq's own retries only cover a job that failed as a whole (PostgreSQL or Redis away while
        # recording the outcome); events that fail are retried by handle_events itself.
        functions=[func(handle_events, name=HANDLE_EVENTS, max_tries=ARQ_MAX_TRIES)],
        # The nightly full reconciliation, at `reconcile_hour` office time; `unique`: with several
        # workers, one of them sends it.
        cron_jobs=[
            cron(full.nightly, hour=settings.reconcile_hour, minute=0, unique=True, run_at_startup=False)
        ],
        timezone=clock.office_zone(),  # type: ignore[arg-type]
        redis_settings=redis_settings,
        queue_name=settings.queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        keep_result=60,  # the queue's marks say what happened to each event; arq's result is not read
        max_jobs=10,
        job_timeout=settings.worker_job_timeout_seconds,
        burst=burst,
        handle_signals=True,
        poll_delay=0.05,  # how long an idle worker waits before looking at the queue again
    )


async def run_forever(settings: KessosSettings | None = None) -> None:
    """Run the worker until SIGINT/SIGTERM. If Redis goes away, arq's loop fails; start a new one
    when Redis is back, so that a Redis restart never needs a human."""
    settings = settings or KessosSettings()
    if settings.worker_metrics_port:
        try:
            start_http_server(settings.worker_metrics_port)  # jobs by type and outcome, for Prometheus
        except OSError as exc:  # a second worker on the same host: it works on, unscraped
            log.warning("worker_metrics_port_taken", port=settings.worker_metrics_port, error=str(exc))
    while True:
        worker = build_worker(settings)
        try:
            await worker.async_run()
            return
        except asyncio.CancelledError:
            return
        except (OSError, RedisError) as exc:
            log.warning("worker_redis_lost", error=str(exc)[:200])
            await asyncio.sleep(1.0)
        finally:
            with contextlib.suppress(Exception):
                await worker.close()
