"""KUBE groups (5 to 20 households, one active KUBE per family), their aid and its reported use;
WRSE/PRSE aid to women assessed as PPKS 23."""

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest

from tests.programs.helpers import (
    BANJAR,
    KOTA,
    PROVINCE,
    TODAY,
    VIEWER,
    count,
    feed_assessment,
    outbox,
    problem_fields,
    problem_type,
)
from tests.support import auth

FORMED = (TODAY - timedelta(days=60)).isoformat()
LAST_MONTH = (TODAY - timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def households(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


async def kube(
    client: httpx.AsyncClient, members: list[str] | None = None, **overrides: object
) -> httpx.Response:
    body = {
        "name": "KUBE Maju Bersama",
        "business": "Warung sembako",
        "region_code": "63.71.01.1001",
        "formed_on": FORMED,
        "household_ids": members if members is not None else households(10),
        **overrides,
    }
    return await client.post("/api/v1/kube-groups", json=body, headers=PROVINCE)


async def test_kube_of_five_to_twenty_households(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    members = households(5)
    response = await kube(programs, members)
    assert response.status_code == 201, response.text
    group = response.json()
    assert group["status"] == "active" and sorted(group["household_ids"]) == sorted(members)
    assert (await kube(programs, households(20))).status_code == 201
    for size in (4, 21, 0):
        too = await kube(programs, households(size))
        assert too.status_code == 422 and problem_fields(too) == {"household_ids"}
    twice = households(5)
    twice[4] = twice[0]
    dup = await kube(programs, twice)
    assert dup.status_code == 422 and problem_fields(dup) == {"household_ids"}
    future = await kube(programs, formed_on=(TODAY + timedelta(days=2)).isoformat())
    assert future.status_code == 422 and problem_fields(future) == {"formed_on"}
    assert await count(engine, "kube_groups") == 2
    assert len(await outbox(engine, "kube.created")) == 2


async def test_one_family_in_one_active_kube(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    members = households(5)
    first = (await kube(programs, members)).json()
    elsewhere = await kube(programs, [members[0], *households(4)])
    assert elsewhere.status_code == 409 and problem_type(elsewhere) == "household-in-another-kube"
    assert members[0] in elsewhere.json()["detail"]
    assert await count(engine, "kube_groups") == 1  # nothing half-written

    second = (await kube(programs, households(5))).json()
    join = await programs.post(
        f"/api/v1/kube-groups/{second['id']}/members",
        json={"household_id": members[1], "joined_on": YESTERDAY},
        headers=PROVINCE,
    )
    assert join.status_code == 409 and problem_type(join) == "household-in-another-kube"

    # Racing to put one family in two new groups: one wins.
    shared = str(uuid.uuid4())
    racing = await asyncio.gather(*(kube(programs, [shared, *households(4)]) for _ in range(4)))
    assert sorted(r.status_code for r in racing) == [201, 409, 409, 409]

    # Dissolving frees the families.
    dissolved = await programs.post(
        f"/api/v1/kube-groups/{first['id']}/dissolve", json={"dissolved_on": YESTERDAY}, headers=PROVINCE
    )
    assert dissolved.status_code == 200 and dissolved.json()["status"] == "dissolved"
    assert dissolved.json()["household_ids"] == []
    assert (await kube(programs, members)).status_code == 201
    again = await programs.post(
        f"/api/v1/kube-groups/{first['id']}/dissolve", json={"dissolved_on": YESTERDAY}, headers=PROVINCE
    )
    assert again.status_code == 409 and problem_type(again) == "kube-dissolved"


async def test_members_join_and_leave_within_five_to_twenty(programs: httpx.AsyncClient) -> None:
    group = (await kube(programs, households(19))).json()
    url = f"/api/v1/kube-groups/{group['id']}/members"
    twentieth = str(uuid.uuid4())
    ok = await programs.post(url, json={"household_id": twentieth, "joined_on": YESTERDAY}, headers=PROVINCE)
    assert ok.status_code == 200 and len(ok.json()["household_ids"]) == 20
    full = await programs.post(
        url, json={"household_id": str(uuid.uuid4()), "joined_on": YESTERDAY}, headers=PROVINCE
    )
    assert full.status_code == 409 and problem_type(full) == "kube-full"
    early = await programs.post(
        url, json={"household_id": str(uuid.uuid4()), "joined_on": "2000-01-01"}, headers=PROVINCE
    )
    assert early.status_code == 422 and problem_fields(early) == {"joined_on"}

    small = (await kube(programs, households(6))).json()
    leave = f"/api/v1/kube-groups/{small['id']}/members"
    left = await programs.post(
        f"{leave}/{small['household_ids'][0]}/leave", json={"left_on": YESTERDAY}, headers=PROVINCE
    )
    assert left.status_code == 200 and len(left.json()["household_ids"]) == 5
    refused = await programs.post(
        f"{leave}/{small['household_ids'][1]}/leave", json={"left_on": YESTERDAY}, headers=PROVINCE
    )
    assert refused.status_code == 409 and problem_type(refused) == "kube-too-small"
    stranger = await programs.post(
        f"{leave}/{uuid.uuid4()}/leave", json={"left_on": YESTERDAY}, headers=PROVINCE
    )
    assert stranger.status_code == 404
    # The family that left may join another KUBE.
    assert (await kube(programs, [small["household_ids"][0], *households(4)])).status_code == 201


async def test_kube_aid_and_its_use_never_exceed_what_was_given(programs: httpx.AsyncClient) -> None:
    group = (await kube(programs)).json()
    aid = await programs.post(
        f"/api/v1/kube-groups/{group['id']}/aids",
        json={"amount": 20_000_000, "given_on": LAST_MONTH, "description": "Bantuan usaha KUBE 2026"},
        headers=PROVINCE,
    )
    assert aid.status_code == 201, aid.text
    assert aid.json()["used"] == 0 and aid.json()["remaining"] == 20_000_000
    uses = f"/api/v1/kube-aids/{aid.json()['id']}/uses"
    first = await programs.post(
        uses,
        json={
            "used_on": YESTERDAY,
            "amount": 15_000_000,
            "purpose": "Etalase dan stok awal",
            "evidence": "Nota 118",
        },
        headers=PROVINCE,
    )
    assert first.status_code == 201, first.text
    over = await programs.post(
        uses, json={"used_on": YESTERDAY, "amount": 5_000_001, "purpose": "Sewa kios"}, headers=PROVINCE
    )
    assert over.status_code == 409 and problem_type(over) == "aid-overspent"
    for body, field in [
        ({"used_on": "2000-01-01", "amount": 1, "purpose": "Sewa kios"}, "used_on"),
        ({"used_on": YESTERDAY, "amount": 1, "purpose": ""}, "purpose"),
        ({"used_on": YESTERDAY, "amount": -1, "purpose": "Sewa kios"}, "amount"),
    ]:
        response = await programs.post(uses, json=body, headers=PROVINCE)
        assert response.status_code == 422 and problem_fields(response) == {field}, (body, response.text)
    racing = await asyncio.gather(
        *(
            programs.post(
                uses,
                json={"used_on": YESTERDAY, "amount": 2_000_000, "purpose": "Sewa kios"},
                headers=PROVINCE,
            )
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in racing) == [201, 201, 409, 409]
    listed = (await programs.get(f"/api/v1/kube-groups/{group['id']}/aids", headers=VIEWER)).json()
    assert [(a["used"], a["remaining"]) for a in listed] == [(19_000_000, 1_000_000)]
    assert len((await programs.get(uses, headers=VIEWER)).json()) == 3
    unknown_program = await programs.post(
        f"/api/v1/kube-groups/{group['id']}/aids",
        json={"amount": 1, "given_on": LAST_MONTH, "program_id": str(uuid.uuid4())},
        headers=PROVINCE,
    )
    assert unknown_program.status_code == 422 and problem_fields(unknown_program) == {"program_id"}


async def test_kube_scope(programs: httpx.AsyncClient) -> None:
    group = (await kube(programs)).json()
    assert (await programs.get(f"/api/v1/kube-groups/{group['id']}", headers=KOTA)).status_code == 200
    assert (await programs.get(f"/api/v1/kube-groups/{group['id']}", headers=BANJAR)).status_code == 404
    assert (await programs.get("/api/v1/kube-groups", headers=BANJAR)).json()["items"] == []
    outside = await programs.post(
        "/api/v1/kube-groups",
        json={
            "name": "KUBE",
            "business": "Ternak itik",
            "region_code": "63.03.01",
            "formed_on": FORMED,
            "household_ids": households(5),
        },
        headers=KOTA,
    )
    assert outside.status_code == 403
    aid = await programs.post(
        f"/api/v1/kube-groups/{group['id']}/aids", json={"amount": 1, "given_on": LAST_MONTH}, headers=BANJAR
    )
    assert aid.status_code == 404


# --- WRSE / PRSE ------------------------------------------------------------------------------------


async def wrse(
    client: httpx.AsyncClient, person: uuid.UUID, headers: dict = PROVINCE, **body: object
) -> httpx.Response:
    payload = {
        "person_id": str(person),
        "kind": "cash",
        "amount": 2_500_000,
        "business": "Kue basah",
        "given_on": YESTERDAY,
    }
    return await client.post("/api/v1/wrse-aids", json={**payload, **body}, headers=headers)


async def test_wrse_aid_goes_to_women_assessed_as_ppks_23(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    widow = uuid.uuid4()
    assessment = await feed_assessment(programs, person_id=widow, ppks_type="23", assessed_on=LAST_MONTH)
    response = await wrse(programs, widow)
    assert response.status_code == 201, response.text
    assert response.json()["assessment_id"] == assessment["assessment_id"]
    assert response.json()["region_code"] == "63.71.01.1001"
    assert len(await outbox(engine, "wrse_aid.recorded")) == 1

    man = uuid.uuid4()
    await feed_assessment(programs, person_id=man, ppks_type="23", sex="M", assessed_on=LAST_MONTH)
    poor = uuid.uuid4()
    other_type = await feed_assessment(programs, person_id=poor, ppks_type="24", assessed_on=LAST_MONTH)
    later = uuid.uuid4()
    await feed_assessment(programs, person_id=later, ppks_type="23", assessed_on=TODAY.isoformat())
    cases = [
        (man, {}, "person_id"),
        (poor, {}, "person_id"),
        (poor, {"assessment_id": other_type["assessment_id"]}, "assessment_id"),
        (uuid.uuid4(), {}, "person_id"),  # unknown here
        (widow, {"assessment_id": str(uuid.uuid4())}, "assessment_id"),
        (later, {}, "person_id"),  # assessed after the aid was given
        (widow, {"given_on": (TODAY + timedelta(days=2)).isoformat()}, "given_on"),
        (widow, {"kind": "voucher"}, "kind"),
        (widow, {"amount": 0}, "amount"),
    ]
    for person, body, field in cases:
        refused = await wrse(programs, person, **body)
        assert refused.status_code == 422 and problem_fields(refused) == {field}, (body, refused.text)
    assert await count(engine, "wrse_aids") == 1

    banjar = await wrse(programs, widow, headers=BANJAR)
    assert banjar.status_code == 403
    listed = (await programs.get("/api/v1/wrse-aids", params={"person_id": str(widow)}, headers=KOTA)).json()
    assert len(listed["items"]) == 1
    assert (await programs.get("/api/v1/wrse-aids", headers=BANJAR)).json()["items"] == []


@pytest.mark.parametrize("role", ["viewer", "institution_operator"])
async def test_readers_do_not_give_aid(programs: httpx.AsyncClient, role: str) -> None:
    widow = uuid.uuid4()
    await feed_assessment(programs, person_id=widow, ppks_type="23", assessed_on=LAST_MONTH)
    assert (await wrse(programs, widow, headers=auth(role, regions=["63"]))).status_code == 403
    assert (await kube(programs)).status_code == 201
