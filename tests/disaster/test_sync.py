"""Offline field capture: batches recorded on phones that were offline for hours arrive once, in full,
and add up. Each record gets an outcome; the same batch twice changes nothing; a batch cut off
half-way and sent again ends exactly as if it had gone through once; concurrent phones never overdraw
a warehouse or register a person twice."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.disaster.scenes import (
    KOTA,
    SITI_NIK,
    STARTED,
    TAGANA,
    TAGANA_BANJAR,
    VIEWER,
    declare,
    events,
    problem,
    rows,
    scalar,
    stock,
    victim,
    victim_body,
    warehouse,
)

pytestmark = pytest.mark.usefixtures("clean")

HANDED = f"{STARTED + timedelta(days=2)}T09:30:00+08:00"


def record(flood: dict, gudang: dict, items: dict[str, object] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "disaster_id": flood["id"],
        "warehouse_id": gudang["id"],
        "person_id": str(uuid.uuid4()),
        "items": [{"item_code": c, "quantity": q} for c, q in (items or {"paket_keluarga": 1}).items()],
        "distributed_at": HANDED,
        **extra,
    }


async def sync(
    client: httpx.AsyncClient, records: list[dict], path: str = "distributions", headers: dict = TAGANA
) -> dict[str, Any]:
    response = await client.post(f"/api/v1/sync/{path}", json={"records": records}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def state(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything a batch can leave behind."""
    counts = {
        table: await scalar(engine, f"SELECT count(*) FROM disaster.{table}")  # fixed names
        for table in (
            "distributions",
            "distribution_lines",
            "stock_movements",
            "findings",
            "outbox",
            "victims",
        )
    }
    balances = await rows(
        engine, "SELECT warehouse_id, item_code, quantity FROM disaster.stock_balances ORDER BY 1, 2"
    )
    return {**counts, "balances": [(str(w), i, q) for w, i, q in balances]}


async def ledger_matches_balances(engine) -> None:  # type: ignore[no-untyped-def]
    mismatched = await rows(
        engine,
        "SELECT b.warehouse_id, b.item_code FROM disaster.stock_balances b "
        "LEFT JOIN (SELECT warehouse_id, item_code, sum(quantity) AS total FROM disaster.stock_movements "
        "GROUP BY 1, 2) m USING (warehouse_id, item_code) WHERE b.quantity <> coalesce(m.total, 0)",
    )
    assert mismatched == []


async def test_each_record_gets_its_outcome(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster, regions=["63.71", "63.03"], level="province")
    gudang = await warehouse(disaster, stock={"paket_keluarga": 3, "beras": 100})
    lumbung = await warehouse(disaster, region="63.03.01", stock={"beras": 10})
    household = str(uuid.uuid4())
    siti = await victim(disaster, flood["id"], nik=SITI_NIK, household_id=household)
    batch = [
        record(flood, gudang, {"paket_keluarga": 1}, victim_id=siti["id"], person_id=None),  # 0 created
        record(
            flood, gudang, {"paket_keluarga": 1}, household_id=household, person_id=None
        ),  # 1 over entitlement
        record(flood, gudang, {"paket_keluarga": 5}),  # 2 more than the stock
        record(flood, gudang, {"beras": -1}),  # 3 malformed
        record(flood, lumbung, {"beras": 1}),  # 4 a warehouse outside the phone's regions
        record(flood, gudang, {"beras": 2.8}, disaster_id=str(uuid.uuid4())),  # 5 unknown disaster
        record(  # 6 over entitlement, with a reason: created with a finding
            flood,
            gudang,
            {"paket_keluarga": 1},
            household_id=household,
            person_id=None,
            override_reason="Dua KK serumah",
        ),
        record(flood, gudang, {"beras": 5, "paket_keluarga": 1}),  # 7 created: takes the last kit
        record(flood, gudang, {"paket_keluarga": 1}),  # 8 the stock ran out within the batch
        {"disaster_id": flood["id"]},  # 9 no id, nothing else
    ]
    result = await sync(disaster, batch)
    outcomes = [(r["index"], r["outcome"], r["field"]) for r in result["results"]]
    assert outcomes == [
        (0, "created", None),
        (1, "rejected", "items.0.quantity"),
        (2, "rejected", "items.0.quantity"),
        (3, "rejected", "items.0.quantity"),
        (4, "rejected", "warehouse_id"),
        (5, "rejected", "disaster_id"),
        (6, "created", None),
        (7, "created", None),
        (8, "rejected", "items.0.quantity"),
        (9, "rejected", "id"),
    ]
    assert (result["created"], result["already_had"], result["rejected"]) == (3, 0, 7)
    by_index = {r["index"]: r for r in result["results"]}
    assert [r["id"] for r in result["results"][:9]] == [b["id"] for b in batch[:9]]
    assert (
        by_index[1]["problem"].endswith("/entitlement-exceeded")
        and "override_reason" in by_index[1]["reason"]
    )
    assert (
        by_index[2]["problem"].endswith("/insufficient-stock")
        and "less than the 5 asked" in by_index[2]["reason"]
    )
    assert by_index[3]["problem"].endswith("/validation-error")
    assert by_index[4]["problem"].endswith("/not-found") and by_index[5]["problem"].endswith("/not-found")
    assert "holds 0 of paket_keluarga" in by_index[8]["reason"]
    assert by_index[6]["finding"] == "entitlement_override"
    assert by_index[9]["id"] is None

    assert await stock(disaster, gudang["id"]) == {"beras": 95, "paket_keluarga": 0}
    assert await stock(disaster, lumbung["id"]) == {"beras": 10}
    await ledger_matches_balances(engine)
    created = {b["id"] for b in (batch[0], batch[6], batch[7])}
    stored = await rows(engine, "SELECT id, source, entitlement_group FROM disaster.distributions")
    assert {str(r[0]) for r in stored} == created and {r[1] for r in stored} == {"sync"}
    assert (
        await scalar(engine, "SELECT count(*) FROM disaster.findings WHERE rule = 'entitlement_override'")
        == 1
    )

    [synced] = await events(engine, "distributions.synced")
    assert synced["payload"]["count"] == 3
    by_id = {d["distribution_id"]: d for d in synced["payload"]["distributions"]}
    assert set(by_id) == created
    # What the worker checks: the recipient as the registry knows them, here from the victim.
    assert by_id[batch[0]["id"]]["nik"] == SITI_NIK and by_id[batch[0]["id"]]["victim_id"] == siti["id"]
    assert datetime.fromisoformat(by_id[batch[7]["id"]]["distributed_at"]) == datetime.fromisoformat(HANDED)
    assert await events(engine, "distribution.recorded") == []


async def test_the_same_batch_twice_changes_nothing(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 5, "beras": 20})
    batch = [record(flood, gudang, {"paket_keluarga": 1, "beras": 2}) for _ in range(6)]  # one too many kits
    first = await sync(disaster, batch)
    assert (first["created"], first["rejected"]) == (5, 1)
    before = await state(engine)
    again = await sync(disaster, batch)
    assert (again["created"], again["already_had"], again["rejected"]) == (0, 5, 1)
    assert [r["outcome"] for r in again["results"]] == ["already_had"] * 5 + ["rejected"]
    assert again["results"][5]["reason"] == first["results"][5]["reason"]
    assert await state(engine) == before
    # The same record with its quantities written otherwise (1 and 1.0, another zone) is the same record.
    rewritten = [
        {**r, "items": [{"item_code": i["item_code"], "quantity": float(i["quantity"])} for i in r["items"]]}
        for r in batch[:2]
    ]
    rewritten[1]["distributed_at"] = datetime.fromisoformat(HANDED).astimezone(UTC).isoformat()
    assert (await sync(disaster, rewritten))["already_had"] == 2
    assert await state(engine) == before


async def test_an_id_is_one_record(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 100})
    original = record(flood, gudang, {"beras": 2})
    assert (await sync(disaster, [original]))["created"] == 1
    changed = {**original, "items": [{"item_code": "beras", "quantity": 3}]}
    twin = record(flood, gudang, {"beras": 1})
    result = await sync(disaster, [changed, twin, {**twin, "person_id": str(uuid.uuid4())}, twin])
    assert [(r["outcome"], r["field"]) for r in result["results"]] == [
        ("rejected", "id"),
        ("created", None),
        ("rejected", "id"),  # the same id twice in one batch with other content
        ("already_had", None),  # the same record twice in one batch
    ]
    assert result["results"][0]["problem"].endswith("/id-in-use")
    assert await stock(disaster, gudang["id"]) == {"beras": 97}


async def test_batch_shape_and_role(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 100})
    for body, field in (
        ({"records": []}, "records"),
        ({"records": "semua"}, "records"),
        ({"records": [1]}, "records.0"),
        ({}, "records"),
        ({"records": [{}] * 10_001}, "records"),
    ):
        response = await disaster.post("/api/v1/sync/distributions", json=body, headers=TAGANA)
        assert problem(response)[0] == 422 and field in problem(response)[2], (field, response.text[:300])
    viewer = await disaster.post(
        "/api/v1/sync/distributions", json={"records": [record(flood, gudang)]}, headers=VIEWER
    )
    assert viewer.status_code == 403
    assert (await state(engine))["distributions"] == 0


async def test_interrupted_batch_sent_again_ends_as_if_sent_once(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 50, "beras": 200})
    household = str(uuid.uuid4())
    await victim(disaster, flood["id"], household_id=household)
    batch = [record(flood, gudang, {"beras": 3, "paket_keluarga": 1}) for _ in range(40)]
    batch.append(record(flood, gudang, {"paket_keluarga": 1}, household_id=household, person_id=None))
    batch.append(
        record(
            flood,
            gudang,
            {"paket_keluarga": 1},
            household_id=household,
            person_id=None,
            override_reason="Sakit",
        )
    )
    before = await state(engine)

    # Cut the batch off half-way: it has written its distributions, lines, ledger and balances when it
    # waits on a finding another transaction holds; then its database connection dies.
    async with engine.connect() as blocker:
        transaction = await blocker.begin()
        await blocker.execute(
            text(
                "INSERT INTO disaster.findings (id, rule, subject_type, subject_id, status, detail) "
                "VALUES (gen_random_uuid(), 'entitlement_override', 'distribution', :id, 'open', '{}')"
            ),
            {"id": batch[-1]["id"]},
        )
        sending = asyncio.create_task(
            disaster.post("/api/v1/sync/distributions", json={"records": batch}, headers=TAGANA)
        )
        waiting = None
        for _ in range(200):
            waiting = await scalar(
                engine,
                "SELECT (SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'INSERT INTO disaster.findings%' AND datname = current_database() LIMIT 1)",
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the batch never reached its findings"
        assert await scalar(engine, "SELECT pg_terminate_backend(:pid)", pid=waiting)
        cut = await sending
        await transaction.rollback()
    assert cut.status_code >= 500 and cut.headers["content-type"].startswith("application/problem+json")
    assert await state(engine) == before  # nothing half-written

    result = await sync(disaster, batch)
    assert (result["created"], result["rejected"]) == (42, 0)
    assert [r["finding"] for r in result["results"][-2:]] == [None, "entitlement_override"]
    assert await stock(disaster, gudang["id"]) == {"beras": 80, "paket_keluarga": 8}
    await ledger_matches_balances(engine)
    after = await state(engine)
    assert after["distributions"] == 42 and after["distribution_lines"] == 82 and after["findings"] == 1
    assert len(await events(engine, "distributions.synced")) == 1
    # ...and once through, a third send changes nothing.
    assert (await sync(disaster, batch))["already_had"] == 42
    assert await state(engine) == after


async def test_concurrent_phones_never_overdraw(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    north = await warehouse(disaster, stock={"paket_keluarga": 30, "selimut": 30})
    south = await warehouse(disaster, region="63.71.02", stock={"paket_keluarga": 30, "selimut": 30})
    # Each phone works both warehouses, in opposite orders: the locks must still never cross.
    phones = [
        [
            record(flood, w, {"paket_keluarga": 1, "selimut": 1})
            for w in ((north, south) if n % 2 else (south, north)) * 10
        ]
        for n in range(4)
    ]
    results = await asyncio.gather(*(sync(disaster, batch) for batch in phones))
    assert sum(r["created"] for r in results) == 60 and sum(r["rejected"] for r in results) == 20
    assert all(
        r["problem"].endswith("/insufficient-stock") for res in results for r in res["results"] if r["reason"]
    )
    assert await stock(disaster, north["id"]) == {"paket_keluarga": 0, "selimut": 0}
    assert await stock(disaster, south["id"]) == {"paket_keluarga": 0, "selimut": 0}
    await ledger_matches_balances(engine)


async def test_a_phone_resending_while_the_first_send_runs(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 1000})
    batch = [record(flood, gudang, {"beras": 2.5}) for _ in range(50)]
    results = await asyncio.gather(*(sync(disaster, batch) for _ in range(3)))
    assert sorted((r["created"], r["already_had"]) for r in results) == [(0, 50), (0, 50), (50, 0)]
    assert await stock(disaster, gudang["id"]) == {"beras": 875}
    assert (await state(engine))["distributions"] == 50


# --- Victims ----------------------------------------------------------------------------------------


def victim_record(flood: dict, **extra: Any) -> dict[str, Any]:
    return {
        **victim_body(flood["id"]),
        "id": str(uuid.uuid4()),
        "registered_at": f"{STARTED + timedelta(days=1)}T07:15:00+08:00",
        **extra,
    }


async def test_victims_batch(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    known = await victim(disaster, flood["id"], nik=SITI_NIK)
    household = str(uuid.uuid4())
    batch = [
        victim_record(flood, full_name="Bapak", sex="M", household_id=household, nik="6371011501800001"),  # 0
        victim_record(flood, full_name="Ibu", household_id=household),  # 1 no documents
        victim_record(flood, nik=SITI_NIK),  # 2 already registered by another phone
        victim_record(flood, full_name="Kembar", nik="6371011501800001"),  # 3 the same NIK as record 0
        victim_record(flood, region_code="63.03.01.2001"),  # 4 outside the phone's regions
        victim_record(flood, condition="tenggelam"),  # 5 malformed
        victim_record(flood, full_name="Hilang", condition="hilang"),  # 6
    ]
    result = await sync(disaster, batch, "victims")
    assert [(r["outcome"], r["field"]) for r in result["results"]] == [
        ("created", None),
        ("created", None),
        ("rejected", "nik"),
        ("rejected", "nik"),
        ("rejected", "region_code"),
        ("rejected", "condition"),
        ("created", None),
    ]
    assert known["id"] in result["results"][2]["reason"] and batch[0]["id"] in result["results"][3]["reason"]
    assert SITI_NIK not in result["results"][2]["reason"]  # the answer names the victim, masks the NIK
    assert result["results"][2]["problem"].endswith("/victim-already-registered")
    assert result["results"][4]["problem"].endswith("/forbidden")
    registered = await events(engine, "victim.registered")
    assert {e["subject"] for e in registered} == {known["id"], batch[0]["id"], batch[1]["id"], batch[6]["id"]}
    hilang = next(e for e in registered if e["subject"] == batch[6]["id"])["payload"]
    assert hilang["condition"] == "hilang" and hilang["disaster_level"] == "regency" and hilang["nik"] is None

    before = await state(engine)
    again = await sync(disaster, batch, "victims")
    assert (again["created"], again["already_had"], again["rejected"]) == (0, 3, 4)
    assert await state(engine) == before
    stored = await disaster.get(f"/api/v1/victims/{batch[0]['id']}", headers=TAGANA)
    assert stored.status_code == 200 and stored.json()["household_id"] == household


async def test_phones_registering_the_same_people_at_once(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster, regions=["63.71", "63.03"], level="province")
    niks = [f"63710115018{n:05d}" for n in range(1, 21)]
    kota = [victim_record(flood, nik=nik, full_name=f"Warga {nik[-2:]}") for nik in niks]
    banjar = [
        victim_record(flood, nik=nik, full_name=f"Warga {nik[-2:]}", region_code="63.03.01.2001")
        for nik in niks
    ]
    results = await asyncio.gather(
        sync(disaster, kota, "victims"), sync(disaster, banjar, "victims", headers=TAGANA_BANJAR)
    )
    assert sum(r["created"] for r in results) == 20 and sum(r["rejected"] for r in results) == 20
    assert await scalar(engine, "SELECT count(DISTINCT nik) FROM disaster.victims") == 20
    assert await scalar(engine, "SELECT count(*) FROM disaster.victims") == 20
    assert len(await events(engine, "victim.registered")) == 20


async def test_quantities_add_up_exactly(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": "10.001"})
    batch = [record(flood, gudang, {"beras": "0.333"}) for _ in range(30)] + [
        record(flood, gudang, {"beras": 0.012})
    ]
    result = await sync(disaster, batch)
    assert (result["created"], result["rejected"]) == (30, 1)
    assert await scalar(engine, "SELECT quantity FROM disaster.stock_balances") == Decimal("0.011")


async def test_a_late_resend_still_finds_its_records(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    """The phone never got the answer; by the time it sends again the stock is gone and the disaster
    closed. Its records are there: "already had", not refused."""
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 2})
    distributions = [record(flood, gudang) for _ in range(2)]
    victims = [victim_record(flood, full_name=f"Warga {n}") for n in range(2)]
    assert (await sync(disaster, victims, "victims"))["created"] == 2
    assert (await sync(disaster, distributions))["created"] == 2
    etag = (await disaster.get(f"/api/v1/disasters/{flood['id']}", headers=TAGANA)).headers["etag"]
    closing = await disaster.patch(
        f"/api/v1/disasters/{flood['id']}", json={"status": "closed"}, headers={**KOTA, "If-Match": etag}
    )
    assert closing.status_code == 200
    before = await state(engine)
    assert (await sync(disaster, victims, "victims"))["already_had"] == 2
    assert (await sync(disaster, distributions))["already_had"] == 2
    late = await sync(disaster, [victim_record(flood)], "victims")
    assert late["results"][0]["problem"].endswith("/disaster-closed")
    assert await state(engine) == before
