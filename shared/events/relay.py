"""Moves outbox rows to the queue, and sweeps: marks delivered events, re-sends lost ones and
parks failed ones as dead. Runs inside every service process; several replicas share the work
through `FOR UPDATE SKIP LOCKED`."""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from shared.events.outbox import OutboxMixin
from shared.events.queue import Delivery, EventQueue
from shared.metrics import OUTBOX_RELAYED
from shared.settings import KessosSettings

log = structlog.get_logger()

T = TypeVar("T")
BATCH = 500
# Events per job: big enough that each consumer asks a service once for hundreds of events (what lets
# a worker handle thousands a second), small enough that a job ends well within its timeout. A job is
# also cut at about 500 records' worth of work (offline batch events list hundreds each; see _weight).
JOB_EVENTS = 500
JOB_WORK = 500_000
SEND_CONCURRENCY = 8
# An event re-sent this often without ever being handled is parked as dead rather than sent forever.
MAX_SENDS = 10


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        settings: KessosSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        model: type[OutboxMixin],
    ):
        self.service = service
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.model = model
        self.queue: EventQueue | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_sweep = 0.0

    def wake(self) -> None:
        """Called after a commit that wrote events, so they leave at once rather than at the next tick."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.queue:
            with contextlib.suppress(Exception):
                await self.queue.close()

    async def _queue(self) -> EventQueue:
        if self.queue is None:
            self.queue = await EventQueue.connect(
                self.settings.require_redis_url(),
                self.settings.queue_name,
                self.settings.event_result_ttl_seconds,
            )
        return self.queue

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                sent = await self.relay_once()
                if loop.time() - self._last_sweep >= max(1.0, self.settings.relay_interval_seconds):
                    self._last_sweep = loop.time()
                    await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis or PostgreSQL away: keep the rows, try again later.
                log.warning("outbox_relay_unavailable", service=self.service, error=str(exc)[:200])
                sent = 0
                await asyncio.sleep(1.0)
            if sent >= BATCH:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_interval_seconds)

    async def relay_once(self) -> int:
        """Send every unsent event; returns how many left."""
        queue = await self._queue()
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.scalars(
                    select(self.model)
                    .where(self.model.published_at.is_(None), self.model.dead_at.is_(None))
                    .order_by(self.model.created_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            now = datetime.now(UTC)
            sendable = []
            for row in rows:
                if _sendable(row.envelope, row.id):
                    sendable.append(row)
                else:  # can never be sent: a malformed row is parked so it blocks nothing after it
                    row.dead_at, row.last_error = now, "cannot send: the envelope has no matching id"
                    log.error("event_unsendable", service=self.service, event_id=str(row.id), type=row.type)
            # Jobs sent a few at a time: a backlog of thousands drains in seconds. Order is not kept,
            # and needs not be: handlers read the current state.
            jobs = _chunks(sendable, lambda row: row.envelope)
            outcomes = await _send_all(queue, [[row.envelope for row in job] for job in jobs])
            sent = 0
            for job, error in zip(jobs, outcomes, strict=True):
                if error is None:
                    for row in job:
                        row.published_at, row.attempts = now, row.attempts + 1
                    sent += len(job)
                # Redis away: the rows stay unsent (this transaction still commits what was sent).
            if any(outcomes):
                log.warning("outbox_relay_redis_unavailable", service=self.service, sent=sent)
            if sent:
                OUTBOX_RELAYED.labels(self.service).inc(sent)
        return sent

    async def sweep_once(self) -> None:
        queue = await self._queue()
        now = datetime.now(UTC)
        resend_before = now - timedelta(seconds=self.settings.sweep_after_seconds)
        # Events sent in the last second are most likely still on their way: look at them next time.
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.scalars(
                    select(self.model)
                    # Only the bookkeeping columns: envelopes can be large (a batch event lists
                    # thousands of ids) and most rows need no re-send.
                    .options(defer(self.model.envelope))
                    .where(
                        self.model.published_at < now - timedelta(seconds=1),
                        self.model.acked_at.is_(None),
                        self.model.dead_at.is_(None),
                    )
                    .order_by(self.model.published_at)
                    .limit(1000)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            states = await queue.deliveries([str(row.id) for row in rows]) if rows else {}
            lost = []
            for row in rows:
                state, error = states[str(row.id)]
                if state is Delivery.HANDLED:
                    row.acked_at = now
                elif state is Delivery.FAILED:
                    row.dead_at, row.last_error = now, error
                    log.error("event_dead", service=self.service, event_id=str(row.id), type=row.type)
                elif state is Delivery.MISSING and row.published_at and row.published_at < resend_before:
                    if row.attempts >= MAX_SENDS:  # every job carrying it crashed or timed out
                        row.dead_at = now
                        row.last_error = f"sent {row.attempts} times, never handled (job timeout? crash?)"
                        log.error("event_dead", service=self.service, event_id=str(row.id), type=row.type)
                    else:
                        lost.append(row)
            if lost:
                envelopes: dict[Any, dict[str, Any]] = dict(
                    (
                        await session.execute(
                            select(self.model.id, self.model.envelope).where(
                                self.model.id.in_([row.id for row in lost])
                            )
                        )
                    ).all()
                )
                for job in _chunks([envelopes[row.id] for row in lost], lambda envelope: envelope):
                    await queue.send_batch(job)
                for row in lost:
                    row.published_at, row.attempts = now, row.attempts + 1
                    log.warning("event_resent", service=self.service, event_id=str(row.id), type=row.type)

    async def backlog(self, session: AsyncSession) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(self.model)
                .where(self.model.acked_at.is_(None), self.model.dead_at.is_(None))
            )
            or 0
        )


def _sendable(envelope: Any, row_id: Any) -> bool:
    return isinstance(envelope, dict) and str(envelope.get("id")) == str(row_id)


def _chunks(items: list[T], envelope_of: Callable[[T], dict[str, Any]]) -> list[list[T]]:
    """Events cut into jobs of at most JOB_EVENTS events and about JOB_WORK of work."""
    jobs: list[list[T]] = []
    size = 0
    for item in items:
        weight = _weight(envelope_of(item))
        if not jobs or len(jobs[-1]) >= JOB_EVENTS or size + weight > JOB_WORK:
            jobs.append([])
            size = 0
        jobs[-1].append(item)
        size += weight
    return jobs


def _weight(envelope: dict[str, Any]) -> int:
    # A cheap estimate of the work an event brings: batch events carry their records as a list in the
    # payload, and each record is checked like a single event (so a job holds ~500 records at most).
    payload = envelope.get("payload") or {}
    listed = sum(len(v) for v in payload.values() if isinstance(v, list))
    return 1000 * max(1, listed)


async def _send_all(queue: EventQueue, jobs: list[list[dict[str, Any]]]) -> list[Exception | None]:
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def attempt(job: list[dict[str, Any]]) -> Exception | None:
        async with gate:
            try:
                await queue.send_batch(job)
            except (OSError, RedisError) as exc:
                return exc
            return None

    return list(await asyncio.gather(*(attempt(job) for job in jobs)))
