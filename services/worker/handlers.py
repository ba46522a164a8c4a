"""Which event does what.

Events reach the worker in batches. Every consumer of an event type is a `Consumer`: it takes all the
events of that type in a batch at once (so it can ask a service about a thousand records in one call)
and must be idempotent, since a batch can be delivered more than once. A consumer written for one
event at a time is wrapped with `each`. If a consumer raises on a batch, the runner calls it again
with each event alone, so that one bad event fails only itself."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from services.worker.clients import Services, TransientError, in_trace
from services.worker.reconciliation import (
    disaster_batches,
    double_receipt,
    duplicate_scans,
    enrolments,
    full,
    identity,
    panti,
    ppks_resolved,
    programs_feed,
    recipients,
    targeting,
)
from shared.events import EventEnvelope

Handler = Callable[[Services, EventEnvelope], Awaitable[None]]
Consumer = Callable[[Services, list[EventEnvelope]], Awaitable[None]]

# Events of one batch handled at the same time by a one-at-a-time handler (each is a few HTTP calls).
EACH_CONCURRENCY = 16


def each(handler: Handler) -> Consumer:
    """A consumer that runs a one-event handler on every event of the batch, a few at a time."""

    async def consume(services: Services, events: list[EventEnvelope]) -> None:
        gate = asyncio.Semaphore(EACH_CONCURRENCY)

        async def one(event: EventEnvelope) -> None:
            async with gate:
                with in_trace(event):  # each event's service calls and logs carry its own trace
                    await handler(services, event)

        results = await asyncio.gather(*(one(e) for e in events), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            # A transient failure wins, so that the batch is retried (every handler is idempotent).
            raise next((e for e in errors if isinstance(e, TransientError)), errors[0])

    consume.__name__ = getattr(handler, "__name__", "consume")
    return consume


async def on_distribution_recorded(services: Services, event: EventEnvelope) -> None:
    """One distribution's registry checks (the batch consumer is recipients.CONSUMERS)."""
    await recipients.check_distribution(services, event.payload)


async def on_person_changed(services: Services, event: EventEnvelope) -> None:
    # Only a change of life status or identity can change what other services' records mean.
    # (A NIK given or corrected can join aid recorded by NIK to the person's: double receipt.)
    if set(event.payload.get("changed", [])) & {"status", "died_on", "merged_into", "nik"}:
        await recipients.recheck_person(services, event.payload["person_id"])


# One-at-a-time handlers, by type. (Distributions and admissions are checked in bulk: recipients.CONSUMERS.)
SINGLE: dict[str, Handler] = {
    "person.updated": on_person_changed,
}
SINGLE.update(programs_feed.FORWARDS)  # registry and disaster facts for the programs service
SINGLE.update(duplicate_scans.HANDLERS)  # registry duplicate scans: one job per partition

# Every consumer of every event type. Consumers of one type run one after the other on the batch.
CONSUMERS: dict[str, list[Consumer]] = {event_type: [each(h)] for event_type, h in SINGLE.items()}


def add(consumers: Mapping[str, Consumer]) -> None:
    """Add a rule module's batch consumers (its `CONSUMERS`), beside those already there."""
    for event_type, function in consumers.items():
        CONSUMERS.setdefault(event_type, []).append(function)


# Kept for code and tests that ask which types have a handler at all.
HANDLERS = CONSUMERS

add(recipients.CONSUMERS)  # recipients and clients against the registry, in bulk
add(programs_feed.CONSUMERS)  # relief handed out, for the programs service's SPM counts, in bulk
add(double_receipt.CONSUMERS)  # one person's aid in a disaster beyond the entitlement, across identities
# Offline batches: every distribution of the batch events, to every consumer of distribution.recorded.
CONSUMERS["distributions.synced"] = [disaster_batches.expand(CONSUMERS)]
add(identity.CONSUMERS)  # victims matched, NIKs against the registry, registry merges carried
# One person enrolled twice in a program, or over its benefit limit. After identity: a merge undone is
# judged once the programs service has put the merged person's records back.
add(enrolments.CONSUMERS)
add(panti.CONSUMERS)  # a panti resident displaced at a site, or in two panti at once (after identity too)
# Aid after the person's PPKS assessments were resolved: after programs_feed (a one-at-a-time handler,
# first on its types) has brought the assessment into the programs service, where this rule reads it.
add(ppks_resolved.CONSUMERS)
add(targeting.CONSUMERS)  # targeting runs: a program's candidate list over the registry
add(full.CONSUMERS)  # the full reconciliation: a request fanned out, one job per region partition
