"""The must-hold flows of the whole system, against real processes."""

import asyncio
import json
import time
import uuid

import asyncpg
import httpx

from shared.events.queue import Delivery, EventQueue
from tests.e2e.flows import ADMIN, distribute, findings, mark_deceased, person, stocked_warehouse
from tests.support import System, auth, eventually


async def test_every_service_wants_a_token_and_is_ready(http: httpx.AsyncClient, system: System) -> None:
    for service in ("registry", "programs", "disaster"):
        response = await http.get(system.url(service) + "/api/v1/findings")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (await http.get(system.url(service) + "/readyz")).json()["status"] == "ok"
        docs = await http.get(system.url(service) + "/docs")
        assert docs.status_code == 200 and "swagger-ui" in docs.text and "cdn" not in docs.text.lower()
        metrics = await http.get(system.url(service) + "/metrics")
        assert "kessos_http_requests_total" in metrics.text
        assert f'kessos_outbox_backlog{{service="{service}"}}' in metrics.text
        assert "kessos_queue_depth" in metrics.text


async def test_distribution_to_deceased_person_is_found_within_5s(
    http: httpx.AsyncClient, system: System
) -> None:
    someone = await person(http, system)
    await mark_deceased(http, system, someone["id"])
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    started = time.monotonic()
    response = await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]})
    assert response.status_code == 201, response.text
    distribution_id = response.json()["id"]

    found = await eventually(lambda: findings(http, system, "disaster", distribution_id), timeout=5)
    assert time.monotonic() - started < 5
    assert [(f["rule"], f["status"]) for f in found] == [("recipient_deceased", "open")]
    assert found[0]["detail"]["person_id"] == someone["id"]


async def test_unknown_recipient_and_client_are_found(http: httpx.AsyncClient, system: System) -> None:
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    stranger = str(uuid.uuid4())
    by_id = await distribute(http, system, disaster_id, warehouse_id, {"person_id": stranger})
    by_nik = await distribute(
        http, system, disaster_id, warehouse_id, {"nik": "6371011501809999", "full_name": "Tanpa Data"}
    )
    assert by_id.status_code == by_nik.status_code == 201
    for distribution in (by_id.json(), by_nik.json()):
        found = await eventually(lambda d=distribution: findings(http, system, "disaster", d["id"]))
        assert [f["rule"] for f in found] == ["recipient_not_in_registry"]

    programs = system.url("programs") + "/api/v1"
    panti = (
        await http.post(
            programs + "/institutions",
            headers=ADMIN,
            json={
                "name": "Panti Sosial Tresna Werdha",
                "kind": "lanjut_usia",
                "region_code": "63.71",
                "capacity": 5,
            },
        )
    ).json()
    admission = await http.post(
        programs + f"/institutions/{panti['id']}/admissions",
        headers=ADMIN,
        json={"person_id": stranger, "admitted_on": "2026-11-02"},
    )
    assert admission.status_code == 201, admission.text
    found = await eventually(lambda: findings(http, system, "programs", admission.json()["id"]))
    assert [f["rule"] for f in found] == ["client_not_in_registry"]


async def test_death_recorded_later_raises_findings_on_open_records(
    http: httpx.AsyncClient, system: System
) -> None:
    someone = await person(http, system)
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    aid = await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]})
    programs = system.url("programs") + "/api/v1"
    panti = (
        await http.post(
            programs + "/institutions",
            headers=ADMIN,
            json={
                "name": "Panti Sosial Bina Laras",
                "kind": "disabilitas",
                "region_code": "63.71",
                "capacity": 5,
            },
        )
    ).json()
    admission = (
        await http.post(
            programs + f"/institutions/{panti['id']}/admissions",
            headers=ADMIN,
            json={"person_id": someone["id"], "admitted_on": "2026-11-02"},
        )
    ).json()
    await asyncio.sleep(1)  # the first checks ran and found nothing
    assert await findings(http, system, "programs", admission["id"]) == []

    # Died before the aid was handed out: both the aid and the open stay are now findings.
    await mark_deceased(http, system, someone["id"], died_on="2026-11-01")
    client = await eventually(lambda: findings(http, system, "programs", admission["id"]))
    assert [f["rule"] for f in client] == ["client_deceased"]
    recipient = await eventually(lambda: findings(http, system, "disaster", aid.json()["id"]))
    assert [f["rule"] for f in recipient] == ["recipient_deceased"]


async def test_an_event_delivered_three_times_makes_one_finding(
    http: httpx.AsyncClient, system: System
) -> None:
    someone = await person(http, system)
    await mark_deceased(http, system, someone["id"])
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    aid = (await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]})).json()
    await eventually(lambda: findings(http, system, "disaster", aid["id"]))

    # Deliver the same event three more times, as after crashes. The queue's mark is forgotten first,
    # so the worker runs the rule again each time rather than skipping an event it knows.
    conn = await asyncpg.connect(system.database_url)
    try:
        event = json.loads(
            await conn.fetchval("SELECT envelope::text FROM disaster.outbox WHERE subject = $1", aid["id"])
        )
    finally:
        await conn.close()
    queue = await EventQueue.connect(system.redis_url, system.queue_name, 3600)
    try:
        for _ in range(3):
            await queue.forget([event["id"]])
            await queue.send(event)

            async def handled() -> bool:
                states = await queue.deliveries([event["id"]])
                return states[event["id"]][0] is Delivery.HANDLED

            await eventually(handled)
    finally:
        await queue.close()
    found = await findings(http, system, "disaster", aid["id"])
    assert len(found) == 1


async def test_twenty_concurrent_distributions_against_ten_in_stock(
    http: httpx.AsyncClient, system: System
) -> None:
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    someone = await person(http, system)
    responses = await asyncio.gather(
        *[
            distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]})
            for _ in range(20)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 10 and codes.count(409) == 10
    stock = (
        await http.get(system.url("disaster") + f"/api/v1/warehouses/{warehouse_id}/stock", headers=ADMIN)
    ).json()
    assert stock["items"] == [{"item_code": "beras", "unit": "kg", "quantity": 0}]


async def test_replayed_idempotency_key_returns_first_answer(http: httpx.AsyncClient, system: System) -> None:
    disaster_id, warehouse_id = await stocked_warehouse(http, system, 10)
    someone = await person(http, system)
    key = f"phone-7-{uuid.uuid4()}"
    first = await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]}, 2, key)
    again = await distribute(http, system, disaster_id, warehouse_id, {"person_id": someone["id"]}, 2, key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    stock = (
        await http.get(system.url("disaster") + f"/api/v1/warehouses/{warehouse_id}/stock", headers=ADMIN)
    ).json()
    assert stock["items"][0]["quantity"] == 8
    listed = (
        await http.get(
            system.url("disaster") + "/api/v1/distributions",
            params={"person_id": someone["id"]},
            headers=ADMIN,
        )
    ).json()
    assert len(listed["items"]) == 1


async def test_scoped_officer_over_http(http: httpx.AsyncClient, system: System) -> None:
    banjar = await person(http, system, nik=None, region_code="63.03.01.2001", full_name="Warga Banjar")
    kota = auth("regency_officer", regions=["63.71"])
    response = await http.get(system.url("registry") + f"/api/v1/people/{banjar['id']}", headers=kota)
    assert response.status_code == 404
    listed = (
        await http.get(system.url("registry") + "/api/v1/people", params={"q": "Warga Banjar"}, headers=kota)
    ).json()
    assert listed["items"] == []
