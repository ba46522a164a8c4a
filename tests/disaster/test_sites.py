"""Evacuation sites: capacity from the covered area, one site per person at a time (also when two
phones check the same person in at once), a live headcount and the Sphere/BNPB warnings."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.disaster.scenes import (
    BANJAR,
    KOTA,
    PROVINCE,
    SITI_NIK,
    TAGANA,
    TODAY,
    check_in,
    declare,
    events,
    problem,
    scalar,
    site,
    victim,
)

pytestmark = pytest.mark.usefixtures("clean")


def born(years_ago: int) -> str:
    return TODAY.replace(year=TODAY.year - years_ago, day=1).isoformat()


async def summary(client: httpx.AsyncClient, site_id: str) -> dict:
    response = await client.get(f"/api/v1/sites/{site_id}", headers=KOTA)
    assert response.status_code == 200, response.text
    return response.json()


async def test_headcount_by_sex_and_age_group(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    posko = await site(disaster, flood["id"], covered_area_m2=350, toilets=5, water_liters_per_day=1500)
    assert posko["capacity"] == 100 and posko["warnings"] == [] and posko["headcount"]["total"] == 0
    people = [
        await victim(disaster, flood["id"], full_name="Ibu", sex="F", birth_date=born(30), pregnant=True),
        await victim(disaster, flood["id"], full_name="Anak", sex="M", birth_date=born(7)),
        await victim(disaster, flood["id"], full_name="Remaja", sex="F", birth_date=born(17)),
        await victim(disaster, flood["id"], full_name="Nenek", sex="F", birth_date=born(70), disability=True),
        await victim(disaster, flood["id"], full_name="Tanpa dokumen", sex="M"),
    ]
    for person in people:
        response = await check_in(disaster, posko["id"], person["id"])
        assert response.status_code == 201, response.text
    assert (await summary(disaster, posko["id"]))["headcount"] == {
        "total": 5,
        "male": 2,
        "female": 3,
        "children": 2,
        "adults": 1,
        "elderly": 1,
        "age_unknown": 1,
        "pregnant": 1,
        "disability": 1,
    }
    out = await disaster.post(
        f"/api/v1/sites/{posko['id']}/check-outs", json={"victim_id": people[1]["id"]}, headers=TAGANA
    )
    assert out.status_code == 200 and out.json()["checked_out_at"]
    counted = (await summary(disaster, posko["id"]))["headcount"]
    assert counted["total"] == 4 and counted["children"] == 1 and counted["male"] == 1
    inside = await disaster.get("/api/v1/victims", params={"site_id": posko["id"]}, headers=KOTA)
    assert len(inside.json()["items"]) == 4
    assert all(v["site_id"] == posko["id"] for v in inside.json()["items"])


async def test_sphere_and_bnpb_warnings(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    # 7 m² holds 2 people; 1 toilet; 40 L a day.
    cramped = await site(disaster, flood["id"], covered_area_m2=7, toilets=1, water_liters_per_day=40)
    assert cramped["capacity"] == 2
    for n in range(3):
        person = await victim(disaster, flood["id"], full_name=f"Pengungsi {n}")
        assert (await check_in(disaster, cramped["id"], person["id"])).status_code == 201
    read = await summary(disaster, cramped["id"])
    assert {w["code"] for w in read["warnings"]} == {"over_capacity", "water"}
    assert "3 people for a capacity of 2" in next(
        w["message"] for w in read["warnings"] if w["code"] == "over_capacity"
    )
    assert "13.3 L" in next(w["message"] for w in read["warnings"] if w["code"] == "water")

    no_toilet = await site(disaster, flood["id"], name="Tenda darurat", toilets=0, water_liters_per_day=1000)
    person = await victim(disaster, flood["id"], full_name="Satu orang")
    assert (await check_in(disaster, no_toilet["id"], person["id"])).status_code == 201
    assert [w["code"] for w in (await summary(disaster, no_toilet["id"]))["warnings"]] == ["toilets"]

    crowded = await site(
        disaster, flood["id"], name="Aula", covered_area_m2=350, toilets=1, water_liters_per_day=5000
    )
    for n in range(21):
        person = await victim(disaster, flood["id"], full_name=f"Warga {n}")
        assert (await check_in(disaster, crowded["id"], person["id"])).status_code == 201
    warnings = (await summary(disaster, crowded["id"]))["warnings"]
    assert [w["code"] for w in warnings] == ["toilets"] and "21.0 people per toilet" in warnings[0]["message"]


async def test_a_person_is_at_one_site_at_a_time(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    first = await site(disaster, flood["id"], name="Posko A")
    second = await site(disaster, flood["id"], name="Posko B")
    siti = await victim(disaster, flood["id"], nik=SITI_NIK)
    assert (await check_in(disaster, first["id"], siti["id"])).status_code == 201
    elsewhere = await check_in(disaster, second["id"], siti["id"])
    assert problem(elsewhere) == (409, "already-checked-in", {"victim_id"})
    assert first["id"] in elsewhere.json()["detail"]
    here_again = await check_in(disaster, first["id"], siti["id"])
    assert problem(here_again)[0:2] == (409, "already-checked-in") and "here" in here_again.json()["detail"]
    wrong_site_out = await disaster.post(
        f"/api/v1/sites/{second['id']}/check-outs", json={"victim_id": siti["id"]}, headers=TAGANA
    )
    assert problem(wrong_site_out) == (409, "not-checked-in", {"victim_id"})
    moved_out = await disaster.post(
        f"/api/v1/sites/{first['id']}/check-outs", json={"victim_id": siti["id"]}, headers=TAGANA
    )
    assert moved_out.status_code == 200
    assert (await check_in(disaster, second["id"], siti["id"])).status_code == 201
    assert await scalar(engine, "SELECT count(*) FROM disaster.site_stays WHERE checked_out_at IS NULL") == 1


async def test_two_phones_checking_one_person_in_at_once(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    sites = [await site(disaster, flood["id"], name=f"Posko {n}") for n in range(4)]
    siti = await victim(disaster, flood["id"])
    responses = await asyncio.gather(
        *(check_in(disaster, s["id"], siti["id"]) for s in sites for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [r.text for r in responses]
    assert await scalar(engine, "SELECT count(*) FROM disaster.site_stays") == 1
    total = sum([(await summary(disaster, s["id"]))["headcount"]["total"] for s in sites])
    assert total == 1


async def test_checking_in_makes_an_affected_victim_displaced(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    posko = await site(disaster, flood["id"])
    siti = await victim(disaster, flood["id"], condition="terdampak")
    assert (await check_in(disaster, posko["id"], siti["id"])).status_code == 201
    read = (await disaster.get(f"/api/v1/victims/{siti['id']}", headers=TAGANA)).json()
    assert read["condition"] == "mengungsi" and read["site_id"] == posko["id"]
    updated = await events(engine, "victim.updated")
    assert [(e["payload"]["condition"], e["payload"]["changed"]) for e in updated] == [
        ("mengungsi", ["condition"])
    ]


async def test_dead_or_missing_are_not_checked_in_and_leave_when_it_happens(
    disaster: httpx.AsyncClient,
) -> None:
    flood = await declare(disaster)
    posko = await site(disaster, flood["id"])
    missing = await victim(disaster, flood["id"], condition="hilang")
    refused = await check_in(disaster, posko["id"], missing["id"])
    assert problem(refused) == (409, "victim-not-present", {"victim_id"})

    siti = await victim(disaster, flood["id"], full_name="Siti", condition="mengungsi")
    assert (await check_in(disaster, posko["id"], siti["id"])).status_code == 201
    etag = (await disaster.get(f"/api/v1/victims/{siti['id']}", headers=TAGANA)).headers["etag"]
    died = await disaster.patch(
        f"/api/v1/victims/{siti['id']}", json={"condition": "meninggal"}, headers={**TAGANA, "If-Match": etag}
    )
    assert died.status_code == 200 and died.json()["site_id"] is None
    assert (await summary(disaster, posko["id"]))["headcount"]["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"covered_area_m2": 0}, "covered_area_m2"),
        ({"covered_area_m2": -3}, "covered_area_m2"),
        ({"toilets": -1}, "toilets"),
        ({"water_liters_per_day": "banyak"}, "water_liters_per_day"),
        ({"latitude": 91}, "latitude"),
        ({"region_code": "6371"}, "region_code"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_site_is_422_naming_the_field(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    body: dict,
    field: str,
) -> None:
    flood = await declare(disaster)
    payload = {
        "disaster_id": flood["id"],
        "name": "Posko",
        "region_code": "63.71.01.1001",
        "covered_area_m2": 35,
        "toilets": 1,
        "water_liters_per_day": 300,
        **body,
    }
    response = await disaster.post("/api/v1/sites", json=payload, headers=KOTA)
    assert problem(response)[0::2] == (422, {field})
    assert await scalar(engine, "SELECT count(*) FROM disaster.evacuation_sites") == 0


async def test_bad_check_ins(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    fire = await declare(disaster, name="Kebakaran", kind="kebakaran")
    posko = await site(disaster, flood["id"])
    other = await victim(disaster, fire["id"])
    siti = await victim(disaster, flood["id"])
    wrong_disaster = await check_in(disaster, posko["id"], other["id"])
    assert problem(wrong_disaster)[0::2] == (422, {"victim_id"})
    unknown = await check_in(disaster, posko["id"], str(uuid.uuid4()))
    assert problem(unknown)[0:2] == (404, "not-found")
    future = await check_in(
        disaster, posko["id"], siti["id"], at=(datetime.now(UTC) + timedelta(hours=2)).isoformat()
    )
    assert problem(future)[0::2] == (422, {"at"})
    naive = await check_in(disaster, posko["id"], siti["id"], at="2026-11-20T10:00:00")
    assert problem(naive)[0::2] == (422, {"at"})
    assert await scalar(engine, "SELECT count(*) FROM disaster.site_stays") == 0


async def test_closing_a_site(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    posko = await site(disaster, flood["id"])
    siti = await victim(disaster, flood["id"])
    assert (await check_in(disaster, posko["id"], siti["id"])).status_code == 201
    url = f"/api/v1/sites/{posko['id']}"
    etag = (await disaster.get(url, headers=KOTA)).headers["etag"]
    not_empty = await disaster.patch(url, json={"status": "closed"}, headers={**KOTA, "If-Match": etag})
    assert problem(not_empty) == (409, "site-not-empty", {"status"})
    more_room = await disaster.patch(url, json={"covered_area_m2": 70}, headers={**KOTA, "If-Match": etag})
    assert more_room.status_code == 200 and more_room.json()["capacity"] == 20
    stale = await disaster.patch(url, json={"toilets": 3}, headers={**KOTA, "If-Match": etag})
    assert stale.status_code == 412
    await disaster.post(f"{url}/check-outs", json={"victim_id": siti["id"]}, headers=TAGANA)
    closed = await disaster.patch(
        url, json={"status": "closed"}, headers={**KOTA, "If-Match": more_room.headers["etag"]}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    refused = await check_in(disaster, posko["id"], siti["id"])
    assert problem(refused)[0:2] == (409, "site-closed")


async def test_sites_are_scoped(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster, regions=["63.71", "63.03"], level="province")
    kota = await site(disaster, flood["id"])
    outside = await disaster.post(
        "/api/v1/sites",
        json={
            "disaster_id": flood["id"],
            "name": "Posko Martapura",
            "region_code": "63.03.01",
            "covered_area_m2": 100,
            "toilets": 2,
            "water_liters_per_day": 500,
        },
        headers=KOTA,
    )
    assert outside.status_code == 403
    assert (await disaster.get(f"/api/v1/sites/{kota['id']}", headers=BANJAR)).status_code == 404
    assert (await disaster.get("/api/v1/sites", headers=BANJAR)).json()["items"] == []
    listed = await disaster.get("/api/v1/sites", params={"disaster_id": flood["id"]}, headers=PROVINCE)
    assert [s["id"] for s in listed.json()["items"]] == [kota["id"]]
