"""Panti sosial: registration, scope, admissions within capacity, one residence at a time, discharge,
the outbox written with each admission, and findings reported by the worker."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PROVINCE = auth("provincial_officer", regions=["63"])  # Dinas Sosial Kalimantan Selatan
KOTA = auth("regency_officer", regions=["63.71"])  # Kota Banjarmasin
BANJAR = auth("regency_officer", regions=["63.03"])  # Kabupaten Banjar
SERVICE = auth("service")
# The service judges "the future" by today's UTC date; two days either way is clear of any time zone.
TODAY = datetime.now(UTC).date()
LAST_MONTH = (TODAY - timedelta(days=30)).isoformat()
LAST_WEEK = (TODAY - timedelta(days=7)).isoformat()
FUTURE = (TODAY + timedelta(days=2)).isoformat()
PSTW = {
    "name": "PSTW Budi Sejahtera",
    "kind": "lanjut_usia",
    "region_code": "63.71.01",
    "capacity": 3,
}
PSAA = {"name": "PSAA Budi Mulia", "kind": "anak", "region_code": "63.03.02", "capacity": 3}


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["type"]


async def new_institution(client: httpx.AsyncClient, body: dict = PSTW, **overrides: Any) -> dict:
    response = await client.post("/api/v1/institutions", json={**body, **overrides}, headers=PROVINCE)
    assert response.status_code == 201, response.text
    return response.json()


async def admit(
    client: httpx.AsyncClient,
    institution_id: str,
    person_id: uuid.UUID | str | None = None,
    *,
    headers: dict = PROVINCE,
    admitted_on: str = LAST_MONTH,
) -> httpx.Response:
    body = {"person_id": str(person_id or uuid.uuid4()), "admitted_on": admitted_on}
    return await client.post(f"/api/v1/institutions/{institution_id}/admissions", json=body, headers=headers)


async def admitted(
    client: httpx.AsyncClient, institution_id: str, person_id: uuid.UUID | None = None
) -> dict:
    response = await admit(client, institution_id, person_id)
    assert response.status_code == 201, response.text
    return response.json()


async def occupancy(client: httpx.AsyncClient, institution_id: str) -> int:
    response = await client.get(f"/api/v1/institutions/{institution_id}", headers=PROVINCE)
    assert response.status_code == 200, response.text
    return response.json()["occupancy"]


async def discharge(
    client: httpx.AsyncClient,
    admission_id: str,
    *,
    discharged_on: str = LAST_WEEK,
    outcome: str = "returned_to_family",
    headers: dict = PROVINCE,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/admissions/{admission_id}/discharge",
        json={"discharged_on": discharged_on, "outcome": outcome},
        headers=headers,
    )


async def outbox(engine, type_: str) -> list[dict]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT envelope FROM programs.outbox WHERE type = :type ORDER BY created_at"),
            {"type": type_},
        )
        return [r[0] for r in rows]


async def count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM programs.{table}"))).scalar_one()


# --- Institutions -----------------------------------------------------------------------------------


async def test_register_and_read_back(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    created = await new_institution(programs)
    assert created["name"] == PSTW["name"] and created["kind"] == "lanjut_usia"
    assert created["region_code"] == "63.71.01" and created["capacity"] == 3 and created["occupancy"] == 0

    read = await programs.get(f"/api/v1/institutions/{created['id']}", headers=KOTA)
    assert read.status_code == 200
    assert read.json() == created
    listed = (await programs.get("/api/v1/institutions", headers=KOTA)).json()
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    events = await outbox(engine, "institution.created")
    assert [e["payload"]["institution_id"] for e in events] == [created["id"]]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"kind": "panti_jompo"}, "kind"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -5}, "capacity"),
        ({"region_code": "6371"}, "region_code"),
        ({"region_code": "63.71.1"}, "region_code"),
        ({"region_code": "63.71.01.101"}, "region_code"),
        ({"name": "   "}, "name"),
    ],
)
async def test_bad_institution_is_422_naming_the_field(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    override: dict,
    field: str,
) -> None:
    response = await programs.post("/api/v1/institutions", json={**PSTW, **override}, headers=PROVINCE)
    assert response.status_code == 422
    assert problem_fields(response) == {field}
    assert await count(engine, "institutions") == 0
    assert await outbox(engine, "institution.created") == []


async def test_only_officers_of_the_region_register(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    viewer = await programs.post("/api/v1/institutions", json=PSTW, headers=auth("viewer", regions=["63"]))
    assert viewer.status_code == 403 and problem_type(viewer).endswith("/forbidden")
    operator = await programs.post(
        "/api/v1/institutions", json=PSTW, headers=auth("institution_operator", regions=["63.71"])
    )
    assert operator.status_code == 403
    elsewhere = await programs.post("/api/v1/institutions", json=PSAA, headers=KOTA)  # 63.03 from 63.71
    assert elsewhere.status_code == 403 and problem_type(elsewhere).endswith("/forbidden")
    assert await count(engine, "institutions") == 0

    own = await programs.post("/api/v1/institutions", json=PSTW, headers=KOTA)
    assert own.status_code == 201


async def test_without_token_is_401(programs: httpx.AsyncClient) -> None:
    response = await programs.get("/api/v1/institutions")
    assert response.status_code == 401 and problem_type(response).endswith("/unauthorized")


async def test_regency_officer_sees_only_own_regency(programs: httpx.AsyncClient) -> None:
    kota = await new_institution(programs)
    banjar = await new_institution(programs, PSAA)

    other = await programs.get(f"/api/v1/institutions/{banjar['id']}", headers=KOTA)
    assert other.status_code == 404 and problem_type(other).endswith("/not-found")
    listed = (await programs.get("/api/v1/institutions", headers=KOTA)).json()
    assert [i["id"] for i in listed["items"]] == [kota["id"]]
    by_region = (await programs.get("/api/v1/institutions", params={"region": "63.03"}, headers=KOTA)).json()
    assert by_region["items"] == []
    # Nor can they admit to it: it does not exist for them.
    refused = await admit(programs, banjar["id"], headers=KOTA)
    assert refused.status_code == 404
    assert await occupancy(programs, banjar["id"]) == 0

    everything = (await programs.get("/api/v1/institutions", headers=PROVINCE)).json()
    assert {i["id"] for i in everything["items"]} == {kota["id"], banjar["id"]}


async def test_unknown_or_malformed_institution(programs: httpx.AsyncClient) -> None:
    unknown = await programs.get(f"/api/v1/institutions/{uuid.uuid4()}", headers=PROVINCE)
    assert unknown.status_code == 404
    malformed = await programs.get("/api/v1/institutions/panti-1", headers=PROVINCE)
    assert malformed.status_code == 422 and problem_fields(malformed) == {"institution_id"}


async def test_institution_operator_works_only_in_the_listed_institutions(
    programs: httpx.AsyncClient,
) -> None:
    mine = await new_institution(programs)
    theirs = await new_institution(programs, {**PSTW, "name": "PSBL Rumbai"})  # same region, other panti
    operator = auth("institution_operator", institutions=[mine["id"]])

    assert (await programs.get(f"/api/v1/institutions/{mine['id']}", headers=operator)).status_code == 200
    assert (await programs.get(f"/api/v1/institutions/{theirs['id']}", headers=operator)).status_code == 404
    listed = (await programs.get("/api/v1/institutions", headers=operator)).json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]

    ok = await admit(programs, mine["id"], headers=operator)
    assert ok.status_code == 201, ok.text
    refused = await admit(programs, theirs["id"], headers=operator)
    assert refused.status_code == 404
    assert await occupancy(programs, mine["id"]) == 1
    assert await occupancy(programs, theirs["id"]) == 0

    # The operator can discharge their own client, and not one of the other panti.
    other_client = await admitted(programs, theirs["id"])
    assert (await discharge(programs, other_client["id"], headers=operator)).status_code == 404
    assert (await discharge(programs, ok.json()["id"], headers=operator)).status_code == 200

    # An operator whose token lists no institution sees none.
    nobody = auth("institution_operator")
    assert (await programs.get(f"/api/v1/institutions/{mine['id']}", headers=nobody)).status_code == 404
    assert (await programs.get("/api/v1/institutions", headers=nobody)).json()["items"] == []


# --- Admissions -------------------------------------------------------------------------------------


async def test_admit_counts_towards_occupancy(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs)
    person = uuid.uuid4()
    response = await admit(programs, panti["id"], person)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["institution_id"] == panti["id"] and body["person_id"] == str(person)
    assert body["region_code"] == "63.71.01" and body["admitted_on"] == LAST_MONTH
    assert body["status"] == "active" and body["discharged_on"] is None and body["discharge_outcome"] is None

    assert await occupancy(programs, panti["id"]) == 1
    read = await programs.get(f"/api/v1/admissions/{body['id']}", headers=KOTA)
    assert read.status_code == 200 and read.json() == body
    # The list shows the same occupancy as the institution itself.
    listed = (await programs.get("/api/v1/institutions", headers=KOTA)).json()
    assert [(i["id"], i["occupancy"]) for i in listed["items"]] == [(panti["id"], 1)]


async def test_resident_cannot_be_admitted_twice(programs: httpx.AsyncClient) -> None:
    first = await new_institution(programs)
    second = await new_institution(programs, PSAA)
    person = uuid.uuid4()
    await admitted(programs, first["id"], person)

    elsewhere = await admit(programs, second["id"], person)
    assert elsewhere.status_code == 409
    assert problem_type(elsewhere).endswith("/already-admitted")
    again_here = await admit(programs, first["id"], person)
    assert again_here.status_code == 409 and problem_type(again_here).endswith("/already-admitted")

    assert await occupancy(programs, first["id"]) == 1
    assert await occupancy(programs, second["id"]) == 0


async def test_full_institution_refuses_and_occupancy_is_unchanged(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    panti = await new_institution(programs, capacity=2)
    for _ in range(2):
        await admitted(programs, panti["id"])
    person = uuid.uuid4()
    full = await admit(programs, panti["id"], person)
    assert full.status_code == 409
    assert problem_type(full).endswith("/institution-full")
    assert await occupancy(programs, panti["id"]) == 2
    listed = (
        await programs.get("/api/v1/admissions", params={"person_id": str(person)}, headers=PROVINCE)
    ).json()
    assert listed["items"] == []
    assert await count(engine, "admissions") == 2


async def test_bad_admission_is_422_naming_the_field(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    panti = await new_institution(programs)
    future = await admit(programs, panti["id"], admitted_on=FUTURE)
    assert future.status_code == 422 and problem_fields(future) == {"admitted_on"}
    not_a_date = await admit(programs, panti["id"], admitted_on="23-11-2026")
    assert not_a_date.status_code == 422 and problem_fields(not_a_date) == {"admitted_on"}
    not_a_uuid = await admit(programs, panti["id"], "NIK-6371014506850001")
    assert not_a_uuid.status_code == 422 and problem_fields(not_a_uuid) == {"person_id"}
    missing = await programs.post(
        f"/api/v1/institutions/{panti['id']}/admissions", json={"admitted_on": LAST_MONTH}, headers=PROVINCE
    )
    assert missing.status_code == 422 and problem_fields(missing) == {"person_id"}

    assert await occupancy(programs, panti["id"]) == 0
    assert await count(engine, "admissions") == 0
    assert await outbox(engine, "admission.created") == []


async def test_admission_needs_an_operating_role(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs)
    for headers in (auth("viewer", regions=["63"]), auth("field_officer", regions=["63.71"])):
        response = await admit(programs, panti["id"], headers=headers)
        assert response.status_code == 403
    assert await occupancy(programs, panti["id"]) == 0


async def test_concurrent_admissions_never_exceed_capacity(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs, capacity=3)
    responses = await asyncio.gather(*(admit(programs, panti["id"]) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 5, [r.text for r in responses]
    assert all(problem_type(r).endswith("/institution-full") for r in responses if r.status_code == 409)
    assert await occupancy(programs, panti["id"]) == 3
    listed = (
        await programs.get("/api/v1/admissions", params={"institution_id": panti["id"]}, headers=PROVINCE)
    ).json()
    assert len(listed["items"]) == 3


async def test_concurrent_admissions_of_one_person_admit_once(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    institutions = [await new_institution(programs, name=f"Panti {i}") for i in range(5)]
    person = uuid.uuid4()
    responses = await asyncio.gather(*(admit(programs, i["id"], person) for i in institutions))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 4, [r.text for r in responses]
    assert all(problem_type(r).endswith("/already-admitted") for r in responses if r.status_code == 409)
    assert sum([await occupancy(programs, i["id"]) for i in institutions]) == 1
    assert await count(engine, "admissions") == 1
    assert len(await outbox(engine, "admission.created")) == 1


# --- Discharge --------------------------------------------------------------------------------------


async def test_discharge_frees_the_place(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs, capacity=1)
    stay = await admitted(programs, panti["id"])
    assert (await admit(programs, panti["id"])).status_code == 409

    response = await discharge(programs, stay["id"], outcome="independent")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == stay["id"] and body["status"] == "discharged"
    assert body["discharged_on"] == LAST_WEEK and body["discharge_outcome"] == "independent"
    assert await occupancy(programs, panti["id"]) == 0

    assert (await admit(programs, panti["id"])).status_code == 201
    assert await occupancy(programs, panti["id"]) == 1


async def test_discharging_twice_is_409_and_keeps_the_first(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    assert (await discharge(programs, stay["id"], outcome="referred")).status_code == 200
    again = await discharge(programs, stay["id"], discharged_on=TODAY.isoformat(), outcome="died")
    assert again.status_code == 409 and problem_type(again).endswith("/already-discharged")
    read = (await programs.get(f"/api/v1/admissions/{stay['id']}", headers=PROVINCE)).json()
    assert read["discharged_on"] == LAST_WEEK and read["discharge_outcome"] == "referred"


@pytest.mark.parametrize(
    ("discharged_on", "outcome", "field"),
    [
        (
            (TODAY - timedelta(days=31)).isoformat(),
            "independent",
            "discharged_on",
        ),  # the day before admission
        (FUTURE, "independent", "discharged_on"),
        (LAST_WEEK, "ran_away", "outcome"),
    ],
)
async def test_bad_discharge_is_422_and_stay_stays_active(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    discharged_on: str,
    outcome: str,
    field: str,
) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    response = await discharge(programs, stay["id"], discharged_on=discharged_on, outcome=outcome)
    assert response.status_code == 422 and problem_fields(response) == {field}
    read = (await programs.get(f"/api/v1/admissions/{stay['id']}", headers=PROVINCE)).json()
    assert read["status"] == "active" and read["discharged_on"] is None
    assert await occupancy(programs, panti["id"]) == 1
    assert await outbox(engine, "admission.discharged") == []


async def test_discharged_on_the_admission_day_is_fine(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    response = await discharge(programs, stay["id"], discharged_on=LAST_MONTH, outcome="died")
    assert response.status_code == 200 and response.json()["discharged_on"] == LAST_MONTH


async def test_after_discharge_the_person_can_be_admitted_elsewhere(programs: httpx.AsyncClient) -> None:
    first = await new_institution(programs)
    second = await new_institution(programs, PSAA)
    person = uuid.uuid4()
    stay = await admitted(programs, first["id"], person)
    assert (await admit(programs, second["id"], person)).status_code == 409
    assert (await discharge(programs, stay["id"], outcome="referred")).status_code == 200

    moved = await admit(programs, second["id"], person, admitted_on=LAST_WEEK)
    assert moved.status_code == 201, moved.text
    history = (
        await programs.get("/api/v1/admissions", params={"person_id": str(person)}, headers=PROVINCE)
    ).json()
    assert sorted((a["institution_id"], a["status"]) for a in history["items"]) == sorted(
        [(first["id"], "discharged"), (second["id"], "active")]
    )


async def test_unknown_admission_is_404(programs: httpx.AsyncClient) -> None:
    assert (await discharge(programs, str(uuid.uuid4()))).status_code == 404
    assert (await programs.get(f"/api/v1/admissions/{uuid.uuid4()}", headers=PROVINCE)).status_code == 404


# --- Events and lists -------------------------------------------------------------------------------


async def test_admission_writes_one_outbox_event_and_a_refusal_none(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    panti = await new_institution(programs, capacity=1)
    person = uuid.uuid4()
    stay = await admitted(programs, panti["id"], person)

    events = await outbox(engine, "admission.created")
    assert len(events) == 1
    assert events[0]["subject"] == stay["id"] and events[0]["source"] == "programs"
    assert events[0]["payload"] == {
        "admission_id": stay["id"],
        "institution_id": panti["id"],
        "person_id": str(person),
        "admitted_on": LAST_MONTH,
        "region_code": "63.71.01",
        # Added by issue 5; the five keys above are the contract the worker relies on.
        "ppks_type": None,
        "assessment_id": None,
        "peksos_person_id": None,
    }

    assert (await admit(programs, panti["id"])).status_code == 409  # full
    assert (await admit(programs, panti["id"], person)).status_code == 409  # already resident
    assert (await admit(programs, panti["id"], admitted_on=FUTURE)).status_code == 422
    assert len(await outbox(engine, "admission.created")) == 1

    assert (await discharge(programs, stay["id"])).status_code == 200
    discharged = await outbox(engine, "admission.discharged")
    assert [e["payload"]["admission_id"] for e in discharged] == [stay["id"]]
    assert discharged[0]["payload"]["outcome"] == "returned_to_family"


async def test_admissions_by_person_are_scoped(programs: httpx.AsyncClient) -> None:
    kota = await new_institution(programs)
    banjar = await new_institution(programs, PSAA)
    person = uuid.uuid4()
    in_banjar = await admitted(programs, banjar["id"], person)
    assert (await discharge(programs, in_banjar["id"])).status_code == 200
    in_kota = await admitted(programs, kota["id"], person)
    await admitted(programs, kota["id"])  # somebody else

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    params = {"person_id": str(person)}
    assert ids(await programs.get("/api/v1/admissions", params=params, headers=KOTA)) == [in_kota["id"]]
    assert ids(await programs.get("/api/v1/admissions", params=params, headers=BANJAR)) == [in_banjar["id"]]
    assert set(ids(await programs.get("/api/v1/admissions", params=params, headers=PROVINCE))) == {
        in_kota["id"],
        in_banjar["id"],
    }
    # Lists say how many match in all, within the caller's scope, whatever the page size.
    counted = await programs.get("/api/v1/admissions", params={"limit": 1}, headers=KOTA)
    assert (counted.json()["total"], counted.json()["total_is_lower_bound"]) == (2, False)
    active = await programs.get("/api/v1/admissions", params={**params, "status": "active"}, headers=PROVINCE)
    assert active.json()["total"] == 1
    assert (await programs.get(f"/api/v1/admissions/{in_banjar['id']}", headers=KOTA)).status_code == 404
    active = await programs.get("/api/v1/admissions", params={**params, "status": "active"}, headers=PROVINCE)
    assert ids(active) == [in_kota["id"]]
    bad = await programs.get("/api/v1/admissions", params={"person_id": "budi"}, headers=PROVINCE)
    assert bad.status_code == 422 and problem_fields(bad) == {"person_id"}


async def test_admissions_list_pages_with_a_cursor(programs: httpx.AsyncClient) -> None:
    panti = await new_institution(programs, capacity=5)
    stays = {(await admitted(programs, panti["id"]))["id"] for _ in range(5)}
    first = (await programs.get("/api/v1/admissions", params={"limit": 3}, headers=PROVINCE)).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = (
        await programs.get(
            "/api/v1/admissions", params={"limit": 3, "cursor": first["next_cursor"]}, headers=PROVINCE
        )
    ).json()
    assert second["next_cursor"] is None
    assert {a["id"] for a in first["items"] + second["items"]} == stays


# --- Findings ---------------------------------------------------------------------------------------


def report(subject_id: str, *, holds: bool = True, rule: str = "client_deceased", **detail: Any) -> dict:
    return {
        "rule": rule,
        "subject_type": "admission",
        "subject_id": subject_id,
        "holds": holds,
        "detail": detail,
    }


async def findings(client: httpx.AsyncClient, headers: dict, **params: str) -> list[dict]:
    response = await client.get("/api/v1/findings", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_findings_need_a_token(programs: httpx.AsyncClient) -> None:
    response = await programs.get("/api/v1/findings")
    assert response.status_code == 401 and problem_type(response).endswith("/unauthorized")
    put = await programs.put("/api/v1/findings", json=report(str(uuid.uuid4())))
    assert put.status_code == 401


@pytest.mark.parametrize(
    "role", ["provincial_officer", "regency_officer", "institution_operator", "field_officer", "viewer"]
)
async def test_only_the_worker_reports_findings(programs: httpx.AsyncClient, engine, role: str) -> None:  # type: ignore[no-untyped-def]
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    headers = auth(role, regions=["63"], institutions=[panti["id"]])
    response = await programs.put("/api/v1/findings", json=report(stay["id"]), headers=headers)
    assert response.status_code == 403 and problem_type(response).endswith("/forbidden")
    assert await count(engine, "findings") == 0


async def test_finding_opens_once_closes_and_reopens(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])

    opened = await programs.put(
        "/api/v1/findings", json=report(stay["id"], died_on="2026-10-01"), headers=SERVICE
    )
    assert opened.status_code == 200, opened.text
    finding = opened.json()
    assert finding["status"] == "open" and finding["closed_at"] is None
    assert finding["rule"] == "client_deceased" and finding["subject_id"] == stay["id"]
    assert finding["region_code"] == "63.71.01" and finding["detail"] == {"died_on": "2026-10-01"}

    again = await programs.put(
        "/api/v1/findings", json=report(stay["id"], died_on="2026-10-01"), headers=SERVICE
    )
    assert (
        again.status_code == 200 and again.json()["id"] == finding["id"] and again.json()["status"] == "open"
    )
    assert await count(engine, "findings") == 1

    closed = await programs.put("/api/v1/findings", json=report(stay["id"], holds=False), headers=SERVICE)
    assert closed.status_code == 200
    assert closed.json()["id"] == finding["id"]
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] is not None
    listed = await findings(programs, PROVINCE, subject_id=stay["id"])
    assert [(f["id"], f["status"]) for f in listed] == [(finding["id"], "closed")]

    reopened = await programs.put(
        "/api/v1/findings", json=report(stay["id"], died_on="2026-10-02"), headers=SERVICE
    )
    assert reopened.status_code == 200
    assert reopened.json()["id"] == finding["id"]
    assert reopened.json()["status"] == "open" and reopened.json()["closed_at"] is None
    assert reopened.json()["detail"] == {"died_on": "2026-10-02"}
    assert await count(engine, "findings") == 1

    # Another rule on the same admission is a finding of its own.
    other = await programs.put(
        "/api/v1/findings", json=report(stay["id"], rule="person_unknown"), headers=SERVICE
    )
    assert other.status_code == 200 and other.json()["id"] != finding["id"]
    assert {f["rule"] for f in await findings(programs, PROVINCE, status="open")} == {
        "client_deceased",
        "person_unknown",
    }


async def test_cause_gone_before_any_finding_records_nothing(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    response = await programs.put("/api/v1/findings", json=report(stay["id"], holds=False), headers=SERVICE)
    assert response.status_code == 200 and response.json() is None
    assert await count(engine, "findings") == 0


async def test_findings_are_scoped_like_admissions(programs: httpx.AsyncClient) -> None:
    kota = await new_institution(programs)
    banjar = await new_institution(programs, PSAA)
    in_kota = await admitted(programs, kota["id"])
    in_banjar = await admitted(programs, banjar["id"])
    for stay in (in_kota, in_banjar):
        response = await programs.put("/api/v1/findings", json=report(stay["id"]), headers=SERVICE)
        assert response.status_code == 200

    assert [f["subject_id"] for f in await findings(programs, KOTA)] == [in_kota["id"]]
    assert [f["subject_id"] for f in await findings(programs, BANJAR)] == [in_banjar["id"]]
    assert await findings(programs, KOTA, subject_id=in_banjar["id"]) == []
    operator = auth("institution_operator", institutions=[banjar["id"]])
    assert [f["subject_id"] for f in await findings(programs, operator)] == [in_banjar["id"]]
    assert len(await findings(programs, PROVINCE)) == 2


async def test_finding_on_an_unknown_subject_is_404(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    unknown = await programs.put("/api/v1/findings", json=report(str(uuid.uuid4())), headers=SERVICE)
    assert unknown.status_code == 404 and problem_type(unknown).endswith("/not-found")
    # A subject this service does not own is unknown here too.
    panti = await new_institution(programs)
    stay = await admitted(programs, panti["id"])
    foreign = await programs.put(
        "/api/v1/findings", json={**report(stay["id"]), "subject_type": "distribution"}, headers=SERVICE
    )
    assert foreign.status_code == 404
    assert await count(engine, "findings") == 0


async def test_malformed_finding_report_is_422(programs: httpx.AsyncClient) -> None:
    bad_rule = await programs.put(
        "/api/v1/findings", json=report(str(uuid.uuid4()), rule="Client Deceased!"), headers=SERVICE
    )
    assert bad_rule.status_code == 422 and problem_fields(bad_rule) == {"rule"}
    no_holds = {k: v for k, v in report(str(uuid.uuid4())).items() if k != "holds"}
    missing = await programs.put("/api/v1/findings", json=no_holds, headers=SERVICE)
    assert missing.status_code == 422 and problem_fields(missing) == {"holds"}
