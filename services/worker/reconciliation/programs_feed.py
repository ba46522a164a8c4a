"""Registry and disaster facts the programs service needs (PPKS assessments, PSKS roles, disaster
victims and relief handed out), forwarded to its service-only feed endpoints. The programs service
never reads the other schemas; these projections are all it knows of them.

Each forward carries the event's `occurred_at`: the programs side keeps the newest and ignores an
older event, so redelivery and out-of-order delivery are both harmless."""

from collections.abc import Awaitable, Callable
from typing import Any

from services.worker.clients import Services
from shared.events import EventEnvelope

Handler = Callable[[Services, EventEnvelope], Awaitable[None]]
FEED_BATCH = 2000


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


async def forward_distributions(services: Services, events: list[EventEnvelope]) -> None:
    """Relief handed out, in bulk: one call per few thousand distributions, not one each."""
    items = [
        {**event.payload, "occurred_at": event.occurred_at.isoformat()}
        for event in events
        if event.payload.get("distribution_id")
    ]
    for start in range(0, len(items), FEED_BATCH):
        response = await services.programs.request(
            "PUT", "/api/v1/feeds/distributions", json={"items": items[start : start + FEED_BATCH]}
        )
        response.raise_for_status()  # 4xx is final: a malformed payload will not get better


FORWARDS: dict[str, Handler] = {
    "ppks_assessment.recorded": on_ppks_assessment,
    "ppks_assessment.updated": on_ppks_assessment,
    "psks_role.recorded": on_psks_role,
    "psks_role.updated": on_psks_role,
    "victim.registered": on_victim,
    "victim.updated": on_victim,
}
# Batch consumers (see services/worker/handlers.py).
CONSUMERS = {"distribution.recorded": forward_distributions}
