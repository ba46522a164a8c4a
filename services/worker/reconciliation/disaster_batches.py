"""Distributions sent in an offline batch arrive as one `distributions.synced` event per chunk of the
batch (one outbox row for up to a few hundred records). Each distribution in it is handled exactly as
if it had come alone as `distribution.recorded`: checked against the registry (recipients), and given
to whatever else listens to single distributions.

The per-distribution events are derived, not stored: their ids are fixed by the batch event's id and
the distribution's id, so a redelivered batch repeats the same work, which is idempotent."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

from services.worker.clients import Services, TransientError
from shared.events import EventEnvelope

Handler = Callable[[Services, EventEnvelope], Awaitable[None]]
Consumer = Callable[[Services, list[EventEnvelope]], Awaitable[None]]

SINGLE = "distribution.recorded"
# Distributions of one batch checked at the same time (each is a few HTTP calls).
CONCURRENCY = 10


def single_events(batch: EventEnvelope) -> list[EventEnvelope]:
    return [
        EventEnvelope(
            id=uuid.uuid5(batch.id, str(d["distribution_id"])),
            type=SINGLE,
            source=batch.source,
            occurred_at=batch.occurred_at,
            subject=str(d["distribution_id"]),
            payload=d,
            trace_id=batch.trace_id,
        )
        for d in batch.payload.get("distributions", [])
    ]


def fan_out(handlers: Mapping[str, Handler]) -> Handler:
    """The handler of `distributions.synced`: each distribution goes to the handler of
    `distribution.recorded` in `handlers` (looked up when the event comes, so it is the final one)."""

    async def on_distributions_synced(services: Services, event: EventEnvelope) -> None:
        single = handlers.get(SINGLE)
        if single is None:
            return
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(item: EventEnvelope) -> None:
            async with gate:
                await single(services, item)

        results = await asyncio.gather(*(one(e) for e in single_events(event)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            # A transient failure wins, so that the job is retried (every check is idempotent).
            raise next((e for e in errors if isinstance(e, TransientError)), errors[0])

    return on_distributions_synced


def expand(consumers: Mapping[str, Sequence[Consumer]]) -> Consumer:
    """The consumer of `distributions.synced`: the distributions of every batch event, as single
    events, handed at once to each consumer of `distribution.recorded` in `consumers` (looked up when
    the events come, so they are the final ones). Each consumer runs even if another fails; a
    transient failure wins, so that the batch is retried (every consumer is idempotent)."""

    async def on_distributions_synced(services: Services, events: list[EventEnvelope]) -> None:
        singles = [single for batch in events for single in single_events(batch)]
        if not singles:
            return
        errors: list[BaseException] = []
        for consumer in consumers.get(SINGLE, ()):
            try:
                await consumer(services, singles)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise next((e for e in errors if isinstance(e, TransientError)), errors[0])

    return on_distributions_synced
