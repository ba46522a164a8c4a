"""Panti clients in depth: the PPKS type fits the panti and the client's age, the Peksos is a real
PSKS 01 within the 1:10 norm (or overridden with a reason that is reported), basic needs recorded
as they are met."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.programs.helpers import (
    BANJAR,
    KOTA,
    PROVINCE,
    TODAY,
    count,
    feed_assessment,
    feed_peksos,
    moment,
    outbox,
    problem_fields,
    problem_type,
    years_ago,
)
from tests.support import auth

LAST_MONTH = (TODAY - timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


async def panti(client: httpx.AsyncClient, kind: str = "lanjut_usia", capacity: int = 30) -> dict:
    response = await client.post(
        "/api/v1/institutions",
        json={
            "name": f"Panti {kind}",
            "kind": kind,
            "region_code": "63.71.01",
            "capacity": capacity,
            "operator": "UPTD Dinas Sosial Provinsi",
        },
        headers=PROVINCE,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def admit(client: httpx.AsyncClient, institution: dict, **body: Any) -> httpx.Response:
    body = {"person_id": str(uuid.uuid4()), "admitted_on": LAST_MONTH, **body}
    body = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in body.items()}
    return await client.post(
        f"/api/v1/institutions/{institution['id']}/admissions", json=body, headers=PROVINCE
    )


async def occupancy(client: httpx.AsyncClient, institution: dict) -> int:
    return (await client.get(f"/api/v1/institutions/{institution['id']}", headers=PROVINCE)).json()[
        "occupancy"
    ]


# --- Fit between the client and the panti -----------------------------------------------------------


async def test_operator_is_kept(programs: httpx.AsyncClient) -> None:
    home = await panti(programs)
    assert home["operator"] == "UPTD Dinas Sosial Provinsi"


@pytest.mark.parametrize(
    ("kind", "ppks_type", "ok"),
    [
        ("anak", "02", True),
        ("anak", "07", True),
        ("anak", "08", False),
        ("lanjut_usia", "08", True),
        ("lanjut_usia", "09", False),
        ("disabilitas", "05", True),
        ("disabilitas", "09", True),
        ("disabilitas", "02", False),
        ("gelandangan_pengemis", "11", True),
        ("gelandangan_pengemis", "12", True),
        ("gelandangan_pengemis", "13", False),
        ("other", "24", True),
    ],
)
async def test_ppks_type_must_fit_the_kind(
    programs: httpx.AsyncClient, kind: str, ppks_type: str, ok: bool
) -> None:
    home = await panti(programs, kind)
    response = await admit(programs, home, ppks_type=ppks_type)
    if ok:
        assert response.status_code == 201, response.text
        assert response.json()["ppks_type"] == ppks_type
    else:
        assert response.status_code == 422 and problem_fields(response) == {"ppks_type"}
        assert await occupancy(programs, home) == 0


@pytest.mark.parametrize(
    ("kind", "ppks_type", "birth_date", "field"),
    [
        ("anak", "01", years_ago(4), None),
        ("anak", "01", years_ago(5, days=31), "ppks_type"),  # 01 is for children under five
        ("anak", "02", years_ago(17), None),
        ("anak", "02", years_ago(18), None),  # 18 today, but 17 on the day of admission
        ("anak", "02", years_ago(18, days=31), "ppks_type"),
        ("anak", None, years_ago(18, days=31), "birth_date"),  # no type: the kind's rule still holds
        ("lanjut_usia", "08", years_ago(60, days=31), None),
        ("lanjut_usia", "08", years_ago(59), "ppks_type"),
        ("lanjut_usia", None, years_ago(45), "birth_date"),
        ("disabilitas", "09", years_ago(30), None),
        ("disabilitas", "05", years_ago(30), "ppks_type"),  # 05 is a child with a disability
    ],
)
async def test_age_rules_from_the_requests_birth_date(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    kind: str,
    ppks_type: str | None,
    birth_date: str,
    field: str | None,
) -> None:
    home = await panti(programs, kind)
    # The age is taken on admitted_on (a month ago); "today's age" would let an 18-year-old in.
    body: dict[str, Any] = {"birth_date": birth_date, "admitted_on": LAST_MONTH}
    if ppks_type:
        body["ppks_type"] = ppks_type
    response = await admit(programs, home, **body)
    if field is None:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422 and problem_fields(response) == {field}, response.text
        assert await count(engine, "admissions") == 0
        assert await outbox(engine, "admission.created") == []


async def test_the_registry_birth_date_wins(programs: httpx.AsyncClient) -> None:
    home = await panti(programs, "lanjut_usia")
    person = uuid.uuid4()
    await feed_assessment(programs, person_id=person, ppks_type="08", birth_date=years_ago(52))
    # The registry says 52: a panti lanjut usia does not take them, whatever the request says.
    refused = await admit(programs, home, person_id=person)
    assert refused.status_code == 422 and problem_fields(refused) == {"birth_date"}
    disagreeing = await admit(programs, home, person_id=person, birth_date=years_ago(70))
    assert disagreeing.status_code == 422 and problem_fields(disagreeing) == {"birth_date"}
    assert "registry" in disagreeing.json()["errors"][0]["message"]
    assert await occupancy(programs, home) == 0


async def test_admission_from_an_assessment_takes_its_type(programs: httpx.AsyncClient) -> None:
    home = await panti(programs, "lanjut_usia")
    person = uuid.uuid4()
    assessment = await feed_assessment(programs, person_id=person, ppks_type="08", birth_date=years_ago(71))
    response = await admit(programs, home, person_id=person, assessment_id=assessment["assessment_id"])
    assert response.status_code == 201, response.text
    assert response.json()["ppks_type"] == "08"
    assert response.json()["assessment_id"] == assessment["assessment_id"]


async def test_bad_assessment_references_are_422(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    home = await panti(programs, "lanjut_usia")
    person = uuid.uuid4()
    own = await feed_assessment(programs, person_id=person, ppks_type="08")
    other = await feed_assessment(programs, ppks_type="08")
    resolved = await feed_assessment(
        programs, person_id=person, ppks_type="08", status="resolved_other", resolved_on="2026-01-10"
    )
    cases = [
        ({"assessment_id": str(uuid.uuid4())}, "assessment_id"),  # not (yet) known here
        ({"assessment_id": other["assessment_id"]}, "assessment_id"),  # someone else's
        ({"assessment_id": own["assessment_id"], "ppks_type": "09"}, "ppks_type"),  # contradicts it
        ({"assessment_id": resolved["assessment_id"]}, "assessment_id"),  # closed before admission
        ({"ppks_type": "8"}, "ppks_type"),
        ({"birth_date": (TODAY + timedelta(days=3)).isoformat()}, "birth_date"),
    ]
    for body, field in cases:
        response = await admit(programs, home, person_id=person, **body)
        assert response.status_code == 422 and problem_fields(response) == {field}, (body, response.text)
    assert await count(engine, "admissions") == 0


async def test_without_any_birth_date_the_admission_goes_through(programs: httpx.AsyncClient) -> None:
    # Many registry rows lack a birth date; the worker can check later. The e2e flows rely on this.
    home = await panti(programs, "lanjut_usia")
    response = await admit(programs, home)
    assert response.status_code == 201 and response.json()["ppks_type"] is None


# --- Peksos and the caseload norm -------------------------------------------------------------------


async def test_peksos_must_hold_an_active_psks_01_role(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    home = await panti(programs)
    stranger = await admit(programs, home, peksos_person_id=uuid.uuid4())
    assert stranger.status_code == 422 and problem_fields(stranger) == {"peksos_person_id"}
    psm = await feed_peksos(programs, psks_type="02")  # a PSM volunteer is not a Peksos
    assert problem_fields(await admit(programs, home, peksos_person_id=psm)) == {"peksos_person_id"}
    ended = await feed_peksos(programs, status="ended")
    assert problem_fields(await admit(programs, home, peksos_person_id=ended)) == {"peksos_person_id"}
    lapsed = await feed_peksos(programs, active_until=(TODAY - timedelta(days=1)).isoformat())
    assert problem_fields(await admit(programs, home, peksos_person_id=lapsed)) == {"peksos_person_id"}
    assert await count(engine, "admissions") == 0

    peksos = await feed_peksos(programs)
    ok = await admit(programs, home, peksos_person_id=peksos)
    assert ok.status_code == 201 and ok.json()["peksos_person_id"] == str(peksos)


async def test_the_eleventh_client_needs_an_override_which_is_reported(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    home = await panti(programs)
    peksos = await feed_peksos(programs)
    for _ in range(10):
        assert (await admit(programs, home, peksos_person_id=peksos)).status_code == 201

    refused = await admit(programs, home, peksos_person_id=peksos)
    assert refused.status_code == 409 and problem_type(refused) == "caseload-exceeded"
    assert "10" in refused.json()["detail"]
    assert await occupancy(programs, home) == 10  # nothing half-written
    too_short = await admit(programs, home, peksos_person_id=peksos, override_reason="ok")
    assert too_short.status_code == 422 and problem_fields(too_short) == {"override_reason"}

    reason = "Peksos kedua sedang cuti melahirkan sampai Januari"
    over = await admit(programs, home, peksos_person_id=peksos, override_reason=reason)
    assert over.status_code == 201, over.text
    assert over.json()["caseload_override_reason"] == reason

    load = (await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=KOTA)).json()
    assert load["limit"] == 10 and load["active_clients"] == 11 and load["unassigned_clients"] == 0
    assert load["peksos"] == [
        {"peksos_person_id": str(peksos), "clients": 11, "over_limit": True, "still_peksos": True}
    ]
    assert [(o["admission_id"], o["reason"], o["overridden_by"]) for o in load["overrides"]] == [
        (over.json()["id"], reason, "test-provincial_officer")
    ]
    events = await outbox(engine, "admission.caseload_overridden")
    assert [(e["subject"], e["payload"]["caseload"], e["payload"]["limit"]) for e in events] == [
        (over.json()["id"], 11, 10)
    ]


async def test_the_limit_is_configurable(programs: httpx.AsyncClient) -> None:
    home = await panti(programs)
    peksos = await feed_peksos(programs)
    changed = await programs.put(
        "/api/v1/parameters/peksos_caseload_limit", json={"value": 2}, headers=PROVINCE
    )
    assert changed.status_code == 200
    for _ in range(2):
        assert (await admit(programs, home, peksos_person_id=peksos)).status_code == 201
    third = await admit(programs, home, peksos_person_id=peksos)
    assert third.status_code == 409 and problem_type(third) == "caseload-exceeded"
    load = (await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=PROVINCE)).json()
    assert load["limit"] == 2 and load["peksos"][0]["over_limit"] is False


async def test_concurrent_assignments_never_pass_the_limit(programs: httpx.AsyncClient) -> None:
    home = await panti(programs)
    peksos = await feed_peksos(programs)
    responses = await asyncio.gather(*(admit(programs, home, peksos_person_id=peksos) for _ in range(14)))
    assert sorted(r.status_code for r in responses) == [201] * 10 + [409] * 4
    load = (await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=PROVINCE)).json()
    assert load["peksos"][0]["clients"] == 10


async def test_reassigning_and_the_caseload_view(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    home = await panti(programs)
    second_role = uuid.uuid4()
    first, second = await feed_peksos(programs), await feed_peksos(programs, role_id=second_role)
    stay = (await admit(programs, home)).json()
    await admit(programs, home, peksos_person_id=first)
    assert stay["peksos_person_id"] is None

    moved = await programs.put(
        f"/api/v1/admissions/{stay['id']}/peksos", json={"peksos_person_id": str(second)}, headers=PROVINCE
    )
    assert moved.status_code == 200 and moved.json()["peksos_person_id"] == str(second)
    assert len(await outbox(engine, "admission.peksos_assigned")) == 1
    not_peksos = await programs.put(
        f"/api/v1/admissions/{stay['id']}/peksos",
        json={"peksos_person_id": str(uuid.uuid4())},
        headers=PROVINCE,
    )
    assert not_peksos.status_code == 422 and problem_fields(not_peksos) == {"peksos_person_id"}
    load = (await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=PROVINCE)).json()
    assert {p["peksos_person_id"]: p["clients"] for p in load["peksos"]} == {str(first): 1, str(second): 1}

    # The registry ends the second's role: the view shows it, and they take no new client.
    await feed_peksos(programs, second, status="ended", role_id=second_role, occurred_at=moment(60))
    load = (await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=PROVINCE)).json()
    assert {p["peksos_person_id"]: p["still_peksos"] for p in load["peksos"]} == {
        str(first): True,
        str(second): False,
    }
    assert problem_fields(await admit(programs, home, peksos_person_id=second)) == {"peksos_person_id"}

    other = await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=BANJAR)
    assert other.status_code == 404
    operator = auth("institution_operator", institutions=[home["id"]])
    assert (
        await programs.get(f"/api/v1/institutions/{home['id']}/caseload", headers=operator)
    ).status_code == 200


# --- Basic needs ------------------------------------------------------------------------------------


async def test_basic_needs_are_recorded_once_each_within_the_stay(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    home = await panti(programs)
    stay = (await admit(programs, home)).json()
    url = f"/api/v1/admissions/{stay['id']}/basic-needs"
    food = await programs.post(url, json={"need": "food", "met_on": LAST_MONTH}, headers=PROVINCE)
    assert food.status_code == 201, food.text
    assert food.json()["need"] == "food" and food.json()["recorded_by"] == "test-provincial_officer"
    again = await programs.post(url, json={"need": "food", "met_on": YESTERDAY}, headers=PROVINCE)
    assert again.status_code == 409 and problem_type(again) == "basic-need-already-met"

    before = (TODAY - timedelta(days=31)).isoformat()
    for body, field in [
        ({"need": "wifi", "met_on": YESTERDAY}, "need"),
        ({"need": "Food", "met_on": YESTERDAY}, "need"),
        ({"need": "housing", "met_on": before}, "met_on"),
        ({"need": "housing", "met_on": (TODAY + timedelta(days=2)).isoformat()}, "met_on"),
        ({"need": "housing"}, "met_on"),
    ]:
        response = await programs.post(url, json=body, headers=PROVINCE)
        assert response.status_code == 422 and problem_fields(response) == {field}, (body, response.text)

    assert (
        await programs.post(url, json={"need": "housing", "met_on": YESTERDAY}, headers=PROVINCE)
    ).status_code == 201
    listed = (await programs.get(url, headers=KOTA)).json()
    assert [n["need"] for n in listed] == ["food", "housing"]
    assert await count(engine, "basic_needs_met") == 2

    assert (await programs.get(url, headers=BANJAR)).status_code == 404
    viewer = await programs.post(url, json={"need": "clothing", "met_on": YESTERDAY}, headers=auth("viewer"))
    assert viewer.status_code == 403

    discharged = await programs.post(
        f"/api/v1/admissions/{stay['id']}/discharge",
        json={"discharged_on": (TODAY - timedelta(days=10)).isoformat(), "outcome": "returned_to_family"},
        headers=PROVINCE,
    )
    assert discharged.status_code == 200
    late = await programs.post(url, json={"need": "return_home", "met_on": YESTERDAY}, headers=PROVINCE)
    assert late.status_code == 422 and problem_fields(late) == {"met_on"}
    on_time = (TODAY - timedelta(days=10)).isoformat()
    recorded_late = await programs.post(
        url, json={"need": "return_home", "met_on": on_time}, headers=PROVINCE
    )
    assert recorded_late.status_code == 201
