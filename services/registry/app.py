"""The registry service: people, regions (and, later, households, PPKS, PSKS, imports, matching)."""

from fastapi import FastAPI

from services.registry.db import SERVICE, Finding, OutboxEvent
from services.registry.people import service as people_service
from services.registry.people.endpoints import router as people_router
from services.registry.regions.endpoints import router as regions_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos registry",
        description="People and households, PPKS and PSKS, regions: the system of record for identity.",
        routers=[people_router, regions_router, findings_router(Finding, people_service.subject_scope)],
        outbox_model=OutboxEvent,
        tags=[
            {"name": "people", "description": "Registered people (NIK, KK), masked by role"},
            {"name": "regions", "description": "Kemendagri region codes"},
            {"name": "findings", "description": "What reconciliation found about registry records"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
