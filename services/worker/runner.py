"""The arq glue. Together with shared/events/queue.py, the only code that knows the queue is arq."""

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import structlog
from arq import Retry
from arq.connections import RedisSettings
from arq.worker import Worker, func
from prometheus_client import start_http_server
from redis.exceptions import RedisError
from sqlalchemy.dialects.postgresql import insert

from services.worker.clients import Services, TransientError
from services.worker.db import ProcessedEvent
from services.worker.handlers import HANDLERS
from shared.db import make_engine, make_sessionmaker
from shared.events import EventEnvelope
from shared.events.queue import HANDLE_EVENT
from shared.logging import configure_logging
from shared.metrics import JOBS
from shared.settings import KessosSettings

log = structlog.get_logger()
MAX_TRIES = 10


async def handle_event(ctx: dict[str, Any], envelope: dict[str, Any]) -> str:
    event = EventEnvelope.model_validate(envelope)
    structlog.contextvars.bind_contextvars(
        event_id=str(event.id), event_type=event.type, trace_id=event.trace_id
    )
    try:
        handler = HANDLERS.get(event.type)
        if handler is None:
            outcome = "ignored"
        else:
            try:
                await handler(ctx["services"], event)
            except TransientError as exc:
                delay = min(60, 2 ** ctx["job_try"])
                log.warning("event_retry", error=str(exc)[:200], retry_in=delay, job_try=ctx["job_try"])
                JOBS.labels(event.type, "retry").inc()
                raise Retry(defer=delay) from exc
            except Exception as exc:
                # Final: stored as the job's result for the outbox sweep to park as a dead event. A plain
                # RuntimeError, because arq pickles it and e.g. httpx's errors cannot be unpickled.
                JOBS.labels(event.type, "failed").inc()
                log.error("event_failed", error=repr(exc)[:500])
                raise RuntimeError(f"{type(exc).__name__}: {exc}"[:2000]) from None
            outcome = "handled"
        async with ctx["sessionmaker"]() as session, session.begin():
            await session.execute(
                insert(ProcessedEvent)
                .values(
                    event_id=event.id,
                    type=event.type,
                    source=event.source,
                    outcome=outcome,
                    occurred_at=event.occurred_at,
                    processed_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing()
            )
        JOBS.labels(event.type, outcome).inc()
        log.info("event_" + outcome, source=event.source)
        return outcome
    finally:
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "trace_id")


def build_worker(settings: KessosSettings | None = None, *, burst: bool = False) -> Worker:
    settings = settings or KessosSettings()
    configure_logging("worker", settings.log_level)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["engine"] = make_engine(settings.require_database_url(), pool_size=5, max_overflow=5)
        ctx["sessionmaker"] = make_sessionmaker(ctx["engine"])
        ctx["services"] = Services.connect(settings)
        log.info("worker_started", queue=settings.queue_name)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close()
        await ctx["engine"].dispose()

    redis_settings = RedisSettings.from_dsn(settings.require_redis_url())
    redis_settings.conn_retries = 30  # ride out a Redis restart instead of dying
    return Worker(
        functions=[func(handle_event, name=HANDLE_EVENT, max_tries=MAX_TRIES)],
        redis_settings=redis_settings,
        queue_name=settings.queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        keep_result=settings.event_result_ttl_seconds,
        max_jobs=20,
        job_timeout=120,
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
