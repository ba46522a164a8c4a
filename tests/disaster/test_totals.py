"""Totals on lists: exact up to TOTAL_CAP, then a flagged lower bound; always within the caller's scope."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import TOTAL_CAP, capped_total
from tests.disaster.scenes import (
    BANJAR,
    KOTA,
    PROVINCE,
    TAGANA,
    TAGANA_BANJAR,
    declare,
    site,
    victim,
    warehouse,
)

pytestmark = pytest.mark.usefixtures("clean")


async def test_sites_list_counts_what_the_filters_and_scope_keep(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster, regions=["63.71", "63.03"])
    for n in range(3):
        await site(disaster, flood["id"], name=f"Posko {n}")
    martapura = {
        "disaster_id": flood["id"],
        "name": "Posko Martapura",
        "region_code": "63.03.01.2001",
        "covered_area_m2": 35,
        "toilets": 1,
        "water_liters_per_day": 300,
    }
    assert (await disaster.post("/api/v1/sites", json=martapura, headers=PROVINCE)).status_code == 201

    first = (await disaster.get("/api/v1/sites", params={"limit": 2}, headers=KOTA)).json()
    assert len(first["items"]) == 2 and first["total"] == 3 and first["total_is_lower_bound"] is False
    second = (
        await disaster.get("/api/v1/sites", params={"limit": 2, "cursor": first["next_cursor"]}, headers=KOTA)
    ).json()
    assert len(second["items"]) == 1 and second["total"] == 3  # the total of the list, not of the page
    assert (await disaster.get("/api/v1/sites", headers=BANJAR)).json()["total"] == 1
    closed = (await disaster.get("/api/v1/sites", params={"status": "closed"}, headers=KOTA)).json()
    assert closed["items"] == [] and closed["total"] == 0


async def test_past_the_cap_the_total_is_a_flagged_lower_bound(engine) -> None:  # type: ignore[no-untyped-def]
    async with AsyncSession(engine) as session:
        assert await capped_total(session, select(func.generate_series(1, TOTAL_CAP))) == (TOTAL_CAP, False)
        assert await capped_total(session, select(func.generate_series(1, TOTAL_CAP + 1))) == (
            TOTAL_CAP,
            True,
        )
        assert await capped_total(session, select(func.generate_series(1, 3 * TOTAL_CAP))) == (
            TOTAL_CAP,
            True,
        )


async def test_victims_and_distributions_lists_count_within_scope(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster, regions=["63.71", "63.03"])
    for n in range(3):
        await victim(disaster, flood["id"], full_name=f"Korban {n}", condition="mengungsi" if n else "luka")
    await victim(disaster, flood["id"], headers=TAGANA_BANJAR, region_code="63.03.01.2001")
    first = (await disaster.get("/api/v1/victims", params={"limit": 2}, headers=KOTA)).json()
    assert len(first["items"]) == 2 and (first["total"], first["total_is_lower_bound"]) == (3, False)
    later = await disaster.get(
        "/api/v1/victims", params={"limit": 2, "cursor": first["next_cursor"]}, headers=KOTA
    )
    assert later.json()["total"] == 3
    hurt = (await disaster.get("/api/v1/victims", params={"condition": "luka"}, headers=KOTA)).json()
    assert hurt["total"] == 1
    assert (await disaster.get("/api/v1/victims", headers=PROVINCE)).json()["total"] == 4

    gudang = await warehouse(disaster, stock={"beras": 10})
    for _ in range(2):
        given = await disaster.post(
            "/api/v1/distributions",
            json={
                "disaster_id": flood["id"],
                "warehouse_id": gudang["id"],
                "person_id": str(uuid.uuid4()),
                "items": [{"item_code": "beras", "quantity": 1}],
            },
            headers=TAGANA,
        )
        assert given.status_code == 201, given.text
    listed = (await disaster.get("/api/v1/distributions", params={"limit": 1}, headers=KOTA)).json()
    assert len(listed["items"]) == 1 and listed["total"] == 2
    assert (await disaster.get("/api/v1/distributions", headers=BANJAR)).json()["total"] == 0
