"""A registry merge reaches the other services through the worker: their records of the merged person
re-pointed to the survivor (once, however often the event comes), the survivor's records checked
again, and everything put back when the registry undoes the merge. The events are the registry's own,
from a real merge and undo."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker.clients import Services
from services.worker.reconciliation import identity
from shared.events import EventEnvelope
from tests.disaster.scenes import KOTA, PROVINCE, declare, warehouse
from tests.registry import test_duplicates as duplicates
from tests.registry.test_duplicates import OFFICER, SITI, SITI_AGAIN, insert_people, pairs, scan
from tests.worker.test_identity_victims import services

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture

PROGRAMS_OFFICER = {"Authorization": PROVINCE["Authorization"]}


async def registry_events(engine: Any, kind: str) -> list[EventEnvelope]:
    async with engine.connect() as conn:
        rows = await conn.scalars(
            text("SELECT envelope FROM registry.outbox WHERE type = :t ORDER BY created_at"), {"t": kind}
        )
        return [EventEnvelope.model_validate(r) for r in rows]


async def test_merge_and_undo_are_carried_once(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    duplicates._engine = engine  # the scan helper reads the partitions from the registry's outbox
    siti, again = (str(i) for i in await insert_people(engine, SITI, SITI_AGAIN))
    # Aid and a panti stay recorded against the duplicate record.
    flood = await declare(disaster)
    depot = await warehouse(disaster, stock={"beras": 10})
    aid = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": depot["id"],
            "person_id": again,
            "items": [{"item_code": "beras", "quantity": 1}],
        },
        headers=KOTA,
    )
    assert aid.status_code == 201, aid.text
    panti = await programs.post(
        "/api/v1/institutions",
        json={"name": "PSTW Budi Sejahtera", "kind": "lanjut_usia", "region_code": "63.71.01", "capacity": 3},
        headers=PROGRAMS_OFFICER,
    )
    stay = await programs.post(
        f"/api/v1/institutions/{panti.json()['id']}/admissions",
        json={"person_id": again, "admitted_on": "2026-01-05"},
        headers=PROGRAMS_OFFICER,
    )
    assert stay.status_code == 201, stay.text

    async def holders() -> tuple[str, str]:
        distribution = await disaster.get(f"/api/v1/distributions/{aid.json()['id']}", headers=PROVINCE)
        admission = await programs.get(f"/api/v1/admissions/{stay.json()['id']}", headers=PROGRAMS_OFFICER)
        return distribution.json()["person_id"], admission.json()["person_id"]

    await scan(registry)
    [pair] = await pairs(registry)
    resolved = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/resolve", json={"decision": "same_person"}, headers=OFFICER
    )
    assert resolved.status_code == 200 and resolved.json()["survivor_id"] == siti, resolved.text
    merged = await registry_events(engine, "person.merged")
    assert len(merged) == 1

    await identity.on_people_merged(services, merged)
    assert await holders() == (siti, siti)
    await identity.on_people_merged(services, merged)  # redelivered: the same one merge
    async with engine.connect() as conn:
        for schema in ("disaster", "programs"):
            count = await conn.scalar(text(f"SELECT count(*) FROM {schema}.person_merges"))
            assert count == 1, schema
    # The survivor's records were checked again: the aid's recipient is a registry person.
    found = await disaster.get("/api/v1/findings", params={"subject_id": aid.json()["id"]}, headers=PROVINCE)
    assert all(f["status"] != "open" for f in found.json()["items"])

    undone = await registry.post(f"/api/v1/duplicates/{pair['id']}/undo", headers=OFFICER)
    assert undone.status_code == 200, undone.text
    unmerged = await registry_events(engine, "person.unmerged")
    await identity.on_people_unmerged(services, unmerged)
    await identity.on_people_unmerged(services, unmerged)
    assert await holders() == (again, again)


async def test_a_merge_event_for_records_nobody_has_changes_nothing(services: Services, engine: Any) -> None:
    event = EventEnvelope(
        type="person.merged",
        source="registry",
        subject=str(uuid.uuid4()),
        payload={
            "person_id": str(uuid.uuid4()),
            "region_code": "63.71.01.1001",
            "merged_into": str(uuid.uuid4()),
        },
    )
    await identity.on_people_merged(services, [event])
    undo = EventEnvelope(
        type="person.unmerged",
        source="registry",
        subject=event.subject,
        payload={
            "person_id": event.payload["person_id"],
            "region_code": "63.71.01.1001",
            "was_merged_into": event.payload["merged_into"],
        },
    )
    await identity.on_people_unmerged(services, [undo])
    async with engine.connect() as conn:
        for schema in ("disaster", "programs"):
            rows = (await conn.execute(text(f"SELECT repointed, restored FROM {schema}.person_merges"))).all()
            assert [tuple(r) for r in rows] == [({}, {})], schema
