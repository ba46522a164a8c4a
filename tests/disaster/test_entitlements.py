"""Entitlements: one family kit per household per disaster, rice 2.8 kg per person per week (the seeded
defaults, BNPB Perka 7/2008), configurable per disaster; over them a distribution is refused with the
reason, or accepted with a finding when the officer overrides with a reason."""

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.disaster.scenes import (
    BANJAR,
    KOTA,
    PROVINCE,
    SITI_NIK,
    STARTED,
    TAGANA,
    VIEWER,
    declare,
    events,
    problem,
    scalar,
    stock,
    victim,
    warehouse,
)

pytestmark = pytest.mark.usefixtures("clean")


def at_day(day: int, start: date = STARTED) -> str:
    """10:00 on day `day` of the disaster (0 = the first day), in Kalimantan's time."""
    return f"{start + timedelta(days=day)}T10:00:00+08:00"


async def give(
    client: httpx.AsyncClient, flood: dict, gudang: dict, items: dict[str, object], **recipient: Any
) -> httpx.Response:
    body = {
        "disaster_id": flood["id"],
        "warehouse_id": gudang["id"],
        "items": [{"item_code": c, "quantity": q} for c, q in items.items()],
        "distributed_at": at_day(1, date.fromisoformat(flood["started_on"])),
        **recipient,
    }
    return await client.post("/api/v1/distributions", json=body, headers=TAGANA)


async def family(client: httpx.AsyncClient, flood: dict, members: int = 4) -> tuple[str, list[dict]]:
    household = str(uuid.uuid4())
    people = [
        await victim(
            client, flood["id"], full_name=f"Anggota {n}", household_id=household, condition="mengungsi"
        )
        for n in range(members)
    ]
    return household, people


async def test_defaults_are_seeded_and_listed(disaster: httpx.AsyncClient) -> None:
    response = await disaster.get("/api/v1/entitlements", headers=VIEWER)
    assert response.status_code == 200
    rules = {r["item_code"]: (r["rule"], r["quantity"], r["unit"], r["source"]) for r in response.json()}
    assert rules["paket_keluarga"] == ("per_household_per_disaster", 1, "paket", "default")
    assert rules["beras"] == ("per_person_per_week", 2.8, "kg", "default")
    assert rules["air_minum"] == ("per_person_per_week", 17.5, "L", "default")


async def test_one_family_kit_per_household(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 10})
    household, people = await family(disaster, flood)
    first = await give(disaster, flood, gudang, {"paket_keluarga": 1}, household_id=household)
    assert first.status_code == 201, first.text
    assert first.json()["household_id"] == household

    # Another member of the same family, at another time: still the same household's kit.
    second = await give(disaster, flood, gudang, {"paket_keluarga": 1}, victim_id=people[2]["id"])
    status, kind, fields = problem(second)
    assert (status, kind, fields) == (409, "entitlement-exceeded", {"items.0.quantity"})
    detail = second.json()["detail"]
    assert f"household {household}" in detail and "1 paket per household" in detail
    assert "has received 1" in detail and "override_reason" in detail
    assert await stock(disaster, gudang["id"]) == {"paket_keluarga": 9}
    assert await scalar(engine, "SELECT count(*) FROM disaster.distributions") == 1

    # Another family gets theirs.
    other, _ = await family(disaster, flood, members=2)
    assert (await give(disaster, flood, gudang, {"paket_keluarga": 1}, household_id=other)).status_code == 201


async def test_override_with_a_reason_is_accepted_with_a_finding(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 10})
    household, people = await family(disaster, flood)
    assert (
        await give(disaster, flood, gudang, {"paket_keluarga": 1}, household_id=household)
    ).status_code == 201
    reason = "Rumah hanyut dua kali; keluarga pindah posko"
    extra = await give(
        disaster, flood, gudang, {"paket_keluarga": 1}, victim_id=people[0]["id"], override_reason=reason
    )
    assert extra.status_code == 201, extra.text
    assert extra.json()["override_reason"] == reason
    assert await stock(disaster, gudang["id"]) == {"paket_keluarga": 8}

    found = await disaster.get("/api/v1/findings", params={"subject_id": extra.json()["id"]}, headers=KOTA)
    assert found.status_code == 200
    [finding] = found.json()["items"]
    assert finding["rule"] == "entitlement_override" and finding["status"] == "open"
    assert finding["detail"]["override_reason"] == reason
    assert finding["detail"]["excess"][0]["item_code"] == "paket_keluarga"
    # The first, within the entitlement, carries none; out of scope nobody sees it.
    assert await scalar(engine, "SELECT count(*) FROM disaster.findings") == 1
    assert (await disaster.get("/api/v1/findings", headers=BANJAR)).json()["items"] == []
    # The event tells the worker why.
    recorded = await events(engine, "distribution.recorded")
    assert recorded[-1]["payload"]["override_reason"] == reason


async def test_rice_per_person_per_week_for_the_household(disaster: httpx.AsyncClient) -> None:
    start = STARTED - timedelta(days=10)  # three weeks ago
    flood = await declare(disaster, started_on=start.isoformat())
    gudang = await warehouse(disaster, stock={"beras": 1000})
    household, people = await family(disaster, flood, members=4)  # 4 × 2.8 = 11.2 kg a week
    assert (await give(disaster, flood, gudang, {"beras": 10}, household_id=household)).status_code == 201
    over = await give(disaster, flood, gudang, {"beras": 1.5}, victim_id=people[1]["id"])
    assert problem(over)[0:2] == (409, "entitlement-exceeded")
    assert "11.2 kg for 4 people" in over.json()["detail"]
    exact = await give(disaster, flood, gudang, {"beras": 1.2}, victim_id=people[1]["id"])
    assert exact.status_code == 201, exact.text
    # Day 7 is the second week of the disaster: a new week's ration.
    next_week = await give(
        disaster, flood, gudang, {"beras": 11.2}, household_id=household, distributed_at=at_day(7, start)
    )
    assert next_week.status_code == 201, next_week.text
    # A missing member does not eat: three left, 8.4 kg in the third week.
    missing = people[3]
    etag = (await disaster.get(f"/api/v1/victims/{missing['id']}", headers=TAGANA)).headers["etag"]
    gone = await disaster.patch(
        f"/api/v1/victims/{missing['id']}", json={"condition": "hilang"}, headers={**TAGANA, "If-Match": etag}
    )
    assert gone.status_code == 200
    third = await give(
        disaster, flood, gudang, {"beras": 8.5}, household_id=household, distributed_at=at_day(14, start)
    )
    assert (
        problem(third)[0:2] == (409, "entitlement-exceeded")
        and "8.4 kg for 3 people" in third.json()["detail"]
    )


async def test_a_person_who_is_a_victim_counts_as_that_victim(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 5})
    person_id = str(uuid.uuid4())
    household = str(uuid.uuid4())
    await victim(disaster, flood["id"], nik=SITI_NIK, person_id=person_id, household_id=household)
    assert (
        await give(disaster, flood, gudang, {"paket_keluarga": 1}, person_id=person_id)
    ).status_code == 201
    by_nik = await give(disaster, flood, gudang, {"paket_keluarga": 1}, nik=SITI_NIK, full_name="Siti Rahmah")
    assert problem(by_nik)[0:2] == (409, "entitlement-exceeded")
    # Someone who is not a registered victim is not checked (their household is not known).
    stranger = await give(disaster, flood, gudang, {"paket_keluarga": 2}, person_id=str(uuid.uuid4()))
    assert stranger.status_code == 201


async def test_a_disasters_own_rule_wins_over_the_default(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"paket_keluarga": 10, "selimut": 20})
    url = f"/api/v1/disasters/{flood['id']}/entitlements"
    two_kits = await disaster.put(
        f"{url}/paket_keluarga", json={"rule": "per_household_per_disaster", "quantity": 2}, headers=KOTA
    )
    assert two_kits.status_code == 200 and two_kits.json()["source"] == "disaster"
    blankets = await disaster.put(
        f"{url}/selimut", json={"rule": "per_person_per_week", "quantity": 1}, headers=KOTA
    )
    assert blankets.status_code == 200
    effective = {
        r["item_code"]: (r["quantity"], r["source"]) for r in (await disaster.get(url, headers=TAGANA)).json()
    }
    assert effective["paket_keluarga"] == (2, "disaster") and effective["beras"] == (2.8, "default")
    assert effective["selimut"] == (1, "disaster")

    household, _ = await family(disaster, flood, members=2)
    assert (
        await give(disaster, flood, gudang, {"paket_keluarga": 2}, household_id=household)
    ).status_code == 201
    assert (await give(disaster, flood, gudang, {"selimut": 3}, household_id=household)).status_code == 409
    # Back to the default: one kit, already exceeded.
    assert (await disaster.delete(f"{url}/paket_keluarga", headers=KOTA)).status_code == 204
    assert (await disaster.delete(f"{url}/paket_keluarga", headers=KOTA)).status_code == 404
    other, _ = await family(disaster, flood, members=1)
    assert (await give(disaster, flood, gudang, {"paket_keluarga": 2}, household_id=other)).status_code == 409
    unlimited = await disaster.put(f"{url}/paket_keluarga", json={"rule": "unlimited"}, headers=KOTA)
    assert unlimited.status_code == 200 and unlimited.json()["quantity"] is None
    assert (await give(disaster, flood, gudang, {"paket_keluarga": 2}, household_id=other)).status_code == 201


@pytest.mark.parametrize(
    ("item", "body", "field"),
    [
        ("rendang", {"rule": "per_person_per_week", "quantity": 1}, "item_code"),
        ("Beras", {"rule": "per_person_per_week", "quantity": 1}, "item_code"),
        ("beras", {"rule": "per_person_per_day", "quantity": 1}, "rule"),
        ("beras", {"rule": "per_person_per_week"}, "quantity"),
        ("beras", {"rule": "per_person_per_week", "quantity": 0}, "quantity"),
        ("beras", {"rule": "unlimited", "quantity": 5}, "quantity"),
    ],
)
async def test_bad_rule_is_422_naming_the_field(
    disaster: httpx.AsyncClient, item: str, body: dict, field: str
) -> None:
    response = await disaster.put(f"/api/v1/entitlements/{item}", json=body, headers=PROVINCE)
    assert problem(response)[0::2] == (422, {field}), response.text
    rules = {
        r["item_code"]: r["quantity"]
        for r in (await disaster.get("/api/v1/entitlements", headers=PROVINCE)).json()
    }
    assert rules["beras"] == 2.8


async def test_who_may_set_entitlements(disaster: httpx.AsyncClient) -> None:
    rule = {"rule": "per_person_per_week", "quantity": 3}
    for headers in (KOTA, TAGANA, VIEWER):
        assert (
            await disaster.put("/api/v1/entitlements/beras", json=rule, headers=headers)
        ).status_code == 403
    across = await declare(disaster, regions=["63.71", "63.03"], level="province")
    url = f"/api/v1/disasters/{across['id']}/entitlements/beras"
    # A regency officer sees a province-level disaster touching their regency but does not set its rules.
    assert (await disaster.put(url, json=rule, headers=KOTA)).status_code == 403
    assert (await disaster.put(url, json=rule, headers=PROVINCE)).status_code == 200
    banjar_only = await declare(disaster, regions=["63.03"], name="Banjir Martapura", headers=PROVINCE)
    hidden = f"/api/v1/disasters/{banjar_only['id']}/entitlements/beras"
    assert (await disaster.put(hidden, json=rule, headers=KOTA)).status_code == 404
    assert (await disaster.put("/api/v1/entitlements/beras", json=rule, headers=PROVINCE)).status_code == 200


async def test_phones_giving_one_household_at_once_give_one_kit(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    # Each phone draws on its own warehouse: nothing but the entitlement ties them together.
    gudangs = [await warehouse(disaster, stock={"paket_keluarga": 2}) for _ in range(6)]
    _, people = await family(disaster, flood, members=3)
    responses = await asyncio.gather(
        *(
            give(disaster, flood, gudang, {"paket_keluarga": 1}, victim_id=people[n % 3]["id"])
            for n, gudang in enumerate(gudangs)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [r.text for r in responses]
    assert all(problem(r)[1] == "entitlement-exceeded" for r in responses if r.status_code == 409)
    assert await scalar(engine, "SELECT count(*) FROM disaster.distributions") == 1
