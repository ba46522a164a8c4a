"""The disaster service: disasters, evacuation sites, victims, warehouses and stock, entitlements, aid
distribution (online and in offline batches), progress reports and situation reports."""

from fastapi import FastAPI

from services.disaster.attachments.endpoints import router as attachments_router
from services.disaster.changes.endpoints import router as changes_router
from services.disaster.db import SERVICE, Finding, OutboxEvent
from services.disaster.disasters.endpoints import router as disasters_router
from services.disaster.distributions.endpoints import router as distributions_router
from services.disaster.entitlements.endpoints import router as entitlements_router
from services.disaster.exports.endpoints import router as exports_router
from services.disaster.findings import service as findings_service
from services.disaster.merges.endpoints import router as person_merges_router
from services.disaster.privacy.endpoints import router as privacy_router
from services.disaster.reports.endpoints import router as reports_router
from services.disaster.sites.endpoints import router as sites_router
from services.disaster.sync.endpoints import router as sync_router
from services.disaster.victims.endpoints import router as victims_router
from services.disaster.warehouses.endpoints import router as warehouses_router
from shared.app import create_app
from shared.findings import findings_router
from shared.settings import KessosSettings


def build_app(settings: KessosSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings,
        service=SERVICE,
        title="Kessos disaster",
        description="Disasters, evacuation sites and victims, warehouses and relief stock, entitlements, "
        "aid distribution recorded in the field (also offline, in batches), progress and situation reports.",
        routers=[
            exports_router,  # /distributions/export before /distributions/{distribution_id}
            disasters_router,
            sites_router,
            victims_router,
            warehouses_router,
            entitlements_router,
            distributions_router,
            sync_router,
            changes_router,
            reports_router,
            findings_router(Finding, findings_service.subject_scope, findings_service.subjects_scope),
            person_merges_router,
            privacy_router,
            attachments_router,
        ],
        outbox_model=OutboxEvent,
        finding_model=Finding,
        tags=[
            {"name": "disasters", "description": "Declared disasters, their status and impact"},
            {
                "name": "evacuation sites",
                "description": "Shelters: capacity, check-in/out, headcount, warnings",
            },
            {"name": "victims", "description": "Victims, with or without documents; missing and found"},
            {
                "name": "warehouses",
                "description": "Warehouses, lumbung sosial, the item catalogue, stock ledger",
            },
            {"name": "entitlements", "description": "How much of an item a household or person may receive"},
            {"name": "distributions", "description": "Aid handed out in the field"},
            {"name": "offline sync", "description": "Batches recorded offline, each record with its own id"},
            {"name": "sync", "description": "Delta feed: what changed since a phone's last sync"},
            {
                "name": "reports",
                "description": "Victims against the year's target; situation reports; HXL CSV",
            },
            {"name": "person merges", "description": "Registry merges carried here (worker only)"},
            {"name": "privacy", "description": "Access log and subject-access export (UU 27/2022)"},
            {"name": "findings", "description": "What reconciliation found about disaster records"},
            {
                "name": "attachments",
                "description": "Photos, signatures and scans attached to distributions and victims",
            },
            {"name": "operations", "description": "Health, readiness, metrics"},
        ],
    )
