"""Which event does what. Handlers are idempotent: arq delivers at least once."""

from collections.abc import Awaitable, Callable

from services.worker.clients import Services
from services.worker.reconciliation import disaster_batches, duplicate_scans, programs_feed, recipients
from shared.events import EventEnvelope

Handler = Callable[[Services, EventEnvelope], Awaitable[None]]


async def on_distribution_recorded(services: Services, event: EventEnvelope) -> None:
    await recipients.check_distribution(services, event.payload)


async def on_admission_created(services: Services, event: EventEnvelope) -> None:
    await recipients.check_admission(services, {**event.payload, "status": "active"})


async def on_person_changed(services: Services, event: EventEnvelope) -> None:
    # Only a change of life status or identity can change what other services' records mean.
    if set(event.payload.get("changed", [])) & {"status", "died_on", "merged_into"}:
        await recipients.recheck_person(services, event.payload["person_id"])


HANDLERS: dict[str, Handler] = {
    "distribution.recorded": on_distribution_recorded,
    "admission.created": on_admission_created,
    "person.updated": on_person_changed,
}
HANDLERS = programs_feed.register(HANDLERS)  # registry and disaster facts for the programs service
HANDLERS["distributions.synced"] = disaster_batches.fan_out(HANDLERS)  # offline batches, one by one
HANDLERS.update(duplicate_scans.HANDLERS)  # registry duplicate scans: one job per partition
