"""Helpers for the disaster tests: a disaster, a stocked warehouse, victims and sites, read back the
way a front end would, and the database as a checker sees it."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

from shared import clock
from tests.support import auth

PROVINCE = auth("provincial_officer", regions=["63"], pii=True, sub="kalsel-officer")
KOTA = auth("regency_officer", regions=["63.71"], pii=True, sub="kota-officer")
BANJAR = auth("regency_officer", regions=["63.03"], pii=True, sub="banjar-officer")
TAGANA = auth("field_officer", regions=["63.71"], pii=True, sub="tagana-kota-1")
TAGANA_NO_PII = auth("field_officer", regions=["63.71"], sub="tagana-kota-2")
TAGANA_BANJAR = auth("field_officer", regions=["63.03"], pii=True, sub="tagana-banjar-1")
VIEWER = auth("viewer", regions=["63.71"])
TODAY = clock.today()  # the office's date (WITA): the services compare dates in it
STARTED = TODAY - timedelta(days=10)
SITI_NIK = "6371014506850001"  # a woman born 5 June 1985


def problem(response: httpx.Response) -> tuple[int, str, set[str]]:
    """(status, problem type suffix, fields) of a problem+json answer."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    return response.status_code, body["type"].rsplit("/", 1)[-1], {e["field"] for e in body.get("errors", [])}


async def declare(
    client: httpx.AsyncClient,
    regions: list[str] | None = None,
    headers: dict[str, str] = PROVINCE,
    **overrides: Any,
) -> dict[str, Any]:
    body = {
        "name": "Banjir Kota Banjarmasin",
        "kind": "banjir",
        "level": "regency",
        "started_on": STARTED.isoformat(),
        "region_codes": regions or ["63.71"],
        **overrides,
    }
    response = await client.post("/api/v1/disasters", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def receive(client: httpx.AsyncClient, warehouse_id: str, item_code: str, quantity: object) -> None:
    response = await client.post(
        f"/api/v1/warehouses/{warehouse_id}/receipts",
        json={"item_code": item_code, "quantity": quantity},
        headers=PROVINCE,
    )
    assert response.status_code == 201, response.text


async def warehouse(
    client: httpx.AsyncClient,
    region: str = "63.71.01",
    stock: dict[str, object] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    body = {"name": f"Gudang {region} {uuid.uuid4().hex[:4]}", "region_code": region, **overrides}
    response = await client.post("/api/v1/warehouses", json=body, headers=PROVINCE)
    assert response.status_code == 201, response.text
    for item_code, quantity in (stock or {}).items():
        await receive(client, response.json()["id"], item_code, quantity)
    return response.json()


async def stock(client: httpx.AsyncClient, warehouse_id: str) -> dict[str, float]:
    response = await client.get(f"/api/v1/warehouses/{warehouse_id}/stock", headers=PROVINCE)
    assert response.status_code == 200, response.text
    return {line["item_code"]: line["quantity"] for line in response.json()["items"]}


def victim_body(disaster_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "disaster_id": disaster_id,
        "full_name": "Siti Rahmah",
        "sex": "F",
        "condition": "terdampak",
        "region_code": "63.71.01.1001",
        **overrides,
    }


async def victim(
    client: httpx.AsyncClient, disaster_id: str, headers: dict[str, str] = TAGANA, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/victims", json=victim_body(disaster_id, **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def site(client: httpx.AsyncClient, disaster_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "disaster_id": disaster_id,
        "name": "Posko Masjid Raya Sabilal Muhtadin",
        "region_code": "63.71.01.1001",
        "covered_area_m2": 35,  # capacity 10
        "toilets": 1,
        "water_liters_per_day": 300,
        **overrides,
    }
    response = await client.post("/api/v1/sites", json=body, headers=KOTA)
    assert response.status_code == 201, response.text
    return response.json()


async def check_in(client: httpx.AsyncClient, site_id: str, victim_id: str, **extra: Any) -> httpx.Response:
    return await client.post(
        f"/api/v1/sites/{site_id}/check-ins", json={"victim_id": victim_id, **extra}, headers=TAGANA
    )


async def scalar(engine: Any, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def rows(engine: Any, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def events(engine: Any, event_type: str) -> list[dict[str, Any]]:
    """The envelopes of one event type in the outbox, oldest first."""
    found = await rows(
        engine, "SELECT envelope FROM disaster.outbox WHERE type = :t ORDER BY created_at, id", t=event_type
    )
    return [r[0] for r in found]
