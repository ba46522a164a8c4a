"""Registry and disaster facts the programs service needs (PPKS assessments, PSKS roles, disaster
victims and relief handed out), forwarded to its service-only feed endpoints. The programs service
never reads the other schemas; these projections are all it knows of them.

Each forward carries the event's `occurred_at`: the programs side keeps the newest and ignores an
older event, so redelivery and out-of-order delivery are both harmless."""

from collections.abc import Awaitable, Callable
from typing import Any

from services.worker.clients import Services, TransientError
from shared.events import EventEnvelope

Handler = Callable[[Services, EventEnvelope], Awaitable[None]]


async def _forward(services: Services, path: str, event: EventEnvelope) -> None:
    body: dict[str, Any] = {**event.payload, "occurred_at": event.occurred_at.isoformat()}
    response = await services.programs.request("PUT", path, json=body)
    # 4xx is final (a malformed payload will not get better): the job fails and the event is parked.
    response.raise_for_status()


async def on_ppks_assessment(services: Services, event: EventEnvelope) -> None:
    await _forward(services, f"/api/v1/feeds/ppks-assessments/{event.payload['assessment_id']}", event)


async def on_psks_role(services: Services, event: EventEnvelope) -> None:
    await _forward(services, f"/api/v1/feeds/psks-roles/{event.payload['role_id']}", event)


async def on_victim(services: Services, event: EventEnvelope) -> None:
    await _forward(services, f"/api/v1/feeds/victims/{event.payload['victim_id']}", event)


async def on_distribution(services: Services, event: EventEnvelope) -> None:
    await _forward(services, f"/api/v1/feeds/distributions/{event.payload['distribution_id']}", event)


FORWARDS: dict[str, Handler] = {
    "ppks_assessment.recorded": on_ppks_assessment,
    "ppks_assessment.updated": on_ppks_assessment,
    "psks_role.recorded": on_psks_role,
    "psks_role.updated": on_psks_role,
    "victim.registered": on_victim,
    "victim.updated": on_victim,
    "distribution.recorded": on_distribution,
}


def _both(first: Handler, second: Handler) -> Handler:
    async def run(services: Services, event: EventEnvelope) -> None:
        # Each runs even if the other fails; a transient failure wins so that the job is retried
        # (both are idempotent, so running one of them again does no harm).
        errors: list[BaseException] = []
        for handler in (first, second):
            try:
                await handler(services, event)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise next((e for e in errors if isinstance(e, TransientError)), errors[0])

    return run


def register(handlers: dict[str, Handler]) -> dict[str, Handler]:
    """`handlers` plus the forwards. An event that already has a handler (e.g. distribution.recorded,
    checked against the registry) keeps it and is forwarded as well."""
    merged = dict(handlers)
    for event_type, forward in FORWARDS.items():
        merged[event_type] = _both(merged[event_type], forward) if event_type in merged else forward
    return merged
