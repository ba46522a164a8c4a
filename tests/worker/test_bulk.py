"""The bulk building blocks of reconciliation: `PUT /findings/batch` (what the single PUT does, for
thousands), `POST /people/lookup` (many people, merges followed, by id or NIK), and the recipient checks
run as batch consumers: one registry call and one findings call per batch, not per event."""

import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from services.worker.clients import Services
from services.worker.handlers import CONSUMERS
from services.worker.reconciliation import people, recipients
from tests.disaster.scenes import STARTED, TAGANA, declare, warehouse
from tests.worker.reconcile_support import (
    ADMIN,
    OFFICER,
    SERVICE,
    admit,
    change_person,
    event,
    institution,
    merge,
    person,
    resolve,
    services,
    statuses,
)

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture


async def _distribution(disaster: httpx.AsyncClient, **recipient: Any) -> dict[str, Any]:
    if "nik" in recipient:
        recipient.setdefault("full_name", "Siti Rahmah")
    flood = await declare(disaster)
    gudang = await warehouse(disaster, stock={"beras": 1000})
    response = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": gudang["id"],
            "items": [{"item_code": "beras", "quantity": 2}],
            "distributed_at": f"{STARTED}T12:00:00+08:00",
            **recipient,
        },
        headers=TAGANA,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _report(
    subject: str, holds: bool, rule: str = "recipient_not_in_registry", **detail: Any
) -> dict[str, Any]:
    return {
        "rule": rule,
        "subject_type": "distribution",
        "subject_id": subject,
        "holds": holds,
        "detail": detail,
    }


# ---- PUT /findings/batch


async def test_batch_opens_closes_reopens_and_leaves_resolved_alone(disaster: httpx.AsyncClient) -> None:
    a, b, c = [(await _distribution(disaster, nik=f"637101450685{i:04d}"))["id"] for i in (1, 2, 3)]
    first = await disaster.put(
        "/api/v1/findings/batch",
        json={"items": [_report(a, True, n=1), _report(b, True), _report(c, False)]},
        headers=SERVICE,
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"opened": 2, "reopened": 0, "closed": 0, "unknown_subjects": []}
    assert await statuses(disaster, "recipient_not_in_registry") == {a: "open", b: "open"}

    again = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True), _report(b, True)]}, headers=SERVICE
    )
    assert again.json() == {"opened": 0, "reopened": 0, "closed": 0, "unknown_subjects": []}

    # An officer settles b; the cause of a goes away.
    [found_b] = [
        f
        for f in (await disaster.get("/api/v1/findings", headers=ADMIN)).json()["items"]
        if f["subject_id"] == b
    ]
    assert (await resolve(disaster, found_b["id"])).status_code == 200
    gone = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, False), _report(b, False)]}, headers=SERVICE
    )
    assert gone.json()["closed"] == 1
    assert await statuses(disaster, "recipient_not_in_registry") == {a: "closed", b: "resolved"}

    # The cause of a comes back (with new detail); b stays resolved whatever is reported.
    back = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True, n=2), _report(b, True)]}, headers=SERVICE
    )
    assert back.json() == {"opened": 0, "reopened": 1, "closed": 0, "unknown_subjects": []}
    items = {
        f["subject_id"]: f for f in (await disaster.get("/api/v1/findings", headers=ADMIN)).json()["items"]
    }
    assert items[a]["status"] == "open" and items[a]["detail"] == {"n": 2} and items[a]["closed_at"] is None
    assert items[b]["status"] == "resolved" and items[b]["detail"]["resolution"] == "checked at the site"
    assert items[a]["region_code"] == "63.71.01"  # scoped like the record (the warehouse's region)


async def test_batch_same_subject_twice_last_report_wins(disaster: httpx.AsyncClient) -> None:
    a = (await _distribution(disaster, nik="6371014506850001"))["id"]
    response = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True), _report(a, False)]}, headers=SERVICE
    )
    assert response.status_code == 200 and response.json()["opened"] == 0
    assert await statuses(disaster, "recipient_not_in_registry") == {}


async def test_batch_about_unknown_records_opens_nothing_and_says_so(disaster: httpx.AsyncClient) -> None:
    a = (await _distribution(disaster, nik="6371014506850001"))["id"]
    stranger = str(uuid.uuid4())
    response = await disaster.put(
        "/api/v1/findings/batch",
        json={
            "items": [
                _report(a, True),
                _report(stranger, True),
                {**_report(a, True, rule="other"), "subject_type": "warp"},
            ]
        },
        headers=SERVICE,
    )
    # Unknown subjects are named; a record of this service under a type it does not have is unknown too.
    assert sorted(response.json()["unknown_subjects"]) == sorted([stranger, a])
    assert await statuses(disaster, "recipient_not_in_registry") == {a: "open"}


@pytest.mark.parametrize("headers", [ADMIN, OFFICER])
async def test_batch_is_for_the_worker_only(disaster: httpx.AsyncClient, headers: dict[str, str]) -> None:
    a = (await _distribution(disaster, nik="6371014506850001"))["id"]
    response = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True)]}, headers=headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await statuses(disaster, "recipient_not_in_registry") == {}


async def test_bad_batch_is_422_naming_the_field_and_nothing_is_written(disaster: httpx.AsyncClient) -> None:
    a = (await _distribution(disaster, nik="6371014506850001"))["id"]
    bad_rule = await disaster.put(
        "/api/v1/findings/batch",
        json={"items": [_report(a, True), _report(a, True, rule="Not A Rule")]},
        headers=SERVICE,
    )
    assert bad_rule.status_code == 422
    assert [e["field"] for e in bad_rule.json()["errors"]] == ["items.1.rule"]
    too_many = await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True)] * 5001}, headers=SERVICE
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "items"
    assert await statuses(disaster, "recipient_not_in_registry") == {}


async def test_resolving_needs_an_officer_a_reason_and_an_open_finding(disaster: httpx.AsyncClient) -> None:
    a = (await _distribution(disaster, nik="6371014506850001"))["id"]
    await disaster.put("/api/v1/findings/batch", json={"items": [_report(a, True)]}, headers=SERVICE)
    [finding] = (await disaster.get("/api/v1/findings", headers=ADMIN)).json()["items"]
    path = f"/api/v1/findings/{finding['id']}/resolve"
    viewer = await disaster.post(path, json={"reason": "fine"}, headers=TAGANA)  # a field officer
    assert viewer.status_code == 403
    elsewhere = await disaster.post(
        path, json={"reason": "fine"}, headers={**OFFICER, **_officer_of("63.03")}
    )
    assert elsewhere.status_code == 404
    no_reason = await disaster.post(path, json={"reason": ""}, headers=OFFICER)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert (await resolve(disaster, finding["id"], "NIK checked")).json()["status"] == "resolved"
    twice = await resolve(disaster, finding["id"])
    assert twice.status_code == 409


def _officer_of(region: str) -> dict[str, str]:
    from tests.support import auth

    return auth("regency_officer", regions=[region], sub="banjar-officer")


# ---- POST /people/lookup


async def test_lookup_by_id_and_nik_follows_merges(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti = await person(registry)
    again = await person(registry, name="Siti Rahmah binti Ahmad")
    budi = await person(registry, name="Budi Santoso", birth="1979-02-11", sex="M")
    await merge(engine, again["id"], siti["id"])
    stranger = str(uuid.uuid4())
    response = await registry.post(
        "/api/v1/people/lookup",
        json={
            "ids": [siti["id"], again["id"], stranger],
            "niks": [budi["nik"], again["nik"], "6371010101010001"],
        },
        headers=SERVICE,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["by_id"]) == {siti["id"], again["id"]}
    assert body["by_id"][again["id"]]["id"] == siti["id"]  # the survivor
    assert body["by_id"][siti["id"]] == {
        "id": siti["id"],
        "status": "active",
        "died_on": None,
        "status_changed_at": None,
        "merged_into": None,
        "nik": siti["nik"],
        "full_name": "Siti Rahmah",
        "birth_date": "1985-06-05",
        "sex": "F",
        "region_code": "63.71.01.1001",
        "aliases": [{"id": again["id"], "nik": again["nik"]}],  # records merged into this one
    }
    assert set(body["by_nik"]) == {budi["nik"], again["nik"]}
    assert body["by_nik"][again["nik"]]["id"] == siti["id"]
    assert body["by_nik"][budi["nik"]]["full_name"] == "Budi Santoso"


async def test_lookup_is_for_the_worker_and_checks_its_input(registry: httpx.AsyncClient) -> None:
    assert (await registry.post("/api/v1/people/lookup", json={"ids": []}, headers=ADMIN)).status_code == 403
    bad_nik = await registry.post("/api/v1/people/lookup", json={"niks": ["12ab"]}, headers=SERVICE)
    assert bad_nik.status_code == 422
    too_many = await registry.post(
        "/api/v1/people/lookup",
        json={"ids": [str(uuid.uuid4()) for _ in range(3000)], "niks": ["6371014506850001"] * 2001},
        headers=SERVICE,
    )
    assert too_many.status_code == 422
    bad_id = await registry.post("/api/v1/people/lookup", json={"ids": ["nope"]}, headers=SERVICE)
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "ids.0"


async def test_find_many_answers_like_find(registry: httpx.AsyncClient, services: Services, engine) -> None:  # type: ignore[no-untyped-def]
    siti = await person(registry)
    again = await person(registry, name="Siti R.")
    await merge(engine, again["id"], siti["id"])
    asked = [siti["id"], again["id"], str(uuid.uuid4())]
    found = await people.find_many(services, person_ids=asked, niks=[siti["nik"], None])

    def plain(p: people.RegistryPerson | None) -> people.RegistryPerson | None:
        return replace(p, aliases=()) if p else None  # one by one, the registry lists no merged duplicates

    for person_id in asked:
        assert plain(found.of(person_id=person_id, nik=None)) == await people.find(
            services, person_id=person_id, nik=None
        )
    assert plain(found.of(person_id=None, nik=siti["nik"])) == await people.find(
        services, person_id=None, nik=siti["nik"]
    )
    assert found.by_id[siti["id"]].aliases == ((again["id"], again["nik"]),)


# ---- batch consumers


def test_recipient_checks_are_batch_consumers() -> None:
    assert recipients.on_distributions_recorded in CONSUMERS["distribution.recorded"]
    assert recipients.on_admissions_created in CONSUMERS["admission.created"]


async def test_a_batch_of_distributions_takes_one_lookup_and_one_findings_call(
    registry: httpx.AsyncClient, disaster: httpx.AsyncClient, services: Services
) -> None:
    alive, dead = await person(registry), await person(registry, name="Ahmad", birth="1950-01-01", sex="M")
    await change_person(registry, dead["id"], status="deceased", died_on=str(STARTED))
    records = [
        await _distribution(disaster, person_id=alive["id"]),
        await _distribution(disaster, person_id=dead["id"]),
        await _distribution(disaster, nik=alive["nik"], full_name="Siti"),
        await _distribution(disaster, nik="6371014506859999", full_name="Unknown"),
    ]
    events = [
        event(
            "distribution.recorded",
            {
                "distribution_id": r["id"],
                "person_id": r["person_id"],
                "nik": r["nik"],
                "distributed_at": r["distributed_at"],
            },
        )
        for r in records
    ]
    calls: list[str] = []

    async def count(request: httpx.Request) -> None:
        calls.append(f"{request.method} {request.url.path}")

    services.registry.http.event_hooks["request"].append(count)
    services.disaster.http.event_hooks["request"].append(count)
    try:
        for _ in range(2):  # delivered twice: the same findings
            await recipients.on_distributions_recorded(services, events)
    finally:
        services.registry.http.event_hooks["request"].remove(count)
        services.disaster.http.event_hooks["request"].remove(count)
    assert calls == ["POST /api/v1/people/lookup", "PUT /api/v1/findings/batch"] * 2
    assert await statuses(disaster, "recipient_not_in_registry") == {records[3]["id"]: "open"}
    assert await statuses(disaster, "recipient_deceased") == {records[1]["id"]: "open"}


async def test_admissions_in_bulk(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services
) -> None:
    alive, dead = await person(registry), await person(registry, name="Ahmad", birth="1950-01-01", sex="M")
    await change_person(registry, dead["id"], status="deceased")
    pstw = await institution(programs)
    stays = [await admit(programs, pstw["id"], p) for p in (alive["id"], dead["id"], str(uuid.uuid4()))]
    events = [
        event(
            "admission.created",
            {"admission_id": s["id"], "person_id": s["person_id"], "admitted_on": s["admitted_on"]},
            source="programs",
        )
        for s in stays
    ]
    await recipients.on_admissions_created(services, events)
    assert await statuses(programs, "client_deceased") == {stays[1]["id"]: "open"}
    assert await statuses(programs, "client_not_in_registry") == {stays[2]["id"]: "open"}


async def test_gone_closes_in_the_compact_form_and_items_decide_a_subject_in_both(
    disaster: httpx.AsyncClient,
) -> None:
    a, b = [(await _distribution(disaster, nik=f"637101450685{i:04d}"))["id"] for i in (1, 2)]
    rule = "recipient_not_in_registry"
    await disaster.put(
        "/api/v1/findings/batch", json={"items": [_report(a, True), _report(b, True)]}, headers=SERVICE
    )
    response = await disaster.put(
        "/api/v1/findings/batch",
        json={
            "items": [_report(b, True)],
            "gone": [{"rule": rule, "subject_ids": [a, b, str(uuid.uuid4())]}],
        },
        headers=SERVICE,
    )
    assert response.status_code == 200, response.text
    assert response.json()["closed"] == 1
    assert await statuses(disaster, rule) == {a: "closed", b: "open"}
    too_many = await disaster.put(
        "/api/v1/findings/batch",
        json={
            "gone": [
                {"rule": rule, "subject_ids": [a] * 15_000},
                {"rule": "other", "subject_ids": [a] * 6_000},
            ]
        },
        headers=SERVICE,
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "gone"
    assert await statuses(disaster, rule) == {a: "closed", b: "open"}


async def test_the_client_sends_what_no_longer_holds_compactly(
    disaster: httpx.AsyncClient, services: Services
) -> None:
    a, b = [(await _distribution(disaster, nik=f"637101450685{i:04d}"))["id"] for i in (1, 2)]
    sent: list[dict[str, Any]] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(__import__("json").loads(request.content))

    services.disaster.http.event_hooks["request"].append(keep)
    try:
        result = await services.disaster.report_findings(
            [_report(a, True), _report(b, True), _report(b, False)]  # the last report of b wins
        )
    finally:
        services.disaster.http.event_hooks["request"].remove(keep)
    assert result == {"opened": 1, "reopened": 0, "closed": 0, "unknown_subjects": []}
    assert [len(body["items"]) for body in sent] == [1]
    assert sent[0]["gone"] == [{"rule": "recipient_not_in_registry", "subject_ids": [b]}]
