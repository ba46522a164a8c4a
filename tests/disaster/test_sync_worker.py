"""The worker's side of an offline batch: one `distributions.synced` event stands for many
distributions, and each of them is checked against the registry as if it had come alone."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from services.worker.clients import ServiceClient, Services, ServiceToken
from services.worker.handlers import HANDLERS, on_distribution_recorded
from services.worker.reconciliation import disaster_batches
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.disaster.scenes import PROVINCE, STARTED, TAGANA, declare, events, warehouse
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


@pytest.fixture
async def services(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    settings: KessosSettings,
) -> AsyncIterator[Services]:
    token = ServiceToken(settings)
    yield Services(
        registry=ServiceClient("registry", registry, token),
        programs=ServiceClient("programs", programs, token),
        disaster=ServiceClient("disaster", disaster, token),
    )


def test_the_batch_event_is_registered() -> None:
    assert "distributions.synced" in HANDLERS


async def test_each_synced_distribution_is_checked_once(
    disaster: httpx.AsyncClient,
    registry: httpx.AsyncClient,
    services: Services,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    known = await registry.post(
        "/api/v1/people",
        json={
            "nik": "6371014506850001",
            "full_name": "Siti Rahmah",
            "birth_date": "1985-06-05",
            "sex": "F",
            "region_code": "63.71.01.1001",
        },
        headers=auth("admin", pii=True),
    )
    assert known.status_code == 201, known.text
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 100})
    recipients = [known.json()["id"], str(uuid.uuid4()), str(uuid.uuid4())]
    batch = [
        {
            "id": str(uuid.uuid4()),
            "disaster_id": flood["id"],
            "warehouse_id": gudang["id"],
            "person_id": person,
            "items": [{"item_code": "beras", "quantity": 2}],
            "distributed_at": f"{STARTED}T12:00:00+08:00",
        }
        for person in recipients
    ]
    synced = await disaster.post("/api/v1/sync/distributions", json={"records": batch}, headers=TAGANA)
    assert synced.json()["created"] == 3
    [envelope] = await events(engine, "distributions.synced")
    event = EventEnvelope.model_validate(envelope)
    singles = disaster_batches.single_events(event)
    assert [e.subject for e in singles] == [b["id"] for b in batch]
    assert len({e.id for e in singles}) == 3 and singles == disaster_batches.single_events(
        event
    )  # stable ids

    handle = disaster_batches.fan_out({"distribution.recorded": on_distribution_recorded})
    for _ in range(2):  # delivered twice, as arq may: the same findings
        await handle(services, event)
        found = await disaster.get(
            "/api/v1/findings", params={"rule": "recipient_not_in_registry"}, headers=PROVINCE
        )
        assert sorted(f["subject_id"] for f in found.json()["items"]) == sorted(b["id"] for b in batch[1:])
