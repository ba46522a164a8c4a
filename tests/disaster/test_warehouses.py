"""Warehouses and their stock: receipts against the item catalogue, exact quantities as JSON numbers,
a ledger whose sum is the balance, and scope."""

import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text

from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PROVINCE = auth("provincial_officer", regions=["63"])
KOTA = auth("regency_officer", regions=["63.71"])
BANJAR = auth("regency_officer", regions=["63.03"])
TAGANA = auth("field_officer", regions=["63.71"])  # a Tagana volunteer in Kota Banjarmasin
GUDANG = {"name": "Gudang Dinsos Kota Banjarmasin", "region_code": "63.71.01"}
LUMBUNG = {"name": "Lumbung Sosial Martapura", "region_code": "63.03.01"}


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


async def new_warehouse(client: httpx.AsyncClient, body: dict = GUDANG, headers: dict = PROVINCE) -> dict:
    response = await client.post("/api/v1/warehouses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def receive(
    client: httpx.AsyncClient, warehouse_id: str, item_code: str, quantity: object, headers: dict = PROVINCE
) -> httpx.Response:
    return await client.post(
        f"/api/v1/warehouses/{warehouse_id}/receipts",
        json={"item_code": item_code, "quantity": quantity, "note": "Bantuan Kemensos"},
        headers=headers,
    )


async def stock(client: httpx.AsyncClient, warehouse_id: str, headers: dict = PROVINCE) -> dict[str, object]:
    response = await client.get(f"/api/v1/warehouses/{warehouse_id}/stock", headers=headers)
    assert response.status_code == 200, response.text
    return {line["item_code"]: line["quantity"] for line in response.json()["items"]}


async def ledger(engine, warehouse_id: str) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT item_code, sum(quantity) FROM disaster.stock_movements WHERE warehouse_id = :w "
                "GROUP BY item_code"
            ),
            {"w": warehouse_id},
        )
        return {r[0]: r[1] for r in rows}


async def test_register_warehouse_in_scope(disaster: httpx.AsyncClient) -> None:
    created = await new_warehouse(disaster, headers=KOTA)
    assert created["name"] == GUDANG["name"] and created["region_code"] == "63.71.01"
    outside = await disaster.post("/api/v1/warehouses", json=LUMBUNG, headers=KOTA)
    assert outside.status_code == 403
    tagana = await disaster.post("/api/v1/warehouses", json=GUDANG, headers=TAGANA)
    assert tagana.status_code == 403
    bad = await disaster.post("/api/v1/warehouses", json={**GUDANG, "region_code": "63-71"}, headers=KOTA)
    assert bad.status_code == 422 and problem_fields(bad) == {"region_code"}
    listed = (await disaster.get("/api/v1/warehouses", headers=PROVINCE)).json()
    assert [w["id"] for w in listed["items"]] == [created["id"]]


async def test_receipts_add_up_as_json_numbers(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    gudang = await new_warehouse(disaster)
    first = await receive(disaster, gudang["id"], "beras", 2.8)
    assert first.status_code == 201, first.text
    assert first.json() == {
        "warehouse_id": gudang["id"],
        "items": [{"item_code": "beras", "unit": "kg", "quantity": 2.8}],
    }
    assert (await receive(disaster, gudang["id"], "beras", 1000)).status_code == 201
    assert (await receive(disaster, gudang["id"], "paket_keluarga", 40, headers=TAGANA)).status_code == 201

    response = await disaster.get(f"/api/v1/warehouses/{gudang['id']}/stock", headers=TAGANA)
    assert response.status_code == 200
    body = response.json()
    assert body["warehouse_id"] == gudang["id"]
    assert body["items"] == [
        {"item_code": "beras", "unit": "kg", "quantity": 1002.8},
        {"item_code": "paket_keluarga", "unit": "paket", "quantity": 40},
    ]
    assert all(isinstance(line["quantity"], int | float) for line in body["items"])
    # The text on the wire holds numbers, not strings.
    assert '"quantity":1002.8' in response.text.replace(" ", "")

    assert await ledger(engine, gudang["id"]) == {"beras": Decimal("1002.8"), "paket_keluarga": Decimal(40)}


async def test_empty_warehouse_has_no_lines(disaster: httpx.AsyncClient) -> None:
    gudang = await new_warehouse(disaster)
    assert await stock(disaster, gudang["id"]) == {}


@pytest.mark.parametrize(
    ("item_code", "quantity", "field"),
    [
        ("rendang", 10, "item_code"),  # not in the catalogue
        ("Beras", 10, "item_code"),  # not a catalogue code at all
        ("beras", 0, "quantity"),
        ("beras", -5, "quantity"),
        ("beras", 1.2345, "quantity"),  # more than three decimals
        ("beras", "sepuluh", "quantity"),
    ],
)
async def test_bad_receipt_is_422_and_stock_unchanged(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    item_code: str,
    quantity: object,
    field: str,
) -> None:
    gudang = await new_warehouse(disaster)
    assert (await receive(disaster, gudang["id"], "beras", 5)).status_code == 201
    response = await receive(disaster, gudang["id"], item_code, quantity)
    assert response.status_code == 422
    assert problem_fields(response) == {field}
    assert await stock(disaster, gudang["id"]) == {"beras": 5}
    assert await ledger(engine, gudang["id"]) == {"beras": Decimal(5)}
    async with engine.connect() as conn:
        events = (
            await conn.execute(text("SELECT count(*) FROM disaster.outbox WHERE type = 'stock.received'"))
        ).scalar_one()
    assert events == 1


async def test_warehouse_out_of_scope_is_404(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    lumbung = await new_warehouse(disaster, LUMBUNG)
    await new_warehouse(disaster)
    assert (await disaster.get(f"/api/v1/warehouses/{lumbung['id']}/stock", headers=KOTA)).status_code == 404
    refused = await receive(disaster, lumbung["id"], "beras", 10, headers=TAGANA)
    assert refused.status_code == 404
    assert refused.json()["type"].endswith("/not-found")
    assert await ledger(engine, lumbung["id"]) == {}
    listed = (await disaster.get("/api/v1/warehouses", headers=KOTA)).json()
    assert [w["region_code"] for w in listed["items"]] == ["63.71.01"]
    unknown = await receive(disaster, str(uuid.uuid4()), "beras", 10)
    assert unknown.status_code == 404


async def test_viewer_reads_but_does_not_receive(disaster: httpx.AsyncClient) -> None:
    gudang = await new_warehouse(disaster)
    viewer = auth("viewer", regions=["63.71"])
    assert (await receive(disaster, gudang["id"], "beras", 10, headers=viewer)).status_code == 403
    assert await stock(disaster, gudang["id"], headers=viewer) == {}
