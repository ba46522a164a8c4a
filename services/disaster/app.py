"""The disaster service: disasters, warehouses and stock, aid distribution (and, later, evacuation
sites and victims)."""

from fastapi import FastAPI

from services.disaster.db import SERVICE, Finding, OutboxEvent
from services.disaster.disasters.endpoints import router as disasters_router
from services.disaster.distributions import service as distributions_service
from services.disaster.distributions.endpoints import router as distributions_router
from services.disaster.warehouses.endpoints import router as warehouses_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos disaster",
        description="Disasters, warehouses and relief stock, aid distribution recorded from the field.",
        routers=[
            disasters_router,
            warehouses_router,
            distributions_router,
            findings_router(Finding, distributions_service.subject_scope),
        ],
        outbox_model=OutboxEvent,
        tags=[
            {"name": "disasters", "description": "Declared disasters"},
            {"name": "warehouses", "description": "Warehouses, lumbung sosial, stock ledger"},
            {"name": "distributions", "description": "Aid handed out in the field"},
            {"name": "findings", "description": "What reconciliation found about disaster records"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
