"""The programs service: programs, budgets and indicators; enrolments and aid; panti sosial and
their clients; KUBE groups and WRSE aid; the SPM and indicator reports; and the projections of
registry and disaster events those need."""

from fastapi import FastAPI

from services.programs.attachments.endpoints import router as attachments_router
from services.programs.changes.endpoints import router as changes_router
from services.programs.db import SERVICE, Finding, OutboxEvent
from services.programs.exports.endpoints import router as exports_router
from services.programs.feeds.endpoints import router as feeds_router
from services.programs.findings import service as findings_service
from services.programs.groups.endpoints import router as groups_router
from services.programs.indicators.endpoints import router as indicators_router
from services.programs.institutions.endpoints import router as institutions_router
from services.programs.merges.endpoints import router as person_merges_router
from services.programs.privacy.endpoints import router as privacy_router
from services.programs.programs.endpoints import router as programs_router
from services.programs.reference.endpoints import router as reference_router
from services.programs.reports.endpoints import router as reports_router
from services.programs.targeting.endpoints import router as targeting_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos programs",
        description="Programs, targets and aid; panti sosial and their clients; KUBE; SPM reports.",
        routers=[
            exports_router,  # /admissions/export before /admissions/{admission_id}
            programs_router,
            indicators_router,
            institutions_router,
            groups_router,
            reports_router,
            reference_router,
            feeds_router,
            targeting_router,
            changes_router,
            findings_router(Finding, findings_service.subject_scope, findings_service.subjects_scope),
            person_merges_router,
            privacy_router,
            attachments_router,
        ],
        outbox_model=OutboxEvent,
        finding_model=Finding,
        tags=[
            {
                "name": "programs",
                "description": "Programs, budgets and spending, activities, enrolments, aid",
            },
            {"name": "indicators", "description": "Indicators, yearly targets, quarterly realisation"},
            {"name": "institutions", "description": "Panti sosial, admissions, basic needs, Peksos caseload"},
            {"name": "groups", "description": "KUBE groups and their aid; WRSE/PRSE aid to women"},
            {"name": "reports", "description": "SPM and indicator reports as JSON, CSV or XLSX"},
            {"name": "reference", "description": "SPM services, basic needs and configurable figures"},
            {"name": "targeting", "description": "Eligibility rules, candidate lists, decisions, fairness"},
            {"name": "feeds", "description": "Registry and disaster events, forwarded by the worker"},
            {"name": "sync", "description": "Delta feed: what changed since a phone's last sync"},
            {"name": "person merges", "description": "Registry merges carried here (worker only)"},
            {"name": "privacy", "description": "Access log and subject-access export (UU 27/2022)"},
            {"name": "findings", "description": "What reconciliation found about programs records"},
            {"name": "attachments", "description": "Photos, signed letters and scans attached to admissions"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
