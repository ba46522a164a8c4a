"""Small helpers that drive the real services over HTTP, as a front end would."""

import random
import uuid
from datetime import date
from typing import Any

import httpx

from tests.support import System, auth

ADMIN = auth("admin", pii=True)


def random_nik(region: str = "637101", born: date = date(1980, 1, 15), female: bool = False) -> str:
    day = born.day + (40 if female else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{random.randint(1, 9999):04d}"


async def person(http: httpx.AsyncClient, system: System, **overrides: Any) -> dict[str, Any]:
    born = date(1980, 1, 15)
    body = {
        "nik": random_nik(born=born),
        "full_name": "Ahmad Fauzi",
        "birth_date": born.isoformat(),
        "sex": "M",
        "region_code": "63.71.01.1001",
        **overrides,
    }
    response = await http.post(system.url("registry") + "/api/v1/people", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return response.json()


async def mark_deceased(
    http: httpx.AsyncClient, system: System, person_id: str, died_on: str | None = None
) -> None:
    url = system.url("registry") + f"/api/v1/people/{person_id}"
    etag = (await http.get(url, headers=ADMIN)).headers["etag"]
    body: dict[str, Any] = {"status": "deceased"}
    if died_on:
        body["died_on"] = died_on
    response = await http.patch(url, json=body, headers={**ADMIN, "If-Match": etag})
    assert response.status_code == 200, response.text


async def stocked_warehouse(http: httpx.AsyncClient, system: System, quantity: float) -> tuple[str, str]:
    base = system.url("disaster") + "/api/v1"
    disaster = await http.post(
        base + "/disasters",
        headers=ADMIN,
        json={
            "name": "Banjir Banjarmasin",
            "kind": "banjir",
            "level": "regency",
            "started_on": "2026-11-01",
            "region_codes": ["63.71"],
        },
    )
    assert disaster.status_code == 201, disaster.text
    warehouse = await http.post(
        base + "/warehouses",
        headers=ADMIN,
        json={"name": f"Gudang {uuid.uuid4().hex[:6]}", "region_code": "63.71.01"},
    )
    assert warehouse.status_code == 201, warehouse.text
    receipt = await http.post(
        base + f"/warehouses/{warehouse.json()['id']}/receipts",
        headers=ADMIN,
        json={"item_code": "beras", "quantity": quantity},
    )
    assert receipt.status_code == 201, receipt.text
    return disaster.json()["id"], warehouse.json()["id"]


async def distribute(
    http: httpx.AsyncClient,
    system: System,
    disaster_id: str,
    warehouse_id: str,
    recipient: dict[str, Any],
    quantity: float = 1,
    key: str | None = None,
) -> httpx.Response:
    headers = {**ADMIN, **({"Idempotency-Key": key} if key else {})}
    return await http.post(
        system.url("disaster") + "/api/v1/distributions",
        headers=headers,
        json={
            "disaster_id": disaster_id,
            "warehouse_id": warehouse_id,
            **recipient,
            "items": [{"item_code": "beras", "quantity": quantity}],
        },
    )


async def findings(
    http: httpx.AsyncClient, system: System, service: str, subject_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    params = {"subject_id": subject_id, **({"status": status} if status else {})}
    response = await http.get(system.url(service) + "/api/v1/findings", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
