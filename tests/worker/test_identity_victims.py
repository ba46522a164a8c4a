"""Victims matched against the registry by the worker (issue 6's open requirement, issue 7's
`victim_possible_match`), through the real services: the victim's event in, the disaster service's
victim and findings out."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.worker.clients import ServiceClient, Services, ServiceToken
from services.worker.handlers import CONSUMERS
from services.worker.reconciliation import identity
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.disaster.scenes import KOTA, PROVINCE, SITI_NIK, TAGANA, declare, events, problem, scalar, victim
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
SERVICE = auth("service")
VILLAGE = "63.71.01.1001"


@pytest.fixture
async def services(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    settings: KessosSettings,
) -> AsyncIterator[Services]:
    token = ServiceToken(settings)
    yield Services(
        registry=ServiceClient("registry", registry, token),
        programs=ServiceClient("programs", programs, token),
        disaster=ServiceClient("disaster", disaster, token),
    )


async def person(registry: httpx.AsyncClient, **fields: Any) -> str:
    body = {"region_code": VILLAGE, **fields}
    response = await registry.post("/api/v1/people", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


SITI = {"nik": SITI_NIK, "full_name": "Siti Rahmah", "birth_date": "1985-06-05", "sex": "F"}


async def handle_victim_events(engine: Any, services: Services) -> None:
    """Every victim event in the outbox, handed to the identity consumer as the runner would."""
    for kind in ("victim.registered", "victim.updated"):
        batch = [EventEnvelope.model_validate(e) for e in await events(engine, kind)]
        if batch:
            await identity.on_victims(services, batch)


async def findings(disaster: httpx.AsyncClient, rule: str, subject_id: str) -> list[dict[str, Any]]:
    response = await disaster.get(
        "/api/v1/findings", params={"rule": rule, "subject_id": subject_id}, headers=PROVINCE
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def read(disaster: httpx.AsyncClient, victim_id: str) -> dict[str, Any]:
    response = await disaster.get(f"/api/v1/victims/{victim_id}", headers=PROVINCE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_identity_rules_are_registered() -> None:
    for event_type in ("victim.registered", "victim.updated", "distribution.recorded", "person.merged"):
        assert identity.CONSUMERS[event_type] in CONSUMERS[event_type]


async def test_a_sure_match_links_the_victim_once(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti = await person(registry, **SITI)
    flood = await declare(disaster)
    # Written in the field with her title and without documents' care: the same woman.
    hit = await victim(
        disaster, flood["id"], full_name="Hj. Siti Rahmah", nik=SITI_NIK, birth_date="1985-06-05"
    )
    assert hit["match_status"] is None

    await handle_victim_events(engine, services)
    linked = await read(disaster, hit["id"])
    assert linked["person_id"] == siti and linked["match_status"] == "matched"
    assert await findings(disaster, identity.POSSIBLE_MATCH, hit["id"]) == []
    assert await findings(disaster, identity.NIK_DISAGREES, hit["id"]) == []

    # The same events again (a redelivered batch), and the update the link itself published: no change.
    version = await scalar(
        engine, "SELECT version FROM disaster.victims WHERE id = :v", v=uuid.UUID(hit["id"])
    )
    await handle_victim_events(engine, services)
    await handle_victim_events(engine, services)
    assert (
        await scalar(engine, "SELECT version FROM disaster.victims WHERE id = :v", v=uuid.UUID(hit["id"]))
        == version
    )
    assert len(await events(engine, "victim.updated")) == 1


async def test_a_client_link_is_kept(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    await person(registry, **SITI)
    other = await person(registry, full_name="Rahmawati", sex="F", birth_date="1990-01-01")
    flood = await declare(disaster)
    hit = await victim(disaster, flood["id"], nik=SITI_NIK, birth_date="1985-06-05", person_id=other)
    await handle_victim_events(engine, services)
    kept = await read(disaster, hit["id"])
    assert kept["person_id"] == other and kept["match_status"] == "client_linked"


# Budi, written in the field with Siti's NIK: the registry's matching calls her a possible match (an
# exact NIK), and the name and sex disagree with its record.
BUDI_WITH_SITIS_NIK: dict[str, Any] = {"full_name": "Budi Santoso", "sex": "M", "nik": SITI_NIK}


async def test_a_possible_match_waits_for_an_officer_who_confirms_it(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti = await person(registry, **SITI)
    flood = await declare(disaster)
    hit = await victim(disaster, flood["id"], **BUDI_WITH_SITIS_NIK)
    await handle_victim_events(engine, services)

    waiting = await read(disaster, hit["id"])
    assert waiting["match_status"] == "possible" and waiting["person_id"] is None
    assert [c["person_id"] for c in waiting["match_candidates"]] == [siti]
    [finding] = await findings(disaster, identity.POSSIBLE_MATCH, hit["id"])
    assert finding["status"] == "open" and finding["subject_type"] == "victim"
    assert [c["person_id"] for c in finding["detail"]["candidates"]] == [siti]
    [nik] = await findings(disaster, identity.NIK_DISAGREES, hit["id"])
    assert nik["status"] == "open" and sorted(nik["detail"]["fields"]) == ["full_name", "sex"]
    # Which fields, never their values.
    assert "Budi" not in str(nik["detail"]) and "Siti" not in str(nik["detail"])

    review = f"/api/v1/victims/{hit['id']}/match-review"
    confirm = {"decision": "confirm", "person_id": siti, "reason": "KK shown at the posko"}
    refused = await disaster.post(review, json=confirm, headers=TAGANA)  # field staff do not settle
    assert problem(refused)[0] == 403
    stranger = await disaster.post(review, json={**confirm, "person_id": str(uuid.uuid4())}, headers=KOTA)
    assert problem(stranger) == (422, "validation-error", {"person_id"})
    nobody = await disaster.post(review, json={**confirm, "person_id": None}, headers=KOTA)
    assert problem(nobody) == (422, "validation-error", {"person_id"})
    no_reason = await disaster.post(review, json={"decision": "confirm", "person_id": siti}, headers=KOTA)
    assert no_reason.status_code == 422 and "reason" in str(no_reason.json()["errors"])
    other_region = await disaster.post(
        review, json=confirm, headers=auth("regency_officer", regions=["63.03"], pii=True)
    )
    assert problem(other_region)[0] == 404
    assert (await read(disaster, hit["id"]))["match_status"] == "possible"  # nothing half-written

    confirmed = await disaster.post(review, json=confirm, headers=KOTA)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["person_id"] == siti and confirmed.json()["match_status"] == "confirmed"
    review_read = confirmed.json()["match_review"]
    assert review_read["by"] == "kota-officer" and review_read["reason"] == "KK shown at the posko"
    [settled] = await findings(disaster, identity.POSSIBLE_MATCH, hit["id"])
    assert settled["status"] == "resolved"
    assert settled["detail"]["resolved_by"] == "kota-officer"
    assert settled["detail"]["resolution"] == "KK shown at the posko"
    again = await disaster.post(review, json=confirm, headers=KOTA)
    assert problem(again)[:2] == (409, "match-not-awaiting-review")

    # The worker sees the officer's change: the link stands and the finding stays resolved.
    await handle_victim_events(engine, services)
    assert (await read(disaster, hit["id"]))["match_status"] == "confirmed"
    [still] = await findings(disaster, identity.POSSIBLE_MATCH, hit["id"])
    assert still["status"] == "resolved"


async def test_an_officer_rejects_every_candidate(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    await person(registry, **SITI)
    flood = await declare(disaster)
    hit = await victim(disaster, flood["id"], **BUDI_WITH_SITIS_NIK)
    await handle_victim_events(engine, services)
    rejected = await disaster.post(
        f"/api/v1/victims/{hit['id']}/match-review",
        json={"decision": "reject", "reason": "a man; she is his neighbour"},
        headers=PROVINCE,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["match_status"] == "rejected" and rejected.json()["person_id"] is None
    [settled] = await findings(disaster, identity.POSSIBLE_MATCH, hit["id"])
    assert settled["status"] == "resolved"
    await handle_victim_events(engine, services)  # no new match over the officer's word
    assert (await read(disaster, hit["id"]))["match_status"] == "rejected"

    # Written wrongly in the field after all: once corrected, the matching looks again.
    current = await disaster.get(f"/api/v1/victims/{hit['id']}", headers=TAGANA)
    fixed = await disaster.patch(
        f"/api/v1/victims/{hit['id']}",
        json={"full_name": "Siti Rahmah", "sex": "F", "birth_date": "1985-06-05"},
        headers={**TAGANA, "If-Match": current.headers["ETag"]},
    )
    assert fixed.status_code == 200 and fixed.json()["match_status"] is None
    await handle_victim_events(engine, services)
    assert (await read(disaster, hit["id"]))["match_status"] == "matched"
    [nik] = await findings(disaster, identity.NIK_DISAGREES, hit["id"])
    assert nik["status"] == "closed"


async def test_a_corrected_birth_date_closes_the_nik_finding(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti = await person(registry, **SITI)
    flood = await declare(disaster)
    # Day and month swapped: still her (the matching links), but the birth date disagrees.
    hit = await victim(disaster, flood["id"], nik=SITI_NIK, birth_date="1985-05-06")
    await handle_victim_events(engine, services)
    assert (await read(disaster, hit["id"]))["person_id"] == siti
    [open_] = await findings(disaster, identity.NIK_DISAGREES, hit["id"])
    assert open_["status"] == "open" and open_["detail"]["fields"] == ["birth_date"]

    current = await disaster.get(f"/api/v1/victims/{hit['id']}", headers=TAGANA)
    fixed = await disaster.patch(
        f"/api/v1/victims/{hit['id']}",
        json={"birth_date": "1985-06-05"},
        headers={**TAGANA, "If-Match": current.headers["ETag"]},
    )
    assert fixed.status_code == 200, fixed.text
    await handle_victim_events(engine, services)
    [closed] = await findings(disaster, identity.NIK_DISAGREES, hit["id"])
    assert closed["status"] == "closed"
    assert (await read(disaster, hit["id"]))["person_id"] == siti


async def test_recording_a_match_is_for_the_worker_only(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster)
    hit = await victim(disaster, flood["id"])
    path = f"/api/v1/victims/{hit['id']}/match"
    sure = {"match_status": "matched", "person_id": str(uuid.uuid4()), "score": 0.99}
    for who in (PROVINCE, ADMIN):
        assert problem(await disaster.put(path, json=sure, headers=who))[0] == 403
    assert problem(await disaster.put(path, json={**sure, "person_id": None}, headers=SERVICE)) == (
        422,
        "validation-error",
        {"person_id"},
    )
    possible = {"match_status": "possible", "candidates": []}
    assert problem(await disaster.put(path, json=possible, headers=SERVICE))[2] == {"candidates"}
    odd = await disaster.put(path, json={**sure, "match_status": "maybe"}, headers=SERVICE)
    assert odd.status_code == 422 and "match_status" in str(odd.json()["errors"])
    bad_score = await disaster.put(path, json={**sure, "score": 2}, headers=SERVICE)
    assert bad_score.status_code == 422 and "score" in str(bad_score.json()["errors"])
    missing = await disaster.put(f"/api/v1/victims/{uuid.uuid4()}/match", json=sure, headers=SERVICE)
    assert problem(missing)[0] == 404
    assert (await read(disaster, hit["id"]))["match_status"] is None  # nothing half-written

    linked = await disaster.put(path, json=sure, headers=SERVICE)
    assert linked.status_code == 200 and linked.json()["match_status"] == "matched"
    assert linked.json()["person_id"] == sure["person_id"]


async def test_the_full_path_finds_what_the_events_found(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    await person(registry, **SITI)
    flood, landslide = await declare(disaster), await declare(disaster, name="Longsor Kota Banjarmasin")
    await victim(disaster, flood["id"], nik=SITI_NIK, birth_date="1985-06-05")
    await victim(disaster, landslide["id"], **BUDI_WITH_SITIS_NIK)
    await victim(disaster, flood["id"], full_name="Rahmat Hidayat", sex="M")
    await handle_victim_events(engine, services)

    async def state() -> tuple[set[tuple[str, str, str]], set[tuple[str, str | None, str | None]]]:
        found = await disaster.get("/api/v1/findings", params={"limit": 200}, headers=PROVINCE)
        listed = await disaster.get("/api/v1/victims", params={"limit": 200}, headers=PROVINCE)
        return (
            {(f["rule"], f["subject_id"], f["status"]) for f in found.json()["items"]},
            {(v["id"], v["match_status"], v["person_id"]) for v in listed.json()["items"]},
        )

    incremental = await state()
    # Budi: a possible match and a NIK that disagrees; Siti's NIK agrees, Rahmat has none (no findings).
    assert {(rule, status) for rule, _, status in incremental[0]} == {
        (identity.POSSIBLE_MATCH, "open"),
        (identity.NIK_DISAGREES, "open"),
    }
    exported = (await disaster.get("/api/v1/victims", params={"limit": 200}, headers=PROVINCE)).json()
    updates = len(await events(engine, "victim.updated"))
    reports = await identity.reconcile_victims(services, exported["items"])
    assert await state() == incremental
    assert len(await events(engine, "victim.updated")) == updates  # nothing to write: no change
    assert {(r.rule, r.subject_id) for r in reports if r.holds} == {
        (rule, subject) for rule, subject, status in incremental[0] if status == "open"
    }


async def test_many_matches_at_once(disaster: httpx.AsyncClient, engine: Any) -> None:
    flood = await declare(disaster)
    first, second = (
        await victim(disaster, flood["id"]),
        await victim(disaster, flood["id"], full_name="Rahmat"),
    )
    person_id, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    items = [
        {"victim_id": first["id"], "match_status": "matched", "person_id": person_id, "score": 0.99},
        {"victim_id": second["id"], "match_status": "no_match"},
        {"victim_id": stranger, "match_status": "no_match"},
    ]
    assert (
        problem(await disaster.put("/api/v1/victims/matches", json={"items": items}, headers=KOTA))[0] == 403
    )
    bad = [*items[:1], {**items[1], "person_id": person_id}]
    refused = await disaster.put("/api/v1/victims/matches", json={"items": bad}, headers=SERVICE)
    assert problem(refused) == (422, "validation-error", {"items[1].person_id"})
    assert (await read(disaster, first["id"]))["match_status"] is None  # nothing half-written
    empty = await disaster.put("/api/v1/victims/matches", json={"items": []}, headers=SERVICE)
    assert empty.status_code == 422

    recorded = await disaster.put("/api/v1/victims/matches", json={"items": items}, headers=SERVICE)
    assert recorded.status_code == 200, recorded.text
    assert [(i["match_status"], i["changed"]) for i in recorded.json()["items"]] == [
        ("matched", True),
        ("no_match", True),
    ]
    assert recorded.json()["unknown_victims"] == [stranger]
    assert (await read(disaster, first["id"]))["person_id"] == person_id
    again = await disaster.put("/api/v1/victims/matches", json={"items": items}, headers=SERVICE)
    assert [i["changed"] for i in again.json()["items"]] == [False, False]
    assert len(await events(engine, "victim.updated")) == 2
