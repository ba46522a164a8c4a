"""The disaster service's part of UU 27/2022: a person's subject-access export (their victim records,
stays and aid, unmasked, in the caller's regions) and the access log of such reads."""

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.privacy import log
from shared.auth import Principal
from tests.disaster.scenes import SITI_NIK, check_in, declare, problem, site, victim, warehouse
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

DPO = auth("provincial_officer", regions=["63"], pii=True, sub="dpo-kalsel")
KOTA_NO_PII = auth("regency_officer", regions=["63.71"], sub="kota-no-pii")
KALTIM = auth("provincial_officer", regions=["64"], pii=True, sub="dpo-kaltim")
ADMIN = auth("admin", sub="admin-1")
TAGANA = auth("field_officer", regions=["63.71"], pii=True, sub="tagana-kota-1")


async def a_victim_with_aid(client: httpx.AsyncClient, person_id: uuid.UUID) -> tuple[dict, dict, dict]:
    flood = await declare(client)
    store = await warehouse(client, stock={"paket_keluarga": 5})
    siti = await victim(client, flood["id"], nik=SITI_NIK, person_id=str(person_id), birth_date="1985-06-05")
    shelter = await site(client, flood["id"])
    assert (await check_in(client, shelter["id"], siti["id"])).status_code == 201
    handed = await client.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": store["id"],
            "victim_id": siti["id"],
            "items": [{"item_code": "paket_keluarga", "quantity": 1}],
        },
        headers=TAGANA,
    )
    assert handed.status_code == 201, handed.text
    return siti, shelter, handed.json()


async def test_export_holds_the_victim_record_stay_and_aid_unmasked(disaster: httpx.AsyncClient) -> None:
    person_id = uuid.uuid4()
    siti, shelter, aid = await a_victim_with_aid(disaster, person_id)

    response = await disaster.get(f"/api/v1/people/{person_id}/data-export", headers=DPO)
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["person_id"] == str(person_id)
    assert [v["id"] for v in export["victims"]] == [siti["id"]]
    assert export["victims"][0]["nik"] == SITI_NIK and export["victims"][0]["birth_date"] == "1985-06-05"
    assert export["victims"][0]["site_id"] == shelter["id"]
    assert [(s["victim_id"], s["site_id"], s["checked_out_at"]) for s in export["site_stays"]] == [
        (siti["id"], shelter["id"], None)
    ]
    assert [d["id"] for d in export["distributions"]] == [aid["id"]]
    assert export["access_log"] == []  # nobody had asked before

    # The export is itself a read of everything: the next one, and the admins' log, show it.
    again = (await disaster.get(f"/api/v1/people/{person_id}/data-export", headers=DPO)).json()
    assert [(a["reader"], a["action"], a["subject_type"]) for a in again["access_log"]] == [
        ("dpo-kalsel", "data-export", "person")
    ]
    log = await disaster.get("/api/v1/access-log", params={"person_id": str(person_id)}, headers=ADMIN)
    assert log.status_code == 200
    assert [a["reader"] for a in log.json()["items"]] == ["dpo-kalsel", "dpo-kalsel"]


async def test_aid_handed_by_nik_before_the_registry_knew_the_person_is_included(
    disaster: httpx.AsyncClient,
) -> None:
    person_id = uuid.uuid4()
    siti, _, _ = await a_victim_with_aid(disaster, person_id)
    flood_id = siti["disaster_id"]
    store = await warehouse(disaster, stock={"beras": 10})
    by_nik = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood_id,
            "warehouse_id": store["id"],
            "nik": SITI_NIK,
            "full_name": "Siti Rahmah",
            "items": [{"item_code": "beras", "quantity": 2}],
        },
        headers=TAGANA,
    )
    assert by_nik.status_code == 201, by_nik.text
    export = (await disaster.get(f"/api/v1/people/{person_id}/data-export", headers=ADMIN)).json()
    assert by_nik.json()["id"] in {d["id"] for d in export["distributions"]}
    assert len(export["distributions"]) == 2


async def test_export_needs_pii_read_and_the_persons_region(disaster: httpx.AsyncClient) -> None:
    person_id = uuid.uuid4()
    await a_victim_with_aid(disaster, person_id)
    url = f"/api/v1/people/{person_id}/data-export"

    assert problem(await disaster.get(url, headers=KOTA_NO_PII))[:2] == (403, "forbidden")
    # Kaltim's officer learns nothing of a Kalsel victim, not even that there is one.
    assert problem(await disaster.get(url, headers=KALTIM))[0] == 404
    assert problem(await disaster.get(f"/api/v1/people/{uuid.uuid4()}/data-export", headers=ADMIN))[0] == 404
    assert problem(await disaster.get("/api/v1/people/budi/data-export", headers=ADMIN))[2] == {"person_id"}
    assert (await disaster.get(url)).status_code == 401
    # Refused reads leave no trace in the log.
    log = (await disaster.get("/api/v1/access-log", headers=ADMIN)).json()
    assert log["items"] == []


async def test_access_log_is_for_admins_only(disaster: httpx.AsyncClient) -> None:
    assert problem(await disaster.get("/api/v1/access-log", headers=DPO))[:2] == (403, "forbidden")
    assert problem(await disaster.get("/api/v1/access-log", params={"limit": 0}, headers=ADMIN))[2] == {
        "limit"
    }


async def test_an_unmasked_read_is_logged_and_a_masked_one_is_not(
    disaster: httpx.AsyncClient, engine
) -> None:  # type: ignore[no-untyped-def]
    """privacy.log, as victims and distributions call it when they show a record."""
    victim_id, person_id = uuid.uuid4(), uuid.uuid4()
    unmasked = Principal(
        sub="tagana-kota-1", roles=frozenset({"field_officer"}), scopes=frozenset({"pii:read"})
    )
    masked = Principal(sub="tagana-kota-2", roles=frozenset({"field_officer"}))
    async with AsyncSession(engine) as session:
        log.unmasked(session, unmasked, [("victim", victim_id, person_id)], "read")
        log.unmasked(session, masked, [("victim", victim_id, person_id)], "read")
        await session.commit()
    entries = (
        await disaster.get("/api/v1/access-log", params={"person_id": str(person_id)}, headers=ADMIN)
    ).json()
    assert [(e["reader"], e["subject_type"], e["subject_id"], e["action"]) for e in entries["items"]] == [
        ("tagana-kota-1", "victim", str(victim_id), "read")
    ]
