"""Aid handed out in the field: all items or none, never more than the stock (also under concurrency),
once per Idempotency-Key however often a phone retries, NIK masked for those without PII access."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PROVINCE = auth("provincial_officer", regions=["63"], pii=True)
KOTA = auth("regency_officer", regions=["63.71"], pii=True)
TAGANA = auth("field_officer", regions=["63.71"], sub="tagana-kota-1")  # no PII access
TAGANA_PII = auth("field_officer", regions=["63.71"], pii=True, sub="tagana-kota-2")
TAGANA_BANJAR = auth("field_officer", regions=["63.03"], pii=True, sub="tagana-banjar-1")
WITA = timezone(timedelta(hours=8))  # Kalimantan Selatan
TODAY = datetime.now(UTC).date()
STARTED = TODAY - timedelta(days=3)
SITI_NIK = "6371014506850001"


@dataclass
class Scene:
    disaster_id: str
    warehouse_id: str


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["type"]


async def scene(
    client: httpx.AsyncClient, region: str = "63.71.01", stock: dict[str, object] | None = None
) -> Scene:
    """A flood in `region` and a warehouse there holding `stock`."""
    declared = await client.post(
        "/api/v1/disasters",
        json={
            "name": f"Banjir {region}",
            "kind": "banjir",
            "level": "regency",
            "started_on": STARTED.isoformat(),
            "region_codes": [region],
        },
        headers=PROVINCE,
    )
    assert declared.status_code == 201, declared.text
    warehouse = await client.post(
        "/api/v1/warehouses", json={"name": f"Gudang {region}", "region_code": region}, headers=PROVINCE
    )
    assert warehouse.status_code == 201, warehouse.text
    for item_code, quantity in (stock or {}).items():
        await receive(client, warehouse.json()["id"], item_code, quantity)
    return Scene(declared.json()["id"], warehouse.json()["id"])


async def receive(client: httpx.AsyncClient, warehouse_id: str, item_code: str, quantity: object) -> None:
    response = await client.post(
        f"/api/v1/warehouses/{warehouse_id}/receipts",
        json={"item_code": item_code, "quantity": quantity},
        headers=PROVINCE,
    )
    assert response.status_code == 201, response.text


def body(at: Scene, items: dict[str, object] | None = None, **overrides: Any) -> dict:
    return {
        "disaster_id": at.disaster_id,
        "warehouse_id": at.warehouse_id,
        "person_id": str(uuid.uuid4()),
        "items": [{"item_code": c, "quantity": q} for c, q in (items or {"paket_keluarga": 1}).items()],
        **overrides,
    }


async def distribute(
    client: httpx.AsyncClient, payload: dict, headers: dict = TAGANA, key: str | None = None
) -> httpx.Response:
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return await client.post("/api/v1/distributions", json=payload, headers=headers)


async def stock(client: httpx.AsyncClient, warehouse_id: str) -> dict[str, object]:
    response = await client.get(f"/api/v1/warehouses/{warehouse_id}/stock", headers=PROVINCE)
    assert response.status_code == 200, response.text
    return {line["item_code"]: line["quantity"] for line in response.json()["items"]}


async def written(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What distributions have left behind: rows, lines, ledger entries and events."""
    queries = {
        "distributions": "SELECT count(*) FROM disaster.distributions",
        "lines": "SELECT count(*) FROM disaster.distribution_lines",
        "ledger": "SELECT count(*) FROM disaster.stock_movements WHERE kind = 'distribution'",
        "events": "SELECT count(*) FROM disaster.outbox WHERE type = 'distribution.recorded'",
    }
    async with engine.connect() as conn:
        return {name: (await conn.execute(text(sql))).scalar_one() for name, sql in queries.items()}


def nothing() -> dict[str, int]:
    return {"distributions": 0, "lines": 0, "ledger": 0, "events": 0}


async def ledger_sum(engine, warehouse_id: str, item_code: str) -> Decimal:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT coalesce(sum(quantity), 0) FROM disaster.stock_movements "
                    "WHERE warehouse_id = :w AND item_code = :i"
                ),
                {"w": warehouse_id, "i": item_code},
            )
        ).scalar_one()


# --- Recording --------------------------------------------------------------------------------------


async def test_record_takes_the_stock(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 100, "paket_keluarga": 10})
    handed = datetime.now(WITA).replace(microsecond=0) - timedelta(hours=2)
    payload = body(at, {"beras": 2.8, "paket_keluarga": 1}, distributed_at=handed.isoformat())
    response = await distribute(disaster, payload, headers=TAGANA_PII)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/distributions/{created['id']}"
    assert created["disaster_id"] == at.disaster_id and created["warehouse_id"] == at.warehouse_id
    assert created["person_id"] == payload["person_id"] and created["region_code"] == "63.71.01"
    assert created["items"] == [
        {"item_code": "beras", "quantity": 2.8},
        {"item_code": "paket_keluarga", "quantity": 1},
    ]
    assert created["recorded_by"] == "tagana-kota-2"
    assert datetime.fromisoformat(created["distributed_at"]) == handed

    assert await stock(disaster, at.warehouse_id) == {"beras": 97.2, "paket_keluarga": 9}
    assert await ledger_sum(engine, at.warehouse_id, "beras") == Decimal("97.2")
    assert await written(engine) == {"distributions": 1, "lines": 2, "ledger": 2, "events": 1}

    read = await disaster.get(f"/api/v1/distributions/{created['id']}", headers=TAGANA_PII)
    assert read.status_code == 200
    assert {**read.json(), "distributed_at": None, "created_at": None} == {
        **created,
        "distributed_at": None,
        "created_at": None,
    }
    assert datetime.fromisoformat(read.json()["distributed_at"]) == handed


async def test_recipient_by_nik_and_name(disaster: httpx.AsyncClient) -> None:
    at = await scene(disaster, stock={"paket_keluarga": 5})
    payload = body(at, person_id=None, nik=SITI_NIK, full_name="Siti Rahmah")
    response = await distribute(disaster, payload, headers=KOTA)
    assert response.status_code == 201, response.text
    assert response.json()["person_id"] is None
    assert response.json()["nik"] == SITI_NIK and response.json()["full_name"] == "Siti Rahmah"


async def test_more_than_the_stock_is_409_and_nothing_is_written(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    at = await scene(disaster, stock={"beras": 10})
    response = await distribute(disaster, body(at, {"beras": 10.5}))
    assert response.status_code == 409
    assert problem_type(response).endswith("/insufficient-stock")
    assert problem_fields(response) == {"items.0.quantity"}
    assert await stock(disaster, at.warehouse_id) == {"beras": 10}
    assert await written(engine) == nothing()
    assert await ledger_sum(engine, at.warehouse_id, "beras") == Decimal(10)
    # An item the warehouse never held is short too.
    never = await distribute(disaster, body(at, {"tenda": 1}))
    assert never.status_code == 409 and problem_type(never).endswith("/insufficient-stock")
    assert await written(engine) == nothing()


async def test_one_short_item_takes_none_of_the_others(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 50, "paket_keluarga": 1, "selimut": 20})
    # beras and selimut are there; paket_keluarga (listed second, taken between them) is short.
    response = await distribute(disaster, body(at, {"beras": 5, "paket_keluarga": 2, "selimut": 2}))
    assert response.status_code == 409
    assert problem_fields(response) == {"items.1.quantity"}
    assert await stock(disaster, at.warehouse_id) == {"beras": 50, "paket_keluarga": 1, "selimut": 20}
    assert await written(engine) == nothing()


async def test_stock_can_be_emptied_exactly(disaster: httpx.AsyncClient) -> None:
    at = await scene(disaster, stock={"beras": 2.8})
    first = await distribute(disaster, body(at, {"beras": 1.4}))
    second = await distribute(disaster, body(at, {"beras": 1.4}))
    assert (first.status_code, second.status_code) == (201, 201)
    assert await stock(disaster, at.warehouse_id) == {"beras": 0}
    third = await distribute(disaster, body(at, {"beras": 0.001}))
    assert third.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"person_id": None}, "person_id"),
        ({"person_id": None, "nik": SITI_NIK}, "full_name"),
        ({"person_id": None, "full_name": "Siti Rahmah"}, "nik"),
        ({"person_id": None, "nik": "637101450685", "full_name": "Siti Rahmah"}, "nik"),
        ({"person_id": "siti"}, "person_id"),
        ({"items": []}, "items"),
        ({"items": [{"item_code": "beras", "quantity": 1}, {"item_code": "beras", "quantity": 2}]}, "items"),
        ({"items": [{"item_code": "rendang", "quantity": 1}]}, "items"),
        ({"items": [{"item_code": "beras", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"item_code": "beras", "quantity": -1}]}, "items.0.quantity"),
        ({"distributed_at": "2026-11-20T10:00:00"}, "distributed_at"),  # no time zone
        ({"distributed_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "distributed_at"),
        ({"distributed_at": f"{(STARTED - timedelta(days=1)).isoformat()}T12:00:00+08:00"}, "distributed_at"),
    ],
)
async def test_bad_distribution_is_422_naming_the_field(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    overrides: dict,
    field: str,
) -> None:
    at = await scene(disaster, stock={"beras": 10})
    response = await distribute(disaster, {**body(at, {"beras": 1}), **overrides})
    assert response.status_code == 422
    assert problem_fields(response) == {field}
    assert await stock(disaster, at.warehouse_id) == {"beras": 10}
    assert await written(engine) == nothing()


async def test_handed_out_on_the_first_morning_in_local_time(disaster: httpx.AsyncClient) -> None:
    # 06:00 WITA on the day the disaster started is still the previous day in UTC.
    at = await scene(disaster, stock={"beras": 10})
    early = f"{STARTED.isoformat()}T06:00:00+08:00"
    response = await distribute(disaster, body(at, {"beras": 1}, distributed_at=early))
    assert response.status_code == 201, response.text


async def test_unknown_or_foreign_disaster_and_warehouse_are_404(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    at = await scene(disaster, stock={"beras": 10})
    banjar = await scene(disaster, region="63.03.01", stock={"beras": 10})
    for payload in (
        body(at, {"beras": 1}, disaster_id=str(uuid.uuid4())),
        body(at, {"beras": 1}, warehouse_id=str(uuid.uuid4())),
        body(at, {"beras": 1}, disaster_id=banjar.disaster_id),  # a disaster outside 63.71
        body(at, {"beras": 1}, warehouse_id=banjar.warehouse_id),  # a warehouse outside 63.71
    ):
        response = await distribute(disaster, payload)
        assert response.status_code == 404, response.text
        assert problem_type(response).endswith("/not-found")
    assert await stock(disaster, banjar.warehouse_id) == {"beras": 10}
    assert await written(engine) == nothing()


async def test_viewers_do_not_record(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10})
    response = await distribute(disaster, body(at, {"beras": 1}), headers=auth("viewer", regions=["63.71"]))
    assert response.status_code == 403
    assert await written(engine) == nothing()


# --- Concurrency ------------------------------------------------------------------------------------


async def test_concurrent_distributions_never_overdraw(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"paket_keluarga": 10})
    responses = await asyncio.gather(
        *(distribute(disaster, body(at, {"paket_keluarga": 1})) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 10, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all(problem_type(r).endswith("/insufficient-stock") for r in responses if r.status_code == 409)
    assert await stock(disaster, at.warehouse_id) == {"paket_keluarga": 0}
    assert await ledger_sum(engine, at.warehouse_id, "paket_keluarga") == 0
    assert await written(engine) == {"distributions": 10, "lines": 10, "ledger": 10, "events": 10}


# --- Idempotency-Key --------------------------------------------------------------------------------


async def test_replay_returns_the_first_answer_and_records_once(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    at = await scene(disaster, stock={"beras": 10})
    payload = body(at, {"beras": 2})
    first = await distribute(disaster, payload, key="phone-7f3a-0001")
    assert first.status_code == 201, first.text
    for _ in range(2):
        again = await distribute(disaster, payload, key="phone-7f3a-0001")
        assert again.status_code == 201
        assert again.json() == first.json()
    assert await stock(disaster, at.warehouse_id) == {"beras": 8}
    assert await written(engine) == {"distributions": 1, "lines": 1, "ledger": 1, "events": 1}

    # A new key is a new distribution.
    other = await distribute(disaster, payload, key="phone-7f3a-0002")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await stock(disaster, at.warehouse_id) == {"beras": 6}


async def test_key_reused_for_another_request_is_422(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10})
    payload = body(at, {"beras": 2})
    assert (await distribute(disaster, payload, key="phone-7f3a-0003")).status_code == 201
    changed = await distribute(
        disaster, {**payload, "items": [{"item_code": "beras", "quantity": 3}]}, key="phone-7f3a-0003"
    )
    assert changed.status_code == 422
    assert problem_type(changed).endswith("/idempotency-key-reused")
    assert await stock(disaster, at.warehouse_id) == {"beras": 8}
    assert (await written(engine))["distributions"] == 1


async def test_keys_belong_to_their_caller(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10})
    mine = await distribute(disaster, body(at, {"beras": 1}), headers=TAGANA, key="phone-0000-0001")
    theirs = await distribute(disaster, body(at, {"beras": 2}), headers=TAGANA_PII, key="phone-0000-0001")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert await stock(disaster, at.warehouse_id) == {"beras": 7}


async def test_failed_request_can_be_retried_with_its_key(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"paket_keluarga": 1})
    payload = body(at, {"paket_keluarga": 3})
    short = await distribute(disaster, payload, key="phone-7f3a-0004")
    assert short.status_code == 409
    again = await distribute(disaster, payload, key="phone-7f3a-0004")
    assert again.status_code == 409  # a failure is not remembered: the request ran again
    assert await written(engine) == nothing()

    await receive(disaster, at.warehouse_id, "paket_keluarga", 5)
    retried = await distribute(disaster, payload, key="phone-7f3a-0004")
    assert retried.status_code == 201, retried.text
    replay = await distribute(disaster, payload, key="phone-7f3a-0004")
    assert replay.status_code == 201 and replay.json() == retried.json()
    assert await stock(disaster, at.warehouse_id) == {"paket_keluarga": 3}
    assert await written(engine) == {"distributions": 1, "lines": 1, "ledger": 1, "events": 1}


async def test_concurrent_replays_record_once(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10})
    payload = body(at, {"beras": 1})
    responses = await asyncio.gather(
        *(distribute(disaster, payload, key="phone-7f3a-0005") for _ in range(5))
    )
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await stock(disaster, at.warehouse_id) == {"beras": 9}
    assert await written(engine) == {"distributions": 1, "lines": 1, "ledger": 1, "events": 1}


async def test_malformed_idempotency_key_is_422(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10})
    response = await distribute(disaster, body(at, {"beras": 1}), key="short")
    assert response.status_code == 422 and problem_fields(response) == {"Idempotency-Key"}
    assert await written(engine) == nothing()


# --- Reading: scope and masking ---------------------------------------------------------------------


async def test_field_officer_sees_masked_nik_unless_pii(disaster: httpx.AsyncClient) -> None:
    at = await scene(disaster, stock={"paket_keluarga": 5})
    payload = body(at, person_id=None, nik=SITI_NIK, full_name="Siti Rahmah")
    recorded = await distribute(disaster, payload, headers=KOTA)
    assert recorded.status_code == 201
    url = f"/api/v1/distributions/{recorded.json()['id']}"

    masked = await disaster.get(url, headers=TAGANA)
    assert masked.status_code == 200 and masked.json()["nik"] == "6371**********01"
    listed = (await disaster.get("/api/v1/distributions", headers=TAGANA)).json()
    assert [d["nik"] for d in listed["items"]] == ["6371**********01"]
    assert SITI_NIK not in (await disaster.get("/api/v1/distributions", headers=TAGANA)).text

    clear = await disaster.get(url, headers=TAGANA_PII)
    assert clear.json()["nik"] == SITI_NIK
    # Without PII access even the recorder's own answer is masked.
    own = await distribute(disaster, {**payload, "nik": "6371015708790003"}, headers=TAGANA)
    assert own.status_code == 201 and own.json()["nik"] == "6371**********03"


async def test_distributions_of_another_region_are_hidden(disaster: httpx.AsyncClient) -> None:
    kota = await scene(disaster, stock={"beras": 10})
    banjar = await scene(disaster, region="63.03.01", stock={"beras": 10})
    in_kota = await distribute(disaster, body(kota, {"beras": 1}), headers=TAGANA)
    in_banjar = await distribute(disaster, body(banjar, {"beras": 1}), headers=TAGANA_BANJAR)
    assert (in_kota.status_code, in_banjar.status_code) == (201, 201)

    assert (
        await disaster.get(f"/api/v1/distributions/{in_banjar.json()['id']}", headers=TAGANA)
    ).status_code == 404
    listed = (await disaster.get("/api/v1/distributions", headers=TAGANA)).json()
    assert [d["id"] for d in listed["items"]] == [in_kota.json()["id"]]
    by_person = await disaster.get(
        "/api/v1/distributions", params={"person_id": in_banjar.json()["person_id"]}, headers=TAGANA
    )
    assert by_person.json()["items"] == []
    by_disaster = await disaster.get(
        "/api/v1/distributions", params={"disaster_id": banjar.disaster_id}, headers=PROVINCE
    )
    assert [d["id"] for d in by_disaster.json()["items"]] == [in_banjar.json()["id"]]


# --- Events -----------------------------------------------------------------------------------------


async def test_distribution_publishes_an_event(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    at = await scene(disaster, stock={"beras": 10, "paket_keluarga": 3})
    handed = f"{TODAY - timedelta(days=1)}T09:30:00+08:00"
    person = str(uuid.uuid4())
    payload = body(
        at, {"paket_keluarga": 1, "beras": 2.5}, person_id=person, nik=SITI_NIK, distributed_at=handed
    )
    response = await distribute(disaster, payload, headers=TAGANA)
    assert response.status_code == 201, response.text
    distribution_id = response.json()["id"]

    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT subject, envelope FROM disaster.outbox WHERE type = 'distribution.recorded'")
            )
        ).all()
    assert len(rows) == 1
    subject, envelope = rows[0]
    assert subject == distribution_id and envelope["source"] == "disaster"
    event = envelope["payload"]
    assert event["distribution_id"] == distribution_id and event["person_id"] == person
    assert event["nik"] == SITI_NIK  # the worker matches on the full NIK
    assert event["disaster_id"] == at.disaster_id and event["region_code"] == "63.71.01"
    assert datetime.fromisoformat(event["distributed_at"]) == datetime.fromisoformat(handed)
    assert sorted((i["item_code"], Decimal(i["quantity"])) for i in event["items"]) == [
        ("beras", Decimal("2.5")),
        ("paket_keluarga", Decimal(1)),
    ]


# --- Findings ---------------------------------------------------------------------------------------


async def test_findings_on_distributions_are_scoped(disaster: httpx.AsyncClient) -> None:
    kota = await scene(disaster, stock={"beras": 10})
    banjar = await scene(disaster, region="63.03.01", stock={"beras": 10})
    in_kota = (await distribute(disaster, body(kota, {"beras": 1}), headers=TAGANA)).json()
    in_banjar = (await distribute(disaster, body(banjar, {"beras": 1}), headers=TAGANA_BANJAR)).json()
    for d in (in_kota, in_banjar):
        report = {
            "rule": "recipient_deceased",
            "subject_type": "distribution",
            "subject_id": d["id"],
            "holds": True,
        }
        assert (
            await disaster.put("/api/v1/findings", json=report, headers=auth("service"))
        ).status_code == 200
        refused = await disaster.put("/api/v1/findings", json=report, headers=KOTA)
        assert refused.status_code == 403

    seen = (await disaster.get("/api/v1/findings", headers=TAGANA)).json()["items"]
    assert [f["subject_id"] for f in seen] == [in_kota["id"]]
