"""Victims: registered with or without documents, once per disaster however many phones send them,
masked for those without PII access, missing → found, and the events the programs service counts."""

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
    STARTED,
    TAGANA,
    TAGANA_BANJAR,
    TAGANA_NO_PII,
    TODAY,
    VIEWER,
    declare,
    events,
    problem,
    scalar,
    victim,
    victim_body,
)

pytestmark = pytest.mark.usefixtures("clean")

EVENT_KEYS = {
    "victim_id",
    "disaster_id",
    "disaster_level",
    "person_id",
    "nik",
    "full_name",
    "condition",
    "region_code",
    "registered_at",
}


async def victims_stored(engine) -> int:  # type: ignore[no-untyped-def]
    return int(await scalar(engine, "SELECT count(*) FROM disaster.victims"))


async def test_register_with_and_without_documents(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    household = str(uuid.uuid4())
    mother = await victim(
        disaster,
        flood["id"],
        nik=SITI_NIK,
        kk_number="6371010101200003",
        birth_date="1985-06-05",
        household_id=household,
        condition="mengungsi",
        pregnant=True,
    )
    assert (
        mother["nik"] == SITI_NIK and mother["birth_date"] == "1985-06-05" and mother["age_group"] == "adult"
    )
    assert mother["household_id"] == household and mother["pregnant"] is True and mother["site_id"] is None
    assert mother["match_status"] is None and mother["recorded_by"] == "tagana-kota-1"
    # Documents lost in the flood: no NIK, no birth date; the age is then unknown.
    child = await victim(
        disaster,
        flood["id"],
        full_name="Anak Tanpa Dokumen",
        sex="M",
        household_id=household,
        condition="luka",
    )
    assert child["nik"] is None and child["age_group"] == "unknown"
    grandfather = await victim(
        disaster,
        flood["id"],
        full_name="Kakek",
        sex="M",
        birth_date="1950-01-01",
        person_id=str(uuid.uuid4()),
    )
    assert grandfather["age_group"] == "elderly" and grandfather["match_status"] == "client_linked"

    read = await disaster.get(f"/api/v1/victims/{mother['id']}", headers=TAGANA)
    assert read.status_code == 200 and read.json() == mother and read.headers["etag"]
    family = await disaster.get("/api/v1/victims", params={"household_id": household}, headers=TAGANA)
    assert {v["id"] for v in family.json()["items"]} == {mother["id"], child["id"]}

    registered = await events(engine, "victim.registered")
    assert len(registered) == 3
    payload = next(e["payload"] for e in registered if e["subject"] == mother["id"])
    assert EVENT_KEYS <= set(payload)
    assert payload["victim_id"] == mother["id"] and payload["disaster_level"] == "regency"
    assert payload["nik"] == SITI_NIK and payload["condition"] == "mengungsi" and payload["person_id"] is None
    assert payload["disaster_id"] == flood["id"] and payload["region_code"] == "63.71.01.1001"
    assert payload["birth_date"] == "1985-06-05" and payload["household_id"] == household


async def test_personal_data_masked_without_pii(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    siti = await victim(
        disaster,
        flood["id"],
        nik=SITI_NIK,
        kk_number="6371010101200003",
        birth_date="1985-06-05",
        disability=True,
    )
    for response in (
        await disaster.get(f"/api/v1/victims/{siti['id']}", headers=TAGANA_NO_PII),
        await disaster.get("/api/v1/victims", headers=VIEWER),
    ):
        assert response.status_code == 200
        assert SITI_NIK not in response.text and "1985-06-05" not in response.text
    masked = (await disaster.get(f"/api/v1/victims/{siti['id']}", headers=TAGANA_NO_PII)).json()
    assert masked["nik"] == "6371**********01" and masked["kk_number"] == "6371**********03"
    assert masked["birth_date"] is None and masked["disability"] is None and masked["pregnant"] is None
    assert masked["age_group"] == "adult"  # the group is shown, the date is not


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"nik": "637101450685"}, "nik"),
        ({"nik": "６３７１０１４５０６８５０００１"}, "nik"),  # full-width digits are not a NIK
        ({"kk_number": "63710101012000"}, "kk_number"),
        ({"sex": "X"}, "sex"),
        ({"condition": "sakit"}, "condition"),
        ({"full_name": " "}, "full_name"),
        ({"region_code": "63-71"}, "region_code"),
        ({"region_code": "63.71.03.1001"}, "region_code"),  # in scope, but not where the flood is
        ({"birth_date": (TODAY + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"sex": "M", "pregnant": True}, "pregnant"),
        ({"registered_at": "2026-11-20T10:00:00"}, "registered_at"),  # no time zone
        ({"registered_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "registered_at"),
        ({"registered_at": f"{STARTED - timedelta(days=1)}T12:00:00+08:00"}, "registered_at"),
        ({"household_id": "keluarga-1"}, "household_id"),
        ({"disaster_id": "banjir"}, "disaster_id"),
    ],
)
async def test_bad_victim_is_422_naming_the_field(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    override: dict,
    field: str,
) -> None:
    flood = await declare(disaster, regions=["63.71.01", "63.71.02"])
    response = await disaster.post(
        "/api/v1/victims", json={**victim_body(flood["id"]), **override}, headers=TAGANA
    )
    assert problem(response)[0::2] == (422, {field}), response.text
    assert await victims_stored(engine) == 0
    assert await events(engine, "victim.registered") == []


async def test_scope_and_roles(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster, regions=["63.71", "63.03"], level="province")
    outside = await disaster.post(
        "/api/v1/victims", json=victim_body(flood["id"], region_code="63.03.01.2001"), headers=TAGANA
    )
    assert problem(outside)[0::2] == (403, {"region_code"})
    viewer = await disaster.post("/api/v1/victims", json=victim_body(flood["id"]), headers=VIEWER)
    assert viewer.status_code == 403
    elsewhere = await declare(disaster, regions=["63.03"], name="Banjir Martapura")
    hidden = await disaster.post("/api/v1/victims", json=victim_body(elsewhere["id"]), headers=TAGANA)
    assert problem(hidden)[0:2] == (404, "not-found")
    assert await victims_stored(engine) == 0

    in_banjar = await victim(disaster, flood["id"], headers=TAGANA_BANJAR, region_code="63.03.01.2001")
    in_kota = await victim(disaster, flood["id"])
    assert (await disaster.get(f"/api/v1/victims/{in_banjar['id']}", headers=TAGANA)).status_code == 404
    listed = (await disaster.get("/api/v1/victims", params={"disaster_id": flood["id"]}, headers=KOTA)).json()
    assert [v["id"] for v in listed["items"]] == [in_kota["id"]]
    both = (
        await disaster.get("/api/v1/victims", params={"disaster_id": flood["id"]}, headers=PROVINCE)
    ).json()
    assert {v["id"] for v in both["items"]} == {in_kota["id"], in_banjar["id"]}


async def test_one_nik_is_one_victim_of_a_disaster(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    first = await victim(disaster, flood["id"], nik=SITI_NIK)
    again = await disaster.post(
        "/api/v1/victims", json=victim_body(flood["id"], nik=SITI_NIK, full_name="Siti R."), headers=TAGANA
    )
    status, kind, fields = problem(again)
    assert (status, kind, fields) == (409, "victim-already-registered", {"nik"})
    assert first["id"] in again.json()["detail"]
    # Another disaster is another registration.
    fire = await declare(disaster, name="Kebakaran Pasar Lama", kind="kebakaran")
    assert (await victim(disaster, fire["id"], nik=SITI_NIK))["id"] != first["id"]
    assert await victims_stored(engine) == 2


async def test_two_phones_registering_the_same_person_at_once_make_one_victim(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    flood = await declare(disaster)
    responses = await asyncio.gather(
        *(
            disaster.post("/api/v1/victims", json=victim_body(flood["id"], nik=SITI_NIK), headers=TAGANA)
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [r.text for r in responses]
    assert await victims_stored(engine) == 1
    assert len(await events(engine, "victim.registered")) == 1


async def test_client_id_makes_a_retry_harmless(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    body = victim_body(flood["id"], id=str(uuid.uuid4()), registered_at=f"{STARTED}T08:00:00+08:00")
    first = await disaster.post("/api/v1/victims", json=body, headers=TAGANA)
    assert first.status_code == 201 and first.json()["id"] == body["id"]
    retry = await disaster.post("/api/v1/victims", json=body, headers=TAGANA)
    assert retry.status_code == 200 and retry.json() == first.json(), (retry.json(), first.json())
    # The same instant written in UTC is the same record.
    utc = {**body, "registered_at": f"{STARTED}T00:00:00+00:00"}
    assert (await disaster.post("/api/v1/victims", json=utc, headers=TAGANA)).status_code == 200
    reused = await disaster.post("/api/v1/victims", json={**body, "full_name": "Orang Lain"}, headers=TAGANA)
    assert problem(reused)[0:3] == (409, "id-in-use", {"id"})
    assert await victims_stored(engine) == 1
    assert len(await events(engine, "victim.registered")) == 1


async def test_missing_victim_is_found(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    missing = await victim(disaster, flood["id"], condition="hilang", full_name="Ahmad Fauzi", sex="M")
    url = f"/api/v1/victims/{missing['id']}"

    etag = (await disaster.get(url, headers=TAGANA)).headers["etag"]
    shortcut = await disaster.patch(url, json={"condition": "luka"}, headers={**TAGANA, "If-Match": etag})
    assert problem(shortcut)[0:3] == (409, "condition-change-refused", {"condition"})

    body = {"found_on": TODAY.isoformat(), "found_place": "Puskesmas Teluk Dalam", "condition": "luka"}
    future = await disaster.post(
        url + "/found", json={**body, "found_on": (TODAY + timedelta(days=1)).isoformat()}, headers=TAGANA
    )
    assert problem(future)[0::2] == (422, {"found_on"})
    before = await disaster.post(
        url + "/found", json={**body, "found_on": (STARTED - timedelta(days=1)).isoformat()}, headers=TAGANA
    )
    assert problem(before)[0::2] == (422, {"found_on"})
    found = await disaster.post(url + "/found", json=body, headers=TAGANA)
    assert found.status_code == 200, found.text
    assert found.json()["condition"] == "luka" and found.json()["found_on"] == TODAY.isoformat()
    assert found.json()["found_place"] == "Puskesmas Teluk Dalam"
    twice = await disaster.post(url + "/found", json=body, headers=TAGANA)
    assert problem(twice)[0:2] == (409, "victim-not-missing")

    updated = await events(engine, "victim.updated")
    assert len(updated) == 1
    assert (
        updated[0]["payload"]["condition"] == "luka"
        and updated[0]["payload"]["found_on"] == TODAY.isoformat()
    )
    assert EVENT_KEYS <= set(updated[0]["payload"])


async def test_correcting_a_victim_needs_the_latest_etag(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    siti = await victim(disaster, flood["id"])
    other = await victim(disaster, flood["id"], full_name="Rina", nik="6371014506850002")
    url = f"/api/v1/victims/{siti['id']}"
    assert (await disaster.patch(url, json={"nik": SITI_NIK}, headers=TAGANA)).status_code == 428
    etag = (await disaster.get(url, headers=TAGANA)).headers["etag"]
    changed = await disaster.patch(
        url, json={"nik": SITI_NIK, "condition": "luka"}, headers={**TAGANA, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["nik"] == SITI_NIK and changed.json()["condition"] == "luka"
    stale = await disaster.patch(url, json={"condition": "mengungsi"}, headers={**TAGANA, "If-Match": etag})
    assert stale.status_code == 412
    fresh = changed.headers["etag"]
    taken = await disaster.patch(
        f"/api/v1/victims/{other['id']}",
        json={"nik": SITI_NIK},
        headers={
            **TAGANA,
            "If-Match": (await disaster.get(f"/api/v1/victims/{other['id']}", headers=TAGANA)).headers[
                "etag"
            ],
        },
    )
    assert problem(taken)[0::2] == (409, {"nik"})
    emptied = await disaster.patch(url, json={"full_name": None}, headers={**TAGANA, "If-Match": fresh})
    assert problem(emptied)[0::2] == (422, {"full_name"})
    updated = await events(engine, "victim.updated")
    assert [e["payload"]["changed"] for e in updated] == [["nik", "condition"]]


async def test_closed_disaster_takes_no_new_victims(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    flood = await declare(disaster)
    etag = (await disaster.get(f"/api/v1/disasters/{flood['id']}", headers=PROVINCE)).headers["etag"]
    closed = await disaster.patch(
        f"/api/v1/disasters/{flood['id']}", json={"status": "closed"}, headers={**PROVINCE, "If-Match": etag}
    )
    assert closed.status_code == 200 and closed.json()["closed_on"] == TODAY.isoformat()
    refused = await disaster.post("/api/v1/victims", json=victim_body(flood["id"]), headers=TAGANA)
    assert problem(refused) == (409, "disaster-closed", {"disaster_id"})
    assert await victims_stored(engine) == 0


async def test_regency_officer_of_another_regency_sees_nothing(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    siti = await victim(disaster, flood["id"])
    assert (await disaster.get(f"/api/v1/victims/{siti['id']}", headers=BANJAR)).status_code == 404
    assert (await disaster.get("/api/v1/victims", headers=BANJAR)).json()["items"] == []
