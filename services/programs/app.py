"""The programs service: institutions (panti) and their clients (and, later, programs, budgets,
indicators, KUBE groups and aid)."""

from fastapi import FastAPI

from services.programs.db import SERVICE, Finding, OutboxEvent
from services.programs.institutions import service as institutions_service
from services.programs.institutions.endpoints import router as institutions_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos programs",
        description="Panti sosial and their clients; programs, targets and aid.",
        routers=[institutions_router, findings_router(Finding, institutions_service.subject_scope)],
        outbox_model=OutboxEvent,
        tags=[
            {"name": "institutions", "description": "Panti sosial, admissions and discharges"},
            {"name": "findings", "description": "What reconciliation found about programs records"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
