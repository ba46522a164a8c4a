"""The disaster service's delta feed: a TAGANA phone keeps victims, sites and stock of its regions and
downloads only what changed, in scope, without skips or repeats under concurrent writes."""

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.disaster.scenes import (
    KOTA,
    TAGANA,
    TAGANA_NO_PII,
    check_in,
    declare,
    receive,
    site,
    victim,
    warehouse,
)
from tests.support import auth, eventually

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
KALTIM_TAGANA = auth("field_officer", regions=["64.71"], pii=True, sub="tagana-samarinda-1")


async def settled(engine) -> None:  # type: ignore[no-untyped-def]
    """Wait until every committed change is servable: the feed serves a change once every older
    transaction on the PostgreSQL server has finished (another test run next door delays it)."""

    async def servable() -> bool:
        async with engine.connect() as conn:
            return bool(
                await conn.scalar(
                    text(
                        "SELECT coalesce(max(xid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                        " FROM disaster.change_log"
                    )
                )
            )

    await eventually(servable, timeout=120)


async def sync(
    client: httpx.AsyncClient, headers: dict[str, str], since: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    changes: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"since": since} if since else {})}
        response = await client.get("/api/v1/changes", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        changes += body["changes"]
        since = body["next_cursor"] or since
        if not body["more"]:
            return changes, since


async def test_victims_sites_and_stock_of_my_regions_only(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    kaltim = await declare(disaster, regions=["64.71"], headers=ADMIN, name="Banjir Samarinda")
    siti = await victim(disaster, flood["id"], nik="6371014506850001")
    await victim(disaster, kaltim["id"], headers=KALTIM_TAGANA, region_code="64.71.01.1001")
    posko = await site(disaster, flood["id"])
    gudang = await warehouse(disaster, stock={"beras": 100})
    lumbung = await disaster.post(
        "/api/v1/warehouses", json={"name": "Gudang Samarinda", "region_code": "64.71.01"}, headers=ADMIN
    )
    assert lumbung.status_code == 201, lumbung.text

    await settled(engine)
    first, cursor = await sync(disaster, TAGANA_NO_PII)
    assert {(c["entity"], c["id"], c["op"]) for c in first} == {
        ("victim", siti["id"], "upsert"),
        ("site", posko["id"], "upsert"),
        ("stock", gudang["id"], "upsert"),
    }
    by_entity = {c["entity"]: c for c in first}
    assert by_entity["victim"]["record"]["nik"] != "6371014506850001"  # masked: no pii:read
    assert by_entity["victim"]["record"]["birth_date"] is None
    assert by_entity["stock"]["record"]["items"] == [{"item_code": "beras", "unit": "kg", "quantity": 100}]
    registered = by_entity["victim"]["record"]["registered_at"]
    assert registered.endswith("+08:00") and datetime.fromisoformat(registered) == datetime.fromisoformat(
        siti["registered_at"]
    )

    # A check-in changes the victim (its site) and the site (its headcount); a receipt, the stock.
    assert (await check_in(disaster, posko["id"], siti["id"])).status_code == 201
    await receive(disaster, gudang["id"], "beras", 20)
    received = await disaster.post(
        f"/api/v1/warehouses/{lumbung.json()['id']}/receipts",
        json={"item_code": "beras", "quantity": 5},
        headers=ADMIN,
    )
    assert received.status_code == 201, received.text
    await settled(engine)
    delta, _ = await sync(disaster, TAGANA, cursor)
    assert {(c["entity"], c["id"]) for c in delta} == {
        ("victim", siti["id"]),
        ("site", posko["id"]),
        ("stock", gudang["id"]),
    }
    current = {c["entity"]: c["record"] for c in delta}
    assert current["victim"]["site_id"] == posko["id"] and current["victim"]["nik"] == "6371014506850001"
    assert current["stock"]["items"][0]["quantity"] == 120

    # The Samarinda volunteer sees Samarinda only.
    theirs, _ = await sync(disaster, KALTIM_TAGANA)
    assert {c["entity"] for c in theirs} == {"victim", "stock"}
    assert all(c["record"]["region_code"].startswith("64.71") for c in theirs if c["entity"] == "victim")


async def test_a_victim_moved_out_of_my_regions_is_a_tombstone(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster, regions=["63.71", "63.03"])
    siti = await victim(disaster, flood["id"])
    await settled(engine)
    _, cursor = await sync(disaster, TAGANA)
    async with engine.begin() as conn:  # any write path is logged, not only the API's
        await conn.execute(
            text("UPDATE disaster.victims SET region_code = '63.03.01.2001' WHERE id = :id"),
            {"id": siti["id"]},
        )
    await settled(engine)
    delta, _ = await sync(disaster, TAGANA, cursor)
    assert [(c["id"], c["op"], c["record"]) for c in delta] == [(siti["id"], "tombstone", None)]


async def test_a_malformed_cursor_is_a_422_naming_since(disaster: httpx.AsyncClient) -> None:
    response = await disaster.get("/api/v1/changes", params={"since": "garbage"}, headers=KOTA)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["since"]
    region = await disaster.get("/api/v1/changes", params={"region": "63-71"}, headers=KOTA)
    assert region.status_code == 422 and [e["field"] for e in region.json()["errors"]] == ["region"]


async def test_concurrent_registrations_are_each_served_once(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    created: list[str] = []
    served: list[str] = []
    writing = True

    async def register(n: int) -> None:
        for i in range(6):
            created.append((await victim(disaster, flood["id"], full_name=f"Korban {n}-{i}"))["id"])

    async def read() -> str | None:
        cursor = None
        while writing:
            changes, cursor = await sync(disaster, TAGANA, cursor, limit=4)
            served.extend(c["id"] for c in changes)
            await asyncio.sleep(0.01)
        return cursor

    reader = asyncio.create_task(read())
    await asyncio.gather(*(register(n) for n in range(4)))
    writing = False
    cursor = await reader
    await settled(engine)
    changes, _ = await sync(disaster, TAGANA, cursor, limit=4)
    served.extend(c["id"] for c in changes)
    assert sorted(served) == sorted(created)
