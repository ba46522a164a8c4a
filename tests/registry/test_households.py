"""Households: one head, a person in one household at a time, a move done in one step."""

import asyncio

import httpx
import pytest
from sqlalchemy import text

from tests.registry.factory import ADMIN, fields_of, person
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")
KK = "6371011203150002"


async def family(registry: httpx.AsyncClient, kk: str = KK, size: int = 3) -> tuple[dict, list[dict]]:
    people = [await person(registry, full_name=f"Anggota {i}") for i in range(size)]
    members = [{"person_id": p["id"], "relationship": "1" if i == 0 else "3"} for i, p in enumerate(people)]
    response = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={
            "kk_number": kk,
            "region_code": "63.71.01.1001",
            "address": "Jl. Veteran 3",
            "members": members,
        },
    )
    assert response.status_code == 201, response.text
    return response.json(), people


async def test_register_household_sets_members_kk(registry: httpx.AsyncClient) -> None:
    household, people = await family(registry)
    assert [m["relationship"] for m in household["members"]] == ["1", "3", "3"]
    head = (await registry.get(f"/api/v1/people/{people[0]['id']}", headers=ADMIN)).json()
    assert head["kk_number"] == KK
    masked = (
        await registry.get(f"/api/v1/households/{household['id']}", headers=auth("viewer", regions=["63.71"]))
    ).json()
    assert masked["kk_number"] == "6371**********02"


@pytest.mark.parametrize("relationships", [["3", "3"], ["1", "1"]])
async def test_exactly_one_head(registry: httpx.AsyncClient, relationships: list[str]) -> None:
    people = [await person(registry) for _ in relationships]
    response = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={
            "kk_number": KK,
            "region_code": "63.71.01.1001",
            "members": [
                {"person_id": p["id"], "relationship": r} for p, r in zip(people, relationships, strict=True)
            ],
        },
    )
    assert response.status_code == 422 and fields_of(response) == {"members"}


async def test_bad_relationship_kk_and_region(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    member = {"person_id": someone["id"], "relationship": "9"}
    bad_code = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={"kk_number": KK, "region_code": "63.71", "members": [member]},
    )
    assert bad_code.status_code == 422 and fields_of(bad_code) == {"members.0.relationship"}
    member["relationship"] = "1"
    bad_kk = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={"kk_number": "6371013213150002", "region_code": "63.71", "members": [member]},
    )
    assert bad_kk.status_code == 422 and fields_of(bad_kk) == {"kk_number"}
    unknown = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={"kk_number": KK, "region_code": "63.71.77", "members": [member]},
    )
    assert unknown.status_code == 422 and fields_of(unknown) == {"region_code"}


async def test_person_in_one_household_at_a_time(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    _household, people = await family(registry)
    response = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={
            "kk_number": "6371011203150003",
            "region_code": "63.71.01.1001",
            "members": [{"person_id": people[1]["id"], "relationship": "1"}],
        },
    )
    assert response.status_code == 409
    async with engine.connect() as conn:  # nothing half-written: the second household is not there
        count = await conn.scalar(text("SELECT count(*) FROM registry.households"))
    assert count == 1


async def test_move_member_is_one_step(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    first, people = await family(registry)
    second, _ = await family(registry, kk="6371011203150003", size=1)
    child = people[2]
    moved = await registry.post(
        f"/api/v1/households/{second['id']}/members",
        headers=ADMIN,
        json={"person_id": child["id"], "relationship": "4"},
    )
    assert moved.status_code == 200, moved.text
    assert child["id"] in [m["person_id"] for m in moved.json()["members"]]
    left = (await registry.get(f"/api/v1/households/{first['id']}", headers=ADMIN)).json()
    assert child["id"] not in [m["person_id"] for m in left["members"]]
    assert (await registry.get(f"/api/v1/people/{child['id']}", headers=ADMIN)).json()[
        "kk_number"
    ] == "6371011203150003"
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT household_id, left_on IS NULL FROM registry.household_members "
                    "WHERE person_id = :p"
                ),
                {"p": child["id"]},
            )
        ).all()
    assert sorted((str(h), current) for h, current in rows) == sorted(
        [(first["id"], False), (second["id"], True)]
    )


async def test_concurrent_moves_leave_one_membership(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    _, people = await family(registry)
    targets = [(await family(registry, kk=f"63710112031500{10 + i}", size=1))[0] for i in range(4)]
    child = people[1]
    answers = await asyncio.gather(
        *[
            registry.post(
                f"/api/v1/households/{t['id']}/members",
                headers=ADMIN,
                json={"person_id": child["id"], "relationship": "3"},
            )
            for t in targets
        ]
    )
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    async with engine.connect() as conn:
        current = await conn.scalar(
            text("SELECT count(*) FROM registry.household_members WHERE person_id = :p AND left_on IS NULL"),
            {"p": child["id"]},
        )
    assert current == 1


async def test_head_cannot_leave_others_behind(registry: httpx.AsyncClient) -> None:
    household, people = await family(registry)
    other, _ = await family(registry, kk="6371011203150003", size=1)
    response = await registry.post(
        f"/api/v1/households/{other['id']}/members",
        headers=ADMIN,
        json={"person_id": people[0]["id"], "relationship": "2"},
    )
    assert response.status_code == 409
    second_head = await registry.post(
        f"/api/v1/households/{household['id']}/members",
        headers=ADMIN,
        json={"person_id": (await person(registry))["id"], "relationship": "1"},
    )
    assert second_head.status_code == 409


async def test_member_leaves_and_history_keeps_it(registry: httpx.AsyncClient) -> None:
    household, people = await family(registry)
    response = await registry.delete(
        f"/api/v1/households/{household['id']}/members/{people[2]['id']}", headers=ADMIN
    )
    assert response.status_code == 200
    assert people[2]["id"] not in [m["person_id"] for m in response.json()["members"]]
    assert (await registry.get(f"/api/v1/people/{people[2]['id']}", headers=ADMIN)).json()[
        "kk_number"
    ] is None
    history = (await registry.get(f"/api/v1/people/{people[2]['id']}/history", headers=ADMIN)).json()["items"]
    assert [c["action"] for c in history if c["entity_type"] == "household"] == ["join", "leave"]


async def test_members_outside_the_callers_regions_are_not_listed(registry: httpx.AsyncClient) -> None:
    household, people = await family(registry)
    elsewhere = await person(registry, full_name="Tinggal di Banjar", region_code="63.03.01.2001")
    added = await registry.post(
        f"/api/v1/households/{household['id']}/members",
        headers=ADMIN,
        json={"person_id": elsewhere["id"], "relationship": "8"},
    )
    assert added.status_code == 200 and len(added.json()["members"]) == 4
    kota = auth("regency_officer", regions=["63.71"])
    seen = (await registry.get(f"/api/v1/households/{household['id']}", headers=kota)).json()
    assert sorted(m["person_id"] for m in seen["members"]) == sorted(p["id"] for p in people)


async def test_out_of_scope_household_is_404(registry: httpx.AsyncClient) -> None:
    household, _ = await family(registry)
    banjar = auth("regency_officer", regions=["63.03"])
    assert (await registry.get(f"/api/v1/households/{household['id']}", headers=banjar)).status_code == 404
