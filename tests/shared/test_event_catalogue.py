"""The event catalogue (shared/events/catalogue.py) against the code: what the worker consumes, what the
services publish, what docs/events.md says."""

import importlib
import pkgutil
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.registry.db import OutboxEvent
from services.worker import handlers
from services.worker.reconciliation import disaster_batches, duplicate_scans, full
from shared.db import make_sessionmaker
from shared.events import EventEnvelope, publish
from shared.events.catalogue import CATALOGUE, EventRefused, check, render_markdown
from tests.disaster.scenes import STARTED, TAGANA, declare, victim, warehouse

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
RULES = "services.worker.reconciliation"
# Where a rule module says which event types it takes.
DECLARATIONS = ("CONSUMERS", "HANDLERS", "FORWARDS")


def rule_modules() -> dict[str, ModuleType]:
    package = importlib.import_module(RULES)
    return {
        info.name: importlib.import_module(f"{RULES}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    }


def declared_types(module: ModuleType) -> set[str] | None:
    """The event types a rule module declares it takes, or None if it declares none (its functions are
    called from handlers.py's one-at-a-time handlers)."""
    found = [getattr(module, name) for name in DECLARATIONS if isinstance(getattr(module, name, None), dict)]
    return {t for declaration in found for t in declaration} if found else None


def test_every_type_the_worker_consumes_is_in_the_catalogue_with_its_consumers() -> None:
    assert set(handlers.CONSUMERS) - set(CATALOGUE) == set()
    # ...and no entry claims a consumer the worker does not have.
    assert {name for name, entry in CATALOGUE.items() if entry.consumers} == set(handlers.CONSUMERS)


def test_each_rule_module_is_named_by_the_events_it_takes() -> None:
    modules = rule_modules()
    for name, module in modules.items():
        for event_type in declared_types(module) or ():
            assert name in CATALOGUE[event_type].consumers, f"{event_type}: add {name!r} to its consumers"
    for entry in CATALOGUE.values():
        for name in entry.consumers:
            assert name in modules, f"{entry.name}: no worker module {RULES}.{name}"
            declared = declared_types(modules[name])
            if declared is not None and entry.name in declared:
                continue
            # Otherwise handlers.py gives the type a consumer made by the module (e.g. the expansion of
            # offline batches), or a one-at-a-time handler of its own that calls into the module.
            made_there = any(f.__module__ == f"{RULES}.{name}" for f in handlers.CONSUMERS[entry.name])
            single = handlers.SINGLE.get(entry.name)
            calls_it = single is not None and name in single.__code__.co_names
            assert made_there or calls_it, f"{entry.name}: {name} does not consume it"


def test_derived_events_name_their_origin_and_match_the_catalogue() -> None:
    for entry in CATALOGUE.values():
        assert set(entry.derived_from) <= set(CATALOGUE), entry.name
    distribution = {
        "distribution_id": str(uuid.uuid4()),
        "disaster_id": str(uuid.uuid4()),
        "person_id": None,
        "nik": "6371014506850001",
        "full_name": "Siti Rahmah",
        "region_code": "63.71.01.1001",
        "distributed_at": "2026-11-20T12:00:00+08:00",
        "items": [{"item_code": "beras", "quantity": "2"}],
        "victim_id": None,
        "household_id": None,
        "site_id": None,
        "warehouse_id": str(uuid.uuid4()),
        "source": "sync",
        "override_reason": None,
    }
    batch = EventEnvelope(
        type="distributions.synced",
        source="disaster",
        subject="b",
        payload={"batch_id": str(uuid.uuid4()), "count": 1, "distributions": [distribution]},
    )
    scan = EventEnvelope(
        type="duplicates.scan_requested",
        source="registry",
        subject="s",
        payload={"scan_id": str(uuid.uuid4()), "region": "63.71", "partitions": ["63.71.01", "63.71.02"]},
    )
    reconcile = full.request_event("63")
    parts = [full.Partition("63", exact=True), full.Partition("63.71", exact=False)]
    derived = [
        *disaster_batches.single_events(batch),
        *duplicate_scans.partition_events(scan),
        *full.partition_events(reconcile, parts),
    ]
    assert [e.type for e in derived] == [
        "distribution.recorded",
        *["duplicates.partition_requested"] * 2,
        *["reconcile.partition_requested"] * 2,
    ]
    for event in (batch, scan, reconcile, *derived):
        check(event)


@pytest.mark.parametrize(
    ("event", "says"),
    [
        (EventEnvelope(type="person.renamed", source="registry", subject="x", payload={}), "not in"),
        (
            EventEnvelope(
                type="person.merged",
                source="registry",
                subject="x",
                payload={"person_id": str(uuid.uuid4()), "region_code": "63.71"},  # merged_into missing
            ),
            "merged_into",
        ),
        (
            EventEnvelope(
                type="person.merged",
                source="registry",
                subject="x",
                payload={
                    "person_id": str(uuid.uuid4()),
                    "region_code": "63.71",
                    "merged_into": str(uuid.uuid4()),
                    "nik": "6371014506850001",  # a key the catalogue does not describe
                },
            ),
            "nik",
        ),
        (
            EventEnvelope(
                type="person.merged",
                source="registry",
                subject="x",
                payload={"person_id": "not-an-id", "region_code": "63.71", "merged_into": str(uuid.uuid4())},
            ),
            "person_id",
        ),
        (
            EventEnvelope(
                type="stock.received",
                source="disaster",
                subject="x",
                payload={"warehouse_id": str(uuid.uuid4()), "item_code": "beras", "quantity": "lots"},
            ),
            "quantity",
        ),
        (
            EventEnvelope(type="disaster.declared", source="registry", subject="x", payload={}),
            "comes from disaster",
        ),
        (
            EventEnvelope(
                type="person.merged",
                source="registry",
                subject="x",
                version=2,
                payload={
                    "person_id": str(uuid.uuid4()),
                    "region_code": "63",
                    "merged_into": str(uuid.uuid4()),
                },
            ),
            "version 1",
        ),
    ],
)
async def test_publish_refuses_an_event_the_catalogue_does_not_describe(
    event: EventEnvelope, says: str, engine: Any
) -> None:
    async with make_sessionmaker(engine)() as session:  # type: ignore[arg-type]
        with pytest.raises(EventRefused, match=says):
            publish(session, OutboxEvent, event)
        assert not session.new  # nothing to be written with the request


def test_docs_events_md_is_written_from_the_catalogue() -> None:
    # `kessos events catalogue` writes it; CI runs `kessos events catalogue --check`.
    assert DOCS.read_text(encoding="utf-8") == render_markdown()


@pytest.mark.usefixtures("clean")
async def test_the_disaster_service_batch_writes_match_the_catalogue(
    registry: httpx.AsyncClient, disaster: httpx.AsyncClient, engine: Any
) -> None:
    """Victims and distributions are published in bulk (services/disaster/db.py `publish_many`, which
    skips `publish`): what they write is held to the catalogue here."""
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 10})
    siti = await victim(disaster, flood["id"], nik="6371014506850001", birth_date="1985-06-05")
    record = {
        "disaster_id": flood["id"],
        "warehouse_id": gudang["id"],
        "victim_id": siti["id"],
        "items": [{"item_code": "beras", "quantity": 2}],
        "distributed_at": f"{STARTED}T12:00:00+08:00",
    }
    without_victim = {k: v for k, v in record.items() if k != "victim_id"}
    online = await disaster.post("/api/v1/distributions", json=record, headers=TAGANA)
    assert online.status_code == 201, online.text
    synced = await disaster.post(
        "/api/v1/sync/distributions",
        json={"records": [{**without_victim, "id": str(uuid.uuid4()), "person_id": str(uuid.uuid4())}]},
        headers=TAGANA,
    )
    assert synced.status_code == 200 and synced.json()["created"] == 1, synced.text
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT envelope FROM disaster.outbox"))).scalars().all()
    types = set()
    for envelope in rows:
        event = EventEnvelope.model_validate(envelope)
        check(event)
        types.add(event.type)
    assert {"victim.registered", "distribution.recorded", "distributions.synced"} <= types
