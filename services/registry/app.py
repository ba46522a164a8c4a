"""The registry service: people and households, PPKS assessments, PSKS roles, regions, history and
privacy (and, later, feed imports and identity matching)."""

from fastapi import FastAPI

from services.registry.assessments.endpoints import router as assessments_router
from services.registry.db import SERVICE, Finding, OutboxEvent
from services.registry.dci.endpoints import router as dci_router
from services.registry.households.endpoints import router as households_router
from services.registry.people import service as people_service
from services.registry.people.endpoints import router as people_router
from services.registry.privacy.endpoints import router as privacy_router
from services.registry.psks.endpoints import router as psks_router
from services.registry.reference.endpoints import router as reference_router
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
        routers=[
            dci_router,
            people_router,
            privacy_router,
            households_router,
            assessments_router,
            psks_router,
            reference_router,
            regions_router,
            findings_router(Finding, people_service.subject_scope),
        ],
        outbox_model=OutboxEvent,
        tags=[
            {"name": "people", "description": "Registered people (NIK, KK), masked by role"},
            {"name": "households", "description": "Families by Kartu Keluarga; moves between households"},
            {"name": "ppks", "description": "PPKS assessments (26 official types, age rules)"},
            {"name": "psks", "description": "PSKS roles; roles and distinct people counted apart"},
            {"name": "privacy", "description": "History, access log, subject-access export (UU 27/2022)"},
            {"name": "reference", "description": "Official categories"},
            {"name": "regions", "description": "Kemendagri region codes"},
            {"name": "dci", "description": "DCI Social Registry search (spdci social_api v1.0.0)"},
            {"name": "findings", "description": "What reconciliation found about registry records"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
