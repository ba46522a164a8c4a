"""The transactional outbox, the relay that hands its rows to the queue, and the sweep that reads the
worker's results back. Real PostgreSQL (a database of its own, so that no in-process app's relay takes
the rows) and real Redis, with a real arq worker in burst mode producing the results."""

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import structlog
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix
from arq.jobs import deserialize_job
from arq.worker import Worker, func
from pydantic import ConfigDict
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from services.disaster.db import OutboxEvent
from services.prestart import migrate
from services.worker import runner
from services.worker.clients import Services, TransientError
from services.worker.handlers import CONSUMERS
from shared.db import async_url, make_sessionmaker
from shared.embedded import free_port
from shared.events import EventEnvelope, publish
from shared.events.catalogue import CATALOGUE, EventType, Payload
from shared.events.queue import HANDLE_EVENTS, Delivery, EventQueue
from shared.events.relay import OutboxRelay
from shared.settings import KessosSettings
from tests.support import create_database, drop_database, eventually, server_url

REDIS_DOWN = (OSError, RedisError)
Consume = Callable[[Any, list[EventEnvelope]], Awaitable[None]]
TEST_TYPE = "test.relayed"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def relay_database(server_urls: tuple[str, str]) -> Iterator[str]:
    admin_url = server_url(server_urls[0], "postgres")
    name = f"kessos_relay_{secrets.token_hex(4)}"
    asyncio.run(create_database(admin_url, name))
    try:
        url = server_url(server_urls[0], name)
        migrate(url)
        yield url
    finally:
        asyncio.run(drop_database(admin_url, name))


@pytest.fixture(scope="module")
async def relay_engine(relay_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(relay_database))
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def relay_settings(
    settings: KessosSettings, relay_database: str, relay_engine: AsyncEngine, redis: Redis
) -> AsyncIterator[KessosSettings]:
    own = settings.model_copy(
        update={
            "database_url": relay_database,
            "queue_name": f"kessos:test:relay:{secrets.token_hex(4)}",
            "sweep_after_seconds": 15.0,
            "relay_interval_seconds": 0.1,
        }
    )
    yield own
    async with relay_engine.begin() as conn:
        await conn.execute(text("TRUNCATE disaster.outbox"))
    marks = [k async for k in redis.scan_iter(match=f"{own.queue_name}:event:*")]
    jobs = [job_key_prefix + j.decode() for j in await redis.zrange(own.queue_name, 0, -1)]
    await redis.delete(own.queue_name, *marks, *jobs)


@pytest.fixture
def maker(relay_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(relay_engine)


@pytest.fixture
async def relay(
    relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[OutboxRelay]:
    r = OutboxRelay(service="disaster", settings=relay_settings, sessionmaker=maker, model=OutboxEvent)
    yield r
    await r.stop()


@pytest.fixture
async def queue(relay_settings: KessosSettings) -> AsyncIterator[EventQueue]:
    q = await EventQueue.connect(
        relay_settings.require_redis_url(), relay_settings.queue_name, relay_settings.event_result_ttl_seconds
    )
    yield q
    await q.close()


# --- helpers -------------------------------------------------------------------------------------


def envelope(subject: str = "d-1", **payload: Any) -> EventEnvelope:
    return EventEnvelope(type=TEST_TYPE, source="disaster", subject=subject, payload=payload)


async def publish_committed(maker: async_sessionmaker[AsyncSession], *events: EventEnvelope) -> None:
    async with maker() as session, session.begin():
        for event in events:
            publish(session, OutboxEvent, event)


async def outbox(maker: async_sessionmaker[AsyncSession]) -> dict[uuid.UUID, OutboxEvent]:
    async with maker() as session:
        return {row.id: row for row in (await session.scalars(select(OutboxEvent))).all()}


async def age_published(maker: async_sessionmaker[AsyncSession], seconds: float) -> None:
    """Pretend the events were handed to the queue `seconds` ago."""
    async with maker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE disaster.outbox SET published_at = now() - make_interval(secs => :s) "
                "WHERE published_at IS NOT NULL"
            ),
            {"s": seconds},
        )


class AnyPayload(Payload):
    model_config = ConfigDict(extra="allow")


@pytest.fixture(autouse=True)
def test_event_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """`TEST_TYPE` is in the catalogue for these tests only, with any payload."""
    entry = EventType(name=TEST_TYPE, payload=AnyPayload, emitted_by="disaster", about="tests")
    monkeypatch.setitem(CATALOGUE, TEST_TYPE, entry)


@pytest.fixture
def consume(monkeypatch: pytest.MonkeyPatch) -> Callable[[Consume], None]:
    """Make `TEST_TYPE` events go to this consumer (for the test only), with retries 50 ms apart."""
    monkeypatch.setattr(runner, "backoff_seconds", lambda attempt: 0.05)

    def use(consumer: Consume) -> None:
        monkeypatch.setitem(CONSUMERS, TEST_TYPE, [consumer])

    return use


async def run_worker(settings: KessosSettings, maker: async_sessionmaker[AsyncSession]) -> None:
    """The real runner's job function in a real arq worker on the relay's queue, until the queue is
    empty (deferred retries included)."""

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["sessionmaker"] = maker
        ctx["services"] = Services.connect(settings)  # clients the test consumers never call
        ctx["queue"] = EventQueue(ctx["redis"], settings.queue_name, 3600, owns_connection=False)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close()

    worker = Worker(
        on_shutdown=shutdown,
        functions=[func(runner.handle_events, name=HANDLE_EVENTS)],
        redis_settings=RedisSettings.from_dsn(settings.require_redis_url()),
        queue_name=settings.queue_name,
        on_startup=startup,
        burst=True,
        keep_result=60,
        handle_signals=False,
        poll_delay=0.02,
    )
    try:
        await asyncio.wait_for(worker.main(), timeout=30)
    finally:
        await worker.close()


async def succeed_or_fail(services: Any, events: list[EventEnvelope]) -> None:
    for event in events:
        if event.payload.get("fail"):
            raise ValueError(f"boom for {event.subject}")


async def mark(redis: Redis, settings: KessosSettings, event_id: uuid.UUID | str) -> str | None:
    raw = await redis.get(f"{settings.queue_name}:event:{event_id}")
    return raw.decode() if raw is not None else None


async def queued_jobs(redis: Redis, settings: KessosSettings) -> list[tuple[str, Any]]:
    """(job id, job) of every job waiting on the test's queue."""
    out = []
    for job_id in await redis.zrange(settings.queue_name, 0, -1):
        raw = await redis.get(job_key_prefix + job_id.decode())
        out.append((job_id.decode(), deserialize_job(raw) if raw else None))
    return out


# --- publish -------------------------------------------------------------------------------------


async def test_publish_is_part_of_the_callers_transaction(
    relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession]
) -> None:
    rolled_back = envelope("rolled-back")
    with pytest.raises(RuntimeError):
        async with maker() as session, session.begin():
            publish(session, OutboxEvent, rolled_back)
            assert session.info["outbox_dirty"] is True
            await session.flush()
            raise RuntimeError("the change failed")
    assert await outbox(maker) == {}

    kept = envelope("kept", quantity=3)
    with structlog.contextvars.bound_contextvars(trace_id="trace-abc"):
        await publish_committed(maker, kept)
    rows = await outbox(maker)
    assert list(rows) == [kept.id]
    row = rows[kept.id]
    assert (row.type, row.subject) == (TEST_TYPE, "kept")
    assert row.envelope["id"] == str(kept.id) and row.envelope["payload"] == {"quantity": 3}
    assert row.envelope["trace_id"] == "trace-abc"
    assert EventEnvelope.model_validate(row.envelope).id == kept.id
    assert row.published_at is None and row.acked_at is None and row.dead_at is None
    assert row.attempts == 0 and row.created_at is not None


# --- relay_once ----------------------------------------------------------------------------------


async def test_relay_once_sends_the_events_in_one_job(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> None:
    events = [envelope(f"d-{i}", n=i) for i in range(3)]
    await publish_committed(maker, *events)

    assert await relay.relay_once() == 3
    rows = await outbox(maker)
    [(job_id, job)] = await queued_jobs(redis, relay_settings)
    assert job is not None and job.function == HANDLE_EVENTS
    assert job.args == ([rows[e.id].envelope for e in events], 1)
    for event in events:
        assert await mark(redis, relay_settings, event.id) == f"queued:{job_id}"
        assert rows[event.id].published_at is not None and rows[event.id].attempts == 1

    assert await relay.relay_once() == 0
    again = await outbox(maker)
    assert {i: (r.published_at, r.attempts) for i, r in again.items()} == {
        i: (r.published_at, r.attempts) for i, r in rows.items()
    }
    assert await redis.zcard(relay_settings.queue_name) == 1


async def test_a_backlog_is_cut_into_jobs_of_five_hundred(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> None:
    await publish_committed(maker, *[envelope(f"d-{i}") for i in range(1200)])
    assert await relay.relay_once() == 500  # a relay pass takes BATCH (500) rows
    assert await relay.relay_once() == 500
    assert await relay.relay_once() == 200
    sizes = sorted(len(job.args[0]) for _, job in await queued_jobs(redis, relay_settings) if job)
    assert sizes == [200, 500, 500]


async def test_relay_once_with_nothing_to_send(relay: OutboxRelay) -> None:
    assert await relay.relay_once() == 0


async def test_dead_events_are_not_relayed(
    relay: OutboxRelay, relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    dead = envelope("dead")
    await publish_committed(maker, dead)
    async with maker() as session, session.begin():
        await session.execute(text("UPDATE disaster.outbox SET dead_at = now()"))
    assert await relay.relay_once() == 0
    assert await mark(redis, relay_settings, dead.id) is None
    assert await redis.zcard(relay_settings.queue_name) == 0


async def test_redis_unreachable_keeps_every_row(
    relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    events = [envelope("a"), envelope("b")]
    await publish_committed(maker, *events)
    down = relay_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    broken = OutboxRelay(service="disaster", settings=down, sessionmaker=maker, model=OutboxEvent)
    try:
        with pytest.raises(REDIS_DOWN):
            await broken.relay_once()
        with pytest.raises(REDIS_DOWN):
            await broken.sweep_once()
    finally:
        await broken.stop()
    rows = await outbox(maker)
    assert all(r.published_at is None and r.attempts == 0 for r in rows.values())

    working = OutboxRelay(service="disaster", settings=relay_settings, sessionmaker=maker, model=OutboxEvent)
    try:
        assert await working.relay_once() == 2
    finally:
        await working.stop()
    for event in events:
        assert (await mark(redis, relay_settings, event.id) or "").startswith("queued:")


class TcpProxy:
    """A loopback proxy in front of Redis that can be cut and restored, like a Redis restart."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.port = free_port()
        self.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.port}"))
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def stop(self) -> None:
        if self.server:
            self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        if self.server:
            await self.server.wait_closed()
            self.server = None


async def test_redis_lost_after_connecting_keeps_rows_and_recovers(
    relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    proxy = TcpProxy(relay_settings.require_redis_url())
    await proxy.start()
    proxied = relay_settings.model_copy(update={"redis_url": proxy.url})
    r = OutboxRelay(service="disaster", settings=proxied, sessionmaker=maker, model=OutboxEvent)
    try:
        first = envelope("before-the-cut")
        await publish_committed(maker, first)
        assert await r.relay_once() == 1

        await proxy.stop()
        later = [envelope("during-1"), envelope("during-2")]
        await publish_committed(maker, *later)
        assert await _relay_quietly(r) == 0  # nothing sent, nothing lost: the rows wait for Redis
        rows = await outbox(maker)
        assert all(rows[e.id].published_at is None and rows[e.id].attempts == 0 for e in later)
        assert rows[first.id].published_at is not None

        await proxy.start()  # Redis is back: the same relay sends what waited
        assert await eventually(lambda: _relay_quietly(r), timeout=10) == 2
        rows = await outbox(maker)
        assert all(r.published_at is not None and r.attempts == 1 for r in rows.values())
        for event in [first, *later]:
            assert (await mark(redis, relay_settings, event.id) or "").startswith("queued:")
    finally:
        await r.stop()
        await proxy.stop()


async def _relay_quietly(relay: OutboxRelay) -> int:
    with contextlib.suppress(*REDIS_DOWN):
        return await relay.relay_once()
    return 0


async def test_a_malformed_row_is_parked_and_blocks_nothing(
    relay: OutboxRelay, relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    good = envelope("good")
    await publish_committed(maker, good)
    async with maker() as session, session.begin():
        # A malformed row (no `id` in its envelope), written after the good one.
        session.add(
            OutboxEvent(id=uuid.uuid4(), type="broken", subject="broken", envelope={"type": "broken"})
        )
    assert await relay.relay_once() == 1
    assert (await mark(redis, relay_settings, good.id) or "").startswith("queued:")
    rows = await outbox(maker)
    assert rows[good.id].published_at is not None
    broken = next(r for r in rows.values() if r.type == "broken")
    assert broken.dead_at is not None and broken.published_at is None and "cannot send" in broken.last_error
    later = envelope("after-the-broken-one")
    await publish_committed(maker, later)
    assert await relay.relay_once() == 1


# --- the relay loop ------------------------------------------------------------------------------


async def test_started_relay_delivers_in_the_background(
    relay: OutboxRelay, relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    await relay.start()
    event = envelope("background")
    await publish_committed(maker, event)
    relay.wake()

    async def published() -> bool:
        row = (await outbox(maker))[event.id]
        return row.published_at is not None

    await eventually(published, timeout=10)
    assert (await mark(redis, relay_settings, event.id) or "").startswith("queued:")
    await relay.stop()
    assert relay._task is not None and relay._task.done()


# --- the worker's side: deliveries, retries, dead events ------------------------------------------


async def test_deliveries_tell_queued_handled_failed_and_missing(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    consume: Callable[[Consume], None],
) -> None:
    consume(succeed_or_fail)
    handled, failed = envelope("ok"), envelope("bad", fail=True)
    await publish_committed(maker, handled, failed)
    assert await relay.relay_once() == 2
    missing = str(uuid.uuid4())
    ids = [str(handled.id), str(failed.id), missing]

    states = await queue.deliveries(ids)
    assert states == {
        str(handled.id): (Delivery.PENDING, None),
        str(failed.id): (Delivery.PENDING, None),
        missing: (Delivery.MISSING, None),
    }

    await run_worker(relay_settings, maker)
    states = await queue.deliveries(ids)
    assert states[str(handled.id)] == (Delivery.HANDLED, None)
    state, error = states[str(failed.id)]
    assert state is Delivery.FAILED
    assert error is not None and "ValueError" in error and "boom for bad" in error
    assert states[missing] == (Delivery.MISSING, None)
    assert await queue.deliveries([]) == {}


async def test_a_failing_event_is_retried_with_back_off_then_set_aside_alone(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    consume: Callable[[Consume], None],
) -> None:
    seen: dict[str, int] = {}

    async def counting(services: Any, events: list[EventEnvelope]) -> None:
        for event in events:
            seen[event.subject] = seen.get(event.subject, 0) + 1
        await succeed_or_fail(services, events)

    consume(counting)
    good = [envelope(f"ok-{i}") for i in range(5)]
    bad = envelope("bad", fail=True)
    await publish_committed(maker, good[0], good[1], bad, *good[2:])
    await relay.relay_once()
    await run_worker(relay_settings, maker)

    # The batch failed once as a whole, then each event alone: good ones twice, the bad one on
    # every attempt (the first batch, alone, then two retries of its own).
    assert all(seen[e.subject] == 2 for e in good)
    assert seen["bad"] == 1 + runner.MAX_ATTEMPTS
    states = await queue.deliveries([str(e.id) for e in [*good, bad]])
    assert all(states[str(e.id)] == (Delivery.HANDLED, None) for e in good)
    assert states[str(bad.id)][0] is Delivery.FAILED


async def test_a_service_away_gets_more_tries_and_then_succeeds(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    consume: Callable[[Consume], None],
) -> None:
    calls = 0

    async def flaky(services: Any, events: list[EventEnvelope]) -> None:
        nonlocal calls
        calls += 1
        if calls < runner.MAX_ATTEMPTS + 2:  # more failures than a non-transient error may have
            raise TransientError("registry answered 503")

    consume(flaky)
    event = envelope("flaky")
    await publish_committed(maker, event)
    await relay.relay_once()
    await run_worker(relay_settings, maker)
    assert calls == runner.MAX_ATTEMPTS + 2
    assert await queue.deliveries([str(event.id)]) == {str(event.id): (Delivery.HANDLED, None)}


async def test_the_same_event_delivered_three_times_has_one_effect(
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    consume: Callable[[Consume], None],
) -> None:
    effects: list[str] = []

    async def count(services: Any, events: list[EventEnvelope]) -> None:
        effects.extend(e.subject for e in events)

    consume(count)
    event = envelope("thrice").model_dump(mode="json")
    for _ in range(3):
        await queue.send_batch([event])
        await run_worker(relay_settings, maker)
    assert effects == ["thrice"]
    await queue.send_batch([event, event, event])  # and three times in one batch
    await run_worker(relay_settings, maker)
    assert effects == ["thrice"]


async def test_a_malformed_envelope_fails_alone(
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    consume: Callable[[Consume], None],
) -> None:
    effects: list[str] = []

    async def count(services: Any, events: list[EventEnvelope]) -> None:
        effects.extend(e.subject for e in events)

    consume(count)
    good = envelope("fine").model_dump(mode="json")
    malformed = {"id": str(uuid.uuid4()), "type": TEST_TYPE}  # no source, subject or payload
    await queue.send_batch([malformed, good])
    await run_worker(relay_settings, maker)
    assert effects == ["fine"]
    states = await queue.deliveries([good["id"], malformed["id"]])
    assert states[good["id"]] == (Delivery.HANDLED, None)
    state, error = states[malformed["id"]]
    assert state is Delivery.FAILED and error is not None and "ValidationError" in error


async def test_a_running_job_is_pending(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    queue: EventQueue,
    redis: Redis,
    consume: Callable[[Consume], None],
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(services: Any, events: list[EventEnvelope]) -> None:
        started.set()
        await release.wait()

    consume(slow)
    event = envelope("slow")
    await publish_committed(maker, event)
    await relay.relay_once()
    [(job_id, _)] = await queued_jobs(redis, relay_settings)
    worker = asyncio.create_task(run_worker(relay_settings, maker))
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        assert await redis.exists(in_progress_key_prefix + job_id)
        assert await queue.deliveries([str(event.id)]) == {str(event.id): (Delivery.PENDING, None)}
    finally:
        release.set()
        await worker
    assert await queue.deliveries([str(event.id)]) == {str(event.id): (Delivery.HANDLED, None)}


# --- sweep_once ----------------------------------------------------------------------------------


async def test_sweep_acks_handled_and_parks_failed_events(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    consume: Callable[[Consume], None],
) -> None:
    consume(succeed_or_fail)
    handled, failed = envelope("ok"), envelope("bad", fail=True)
    await publish_committed(maker, handled, failed)
    await relay.relay_once()
    await run_worker(relay_settings, maker)

    # Events handed over within the last second are left for the next sweep.
    async with maker() as session, session.begin():
        await session.execute(text("UPDATE disaster.outbox SET published_at = now()"))
    await relay.sweep_once()
    assert all(r.acked_at is None and r.dead_at is None for r in (await outbox(maker)).values())

    await age_published(maker, 5)
    await relay.sweep_once()
    rows = await outbox(maker)
    assert rows[handled.id].acked_at is not None
    assert rows[handled.id].dead_at is None and rows[handled.id].last_error is None
    assert rows[failed.id].dead_at is not None and rows[failed.id].acked_at is None
    assert rows[failed.id].last_error is not None and "boom for bad" in rows[failed.id].last_error
    assert rows[handled.id].attempts == rows[failed.id].attempts == 1

    # Settled events are not looked at again, and a dead one is not relayed again.
    await relay.sweep_once()
    assert await relay.relay_once() == 0
    again = await outbox(maker)
    assert (again[handled.id].acked_at, again[failed.id].dead_at) == (
        rows[handled.id].acked_at,
        rows[failed.id].dead_at,
    )
    async with maker() as session:
        assert await relay.backlog(session) == 0


async def test_sweep_leaves_a_queued_event_alone(
    relay: OutboxRelay, relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    event = envelope("queued")
    await publish_committed(maker, event)
    await relay.relay_once()
    await age_published(maker, 60)  # old, but its job is still waiting in the queue
    await relay.sweep_once()
    row = (await outbox(maker))[event.id]
    assert row.attempts == 1 and row.acked_at is None and row.dead_at is None
    assert await redis.zcard(relay_settings.queue_name) == 1
    async with maker() as session:
        assert await relay.backlog(session) == 1


async def test_sweep_resends_a_lost_event_only_after_sweep_after_seconds(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    redis: Redis,
    consume: Callable[[Consume], None],
) -> None:
    consume(succeed_or_fail)
    event = envelope("lost")
    await publish_committed(maker, event)
    await relay.relay_once()
    # Redis lost the job (e.g. restarted empty; the mark may survive or not: here it does).
    [(job_id, _)] = await queued_jobs(redis, relay_settings)
    await redis.delete(job_key_prefix + job_id)
    await redis.zrem(relay_settings.queue_name, job_id)

    await age_published(maker, 5)  # younger than sweep_after_seconds (15): may still be on its way
    await relay.sweep_once()
    row = (await outbox(maker))[event.id]
    assert row.attempts == 1 and await redis.zcard(relay_settings.queue_name) == 0

    await age_published(maker, 60)
    before = (await outbox(maker))[event.id].published_at
    await relay.sweep_once()
    row = (await outbox(maker))[event.id]
    assert row.attempts == 2
    assert row.published_at is not None and before is not None and row.published_at > before
    assert row.acked_at is None and row.dead_at is None
    [(new_job, job)] = await queued_jobs(redis, relay_settings)
    assert new_job != job_id and job is not None and job.args == ([row.envelope], 1)
    assert await mark(redis, relay_settings, event.id) == f"queued:{new_job}"

    # The re-sent event is handled like any other, then acknowledged.
    await run_worker(relay_settings, maker)
    await age_published(maker, 5)
    await relay.sweep_once()
    assert (await outbox(maker))[event.id].acked_at is not None


async def test_sweep_resends_when_redis_lost_the_marks_too(
    relay: OutboxRelay, relay_settings: KessosSettings, maker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    events = [envelope(f"e-{i}") for i in range(3)]
    await publish_committed(maker, *events)
    await relay.relay_once()
    marks = [k async for k in redis.scan_iter(match=f"{relay_settings.queue_name}:event:*")]
    jobs = [job_key_prefix + j.decode() for j in await redis.zrange(relay_settings.queue_name, 0, -1)]
    await redis.delete(relay_settings.queue_name, *marks, *jobs)  # as after a restart without data
    await age_published(maker, 60)
    await relay.sweep_once()
    rows = await outbox(maker)
    assert all(r.attempts == 2 for r in rows.values())
    [(_, job)] = await queued_jobs(redis, relay_settings)
    assert job is not None and sorted(e["id"] for e in job.args[0]) == sorted(str(e.id) for e in events)


async def test_sweep_parks_an_event_whose_handler_got_a_4xx(
    relay: OutboxRelay,
    relay_settings: KessosSettings,
    maker: async_sessionmaker[AsyncSession],
    consume: Callable[[Consume], None],
) -> None:
    async def http_client_error(services: Any, events: list[EventEnvelope]) -> None:
        """What a consumer raises when a service answers 4xx (ServiceClient: raise_for_status)."""
        if any(e.payload.get("fail") for e in events):
            request = httpx.Request("PUT", "http://disaster/api/v1/findings")
            httpx.Response(404, request=request, json={"detail": "no distribution"}).raise_for_status()

    consume(http_client_error)
    handled, failed = envelope("ok"), envelope("http-404", fail=True)
    await publish_committed(maker, handled, failed)
    await relay.relay_once()
    await run_worker(relay_settings, maker)
    await age_published(maker, 5)
    await relay.sweep_once()
    rows = await outbox(maker)
    assert rows[handled.id].acked_at is not None
    assert rows[failed.id].dead_at is not None and "HTTPStatusError" in (rows[failed.id].last_error or "")
