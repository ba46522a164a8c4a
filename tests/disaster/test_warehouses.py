"""Warehouses and their stock: receipts against the item catalogue, exact quantities as JSON numbers,
a ledger whose sum is the balance, and scope."""

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

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


# --- Issue 6: the catalogue, transfers, adjustments and an append-only ledger -------------------------


async def balances_match_ledger(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        mismatched = (
            await conn.execute(
                text(
                    "SELECT b.warehouse_id, b.item_code FROM disaster.stock_balances b LEFT JOIN "
                    "(SELECT warehouse_id, item_code, sum(quantity) AS total FROM disaster.stock_movements "
                    "GROUP BY 1, 2) m USING (warehouse_id, item_code) "
                    "WHERE b.quantity <> coalesce(m.total, 0)"
                )
            )
        ).all()
    assert mismatched == []


async def test_item_catalogue(disaster: httpx.AsyncClient) -> None:
    listed = await disaster.get("/api/v1/items", headers=TAGANA)
    units = {i["code"]: i["unit"] for i in listed.json()["items"]}
    assert units["beras"] == "kg" and units["air_minum"] == "L" and units["paket_keluarga"] == "paket"
    assert units["tenda"] == "unit" and units["selimut"] == "lembar" and units["terpal"] == "lembar"
    added = await disaster.post(
        "/api/v1/items",
        json={"code": "minyak_goreng", "name": "Minyak goreng", "unit": "L"},
        headers=PROVINCE,
    )
    assert added.status_code == 201
    again = await disaster.post(
        "/api/v1/items", json={"code": "minyak_goreng", "name": "Minyak", "unit": "L"}, headers=PROVINCE
    )
    assert again.status_code == 409 and problem_fields(again) == {"code"}
    for body, field in (
        ({"code": "Minyak", "name": "x", "unit": "L"}, "code"),
        ({"code": "x", "unit": "L"}, "name"),
    ):
        bad = await disaster.post("/api/v1/items", json=body, headers=PROVINCE)
        assert bad.status_code == 422 and problem_fields(bad) == {field}
    refused = await disaster.post("/api/v1/items", json={"code": "x", "name": "x", "unit": "L"}, headers=KOTA)
    assert refused.status_code == 403
    gudang = await new_warehouse(disaster)
    assert (await receive(disaster, gudang["id"], "minyak_goreng", 12)).status_code == 201
    # (The next test's clean-up puts the seeded catalogue back as it was.)


async def test_transfer_moves_all_items_or_none(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    gudang = await new_warehouse(disaster)
    lumbung = await new_warehouse(disaster, {**LUMBUNG, "kind": "lumbung_sosial", "region_code": "63.71.02"})
    assert lumbung["kind"] == "lumbung_sosial"
    await receive(disaster, gudang["id"], "beras", 100)
    await receive(disaster, gudang["id"], "selimut", 10)
    url = f"/api/v1/warehouses/{gudang['id']}/transfers"
    short = await disaster.post(
        url,
        json={
            "to_warehouse_id": lumbung["id"],
            "items": [{"item_code": "beras", "quantity": 40}, {"item_code": "selimut", "quantity": 11}],
        },
        headers=TAGANA,
    )
    assert short.status_code == 409 and problem_fields(short) == {"items.1.quantity"}
    assert short.json()["type"].endswith("/insufficient-stock")
    assert await stock(disaster, gudang["id"]) == {"beras": 100, "selimut": 10}
    moved = await disaster.post(
        url,
        json={
            "to_warehouse_id": lumbung["id"],
            "items": [{"item_code": "beras", "quantity": 40}, {"item_code": "selimut", "quantity": 10}],
            "note": "Ke lumbung",
        },
        headers=TAGANA,
    )
    assert moved.status_code == 201, moved.text
    assert await stock(disaster, gudang["id"]) == {"beras": 60, "selimut": 0}
    assert await stock(disaster, lumbung["id"]) == {"beras": 40, "selimut": 10}
    entries = (await disaster.get(f"/api/v1/warehouses/{lumbung['id']}/ledger", headers=TAGANA)).json()[
        "items"
    ]
    assert [(e["kind"], e["item_code"], e["quantity"], e["counterpart_warehouse_id"]) for e in entries] == [
        ("transfer_in", "beras", 40, gudang["id"]),
        ("transfer_in", "selimut", 10, gudang["id"]),
    ]
    assert {e["reference_id"] for e in entries} == {moved.json()["id"]}
    await balances_match_ledger(engine)

    for body, status, field in (
        (
            {"to_warehouse_id": gudang["id"], "items": [{"item_code": "beras", "quantity": 1}]},
            422,
            "to_warehouse_id",
        ),
        ({"to_warehouse_id": lumbung["id"], "items": []}, 422, "items"),
        (
            {"to_warehouse_id": lumbung["id"], "items": [{"item_code": "rendang", "quantity": 1}]},
            422,
            "items",
        ),
        (
            {"to_warehouse_id": str(uuid.uuid4()), "items": [{"item_code": "beras", "quantity": 1}]},
            404,
            "to_warehouse_id",
        ),
    ):
        response = await disaster.post(url, json=body, headers=TAGANA)
        assert response.status_code == status and problem_fields(response) == {field}, response.text
    banjar = await new_warehouse(disaster, LUMBUNG)
    outside = await disaster.post(
        url,
        json={"to_warehouse_id": banjar["id"], "items": [{"item_code": "beras", "quantity": 1}]},
        headers=TAGANA,
    )
    assert outside.status_code == 404
    assert await stock(disaster, gudang["id"]) == {"beras": 60, "selimut": 0}


async def test_opposite_transfers_at_once_neither_deadlock_nor_overdraw(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    a = await new_warehouse(disaster)
    b = await new_warehouse(disaster, {**GUDANG, "name": "Gudang B", "region_code": "63.71.02"})
    for w in (a, b):
        await receive(disaster, w["id"], "beras", 10)

    def move(src: dict, dst: dict) -> Any:
        return disaster.post(
            f"/api/v1/warehouses/{src['id']}/transfers",
            json={"to_warehouse_id": dst["id"], "items": [{"item_code": "beras", "quantity": 3}]},
            headers=PROVINCE,
        )

    responses = await asyncio.gather(*(move(a, b) if n % 2 else move(b, a) for n in range(12)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    quantities = [await stock(disaster, w["id"]) for w in (a, b)]
    assert sum(q["beras"] for q in quantities) == 20 and all(q["beras"] >= 0 for q in quantities)  # type: ignore[operator]
    await balances_match_ledger(engine)


async def test_adjustment_needs_a_reason_and_keeps_stock_above_zero(
    disaster: httpx.AsyncClient, engine
) -> None:  # type: ignore[no-untyped-def]
    gudang = await new_warehouse(disaster)
    await receive(disaster, gudang["id"], "beras", 50)
    url = f"/api/v1/warehouses/{gudang['id']}/adjustments"
    spoiled = await disaster.post(
        url, json={"item_code": "beras", "quantity": -12.5, "reason": "Basah terendam banjir"}, headers=KOTA
    )
    assert spoiled.status_code == 201 and await stock(disaster, gudang["id"]) == {"beras": 37.5}
    found = await disaster.post(
        url, json={"item_code": "beras", "quantity": 2.5, "reason": "Salah hitung"}, headers=KOTA
    )
    assert found.status_code == 201 and await stock(disaster, gudang["id"]) == {"beras": 40}
    for body, status, field in (
        ({"item_code": "beras", "quantity": -41, "reason": "Hilang dicuri"}, 409, "quantity"),
        ({"item_code": "beras", "quantity": 0, "reason": "Nol"}, 422, "quantity"),
        ({"item_code": "beras", "quantity": -1}, 422, "reason"),
        ({"item_code": "beras", "quantity": -1, "reason": " "}, 422, "reason"),
        ({"item_code": "rendang", "quantity": 1, "reason": "Baru"}, 422, "item_code"),
    ):
        response = await disaster.post(url, json=body, headers=KOTA)
        assert response.status_code == status and problem_fields(response) == {field}, response.text
    assert (
        await disaster.post(
            url, json={"item_code": "beras", "quantity": -1, "reason": "x" * 5}, headers=TAGANA
        )
    ).status_code == 403
    assert await stock(disaster, gudang["id"]) == {"beras": 40}
    entries = (await disaster.get(f"/api/v1/warehouses/{gudang['id']}/ledger", headers=KOTA)).json()["items"]
    assert [(e["kind"], e["quantity"], e["note"]) for e in entries] == [
        ("receipt", 50, "Bantuan Kemensos"),
        ("adjustment", -12.5, "Basah terendam banjir"),
        ("adjustment", 2.5, "Salah hitung"),
    ]
    await balances_match_ledger(engine)


async def test_the_ledger_cannot_be_edited(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    gudang = await new_warehouse(disaster)
    await receive(disaster, gudang["id"], "beras", 50)
    for statement in (
        "UPDATE disaster.stock_movements SET quantity = 500",
        "DELETE FROM disaster.stock_movements",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    with pytest.raises(DBAPIError, match="never_negative"):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE disaster.stock_balances SET quantity = -1"))
    assert await ledger(engine, gudang["id"]) == {"beras": Decimal(50)}


async def test_ledger_pages_and_is_scoped(disaster: httpx.AsyncClient) -> None:
    gudang = await new_warehouse(disaster)
    for quantity in (1, 2, 3):
        await receive(disaster, gudang["id"], "beras", quantity)
    await receive(disaster, gudang["id"], "selimut", 4)
    url = f"/api/v1/warehouses/{gudang['id']}/ledger"
    first = (await disaster.get(url, params={"limit": 2, "item_code": "beras"}, headers=TAGANA)).json()
    second = (
        await disaster.get(
            url, params={"limit": 2, "item_code": "beras", "cursor": first["next_cursor"]}, headers=TAGANA
        )
    ).json()
    assert [e["quantity"] for e in first["items"] + second["items"]] == [1, 2, 3] and second[
        "next_cursor"
    ] is None
    assert (await disaster.get(url, headers=BANJAR)).status_code == 404
    bad = await disaster.get(url, params={"cursor": "bukan"}, headers=TAGANA)
    assert bad.status_code == 422 and problem_fields(bad) == {"cursor"}
