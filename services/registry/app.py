"""The registry service: people and households, PPKS assessments, PSKS roles, regions, history and
privacy, DTKS feed imports and exports, identity matching and duplicates, DCI search."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.registry.assessments.endpoints import router as assessments_router
from services.registry.changes.endpoints import router as changes_router
from services.registry.db import SERVICE, Finding, OutboxEvent
from services.registry.dci.endpoints import router as dci_router
from services.registry.duplicates.endpoints import router as duplicates_router
from services.registry.exports.endpoints import router as exports_router
from services.registry.households.endpoints import router as households_router
from services.registry.imports.endpoints import router as imports_router
from services.registry.imports.runner import ImportRunner
from services.registry.lookup.endpoints import router as lookup_router
from services.registry.matching.endpoints import router as matching_router
from services.registry.people import service as people_service
from services.registry.people.endpoints import router as people_router
from services.registry.privacy.endpoints import router as privacy_router
from services.registry.psks.endpoints import router as psks_router
from services.registry.reference.endpoints import router as reference_router
from services.registry.regions.endpoints import router as regions_router
from services.registry.targeting.endpoints import router as targeting_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    app = create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos registry",
        description="People and households, PPKS and PSKS, regions: the system of record for identity.",
        # /people/export before /people/{person_id}, which would take "export" for an id.
        routers=[
            exports_router,
            matching_router,  # /people/match before /people/{person_id}
            lookup_router,
            people_router,
            privacy_router,
            households_router,
            dci_router,
            assessments_router,
            psks_router,
            reference_router,
            regions_router,
            imports_router,
            duplicates_router,
            targeting_router,
            changes_router,
            findings_router(Finding, people_service.subject_scope, people_service.subjects_scope),
        ],
        outbox_model=OutboxEvent,
        body_limits={"/api/v1/imports": 512 * 1024 * 1024},  # DTKS feeds: a million rows is ~150 MB
        finding_model=Finding,
        tags=[
            {"name": "people", "description": "Registered people (NIK, KK), masked by role"},
            {"name": "households", "description": "Families by Kartu Keluarga; moves between households"},
            {"name": "ppks", "description": "PPKS assessments (26 official types, age rules)"},
            {"name": "psks", "description": "PSKS roles; roles and distinct people counted apart"},
            {"name": "privacy", "description": "History, access log, subject-access export (UU 27/2022)"},
            {"name": "reference", "description": "Official categories"},
            {"name": "regions", "description": "Kemendagri region codes"},
            {"name": "imports", "description": "DTKS-style feeds: upload, progress, rejected rows"},
            {"name": "matching", "description": "Identity matching: find people; the model in use"},
            {"name": "duplicates", "description": "People registered twice: scans, pairs, merge and undo"},
            {"name": "targeting", "description": "People attributes for program targeting (service only)"},
            {"name": "dci", "description": "DCI Social Registry search (spdci social_api v1.0.0)"},
            {"name": "findings", "description": "What reconciliation found about registry records"},
            {"name": "sync", "description": "Delta feed: what changed since a phone's last sync"},
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
    _run_imports(app)
    return app


def _run_imports(app: FastAPI) -> None:
    """The import runner lives as long as the app: started after create_app's start-up (it needs the
    sessionmaker), stopped before its shut-down disposes of the engine. (create_app has a start-up
    hook but no shut-down one, hence the wrapped lifespan.)"""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            runner = ImportRunner(app.state.sessionmaker)
            app.state.import_runner = runner
            await runner.start()
            try:
                yield
            finally:
                await runner.stop()

    app.router.lifespan_context = lifespan
