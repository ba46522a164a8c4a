"""Programs, budgets and money: quarterly spending within the budget, activities, enrolments (one
per person and period) and aid within the program's limit per person."""

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
    outbox,
    problem_fields,
    problem_type,
)
from tests.support import auth

YEAR = TODAY.year
PROGRAM = {
    "code": "1.06.02.2.01",
    "name": "Rehabilitasi Sosial Dasar Lanjut Usia Terlantar di Dalam Panti",
    "area": "rehabilitasi_sosial",
    "year": YEAR,
    "funding_source": "APBD",
    "region_code": "63",
    "budget": 1_000_000,
    "benefit_limit": 600_000,
}
START, END = f"{YEAR}-01-01", f"{YEAR}-12-31"
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


async def new_program(client: httpx.AsyncClient, **overrides: object) -> dict:
    response = await client.post("/api/v1/programs", json={**PROGRAM, **overrides}, headers=PROVINCE)
    assert response.status_code == 201, response.text
    return response.json()


async def enrol(
    client: httpx.AsyncClient, program: dict, person: uuid.UUID | None = None, **overrides: object
) -> httpx.Response:
    body = {
        "person_id": str(person or uuid.uuid4()),
        "region_code": "63.71.01.1001",
        "period_start": START,
        "period_end": END,
        **overrides,
    }
    return await client.post(f"/api/v1/programs/{program['id']}/enrolments", json=body, headers=PROVINCE)


async def give(
    client: httpx.AsyncClient, enrolment: dict, amount: float, **overrides: object
) -> httpx.Response:
    body = {"kind": "cash", "amount": amount, "given_on": YESTERDAY, **overrides}
    return await client.post(f"/api/v1/enrolments/{enrolment['id']}/benefits", json=body, headers=PROVINCE)


async def test_program_with_budget_and_quarterly_spending(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    program = await new_program(programs)
    assert program["budget"] == 1_000_000 and program["realised"] == 0
    assert program["spending"] == [{"quarter": q, "amount": None} for q in range(1, 5)]
    assert program["absorption_percent"] == 0

    q1 = await programs.put(
        f"/api/v1/programs/{program['id']}/spending/1", json={"amount": 250_000}, headers=PROVINCE
    )
    assert q1.status_code == 200, q1.text
    corrected = await programs.put(
        f"/api/v1/programs/{program['id']}/spending/1", json={"amount": 300_000.5}, headers=PROVINCE
    )
    assert corrected.json()["spending"][0] == {"quarter": 1, "amount": 300_000.5}
    assert corrected.json()["realised"] == 300_000.5 and corrected.json()["absorption_percent"] == 30.0

    over = await programs.put(
        f"/api/v1/programs/{program['id']}/spending/1", json={"amount": 1_000_001}, headers=PROVINCE
    )
    assert over.status_code == 409 and problem_type(over) == "over-budget"
    for path, body, field in [
        ("spending/5", {"amount": 1}, "quarter"),
        ("spending/0", {"amount": 1}, "quarter"),
        ("spending/1", {"amount": -1}, "amount"),
        ("spending/1", {"amount": "banyak"}, "amount"),
    ]:
        response = await programs.put(f"/api/v1/programs/{program['id']}/{path}", json=body, headers=PROVINCE)
        assert response.status_code == 422 and problem_fields(response) == {field}, (path, response.text)
    future = await new_program(programs, code="next-year", year=YEAR + 1)
    not_yet = await programs.put(
        f"/api/v1/programs/{future['id']}/spending/1", json={"amount": 1}, headers=PROVINCE
    )
    assert not_yet.status_code == 422 and problem_fields(not_yet) == {"quarter"}

    read = (await programs.get(f"/api/v1/programs/{program['id']}", headers=VIEWER)).json()
    assert read["realised"] == 300_000.5
    assert len(await outbox(engine, "program.created")) == 2


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"area": "kesehatan"}, "area"),
        ({"funding_source": "CSR"}, "funding_source"),
        ({"year": 1999}, "year"),
        ({"budget": -1}, "budget"),
        ({"budget": 1.234}, "budget"),
        ({"benefit_limit": 0}, "benefit_limit"),
        ({"benefit_limit": 2_000_000}, "benefit_limit"),  # more than the whole budget
        ({"region_code": "63.7"}, "region_code"),
        ({"code": " "}, "code"),
    ],
)
async def test_bad_program_is_422(programs: httpx.AsyncClient, engine, override: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    response = await programs.post("/api/v1/programs", json={**PROGRAM, **override}, headers=PROVINCE)
    assert response.status_code == 422 and problem_fields(response) == {field}, response.text
    assert await count(engine, "programs") == 0


async def test_program_code_is_unique_per_office_and_year(programs: httpx.AsyncClient) -> None:
    await new_program(programs)
    again = await programs.post("/api/v1/programs", json=PROGRAM, headers=PROVINCE)
    assert again.status_code == 409 and problem_type(again) == "program-code-taken"
    assert (
        await programs.post("/api/v1/programs", json={**PROGRAM, "year": YEAR - 1}, headers=PROVINCE)
    ).status_code == 201
    twins = await asyncio.gather(
        *(
            programs.post("/api/v1/programs", json={**PROGRAM, "code": "twin"}, headers=PROVINCE)
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in twins) == [201, 409, 409, 409]


async def test_programs_are_scoped_by_office(programs: httpx.AsyncClient) -> None:
    province = await new_program(programs)
    kota = await programs.post("/api/v1/programs", json={**PROGRAM, "region_code": "63.71"}, headers=KOTA)
    assert kota.status_code == 201
    refused = await programs.post("/api/v1/programs", json={**PROGRAM, "region_code": "63.03"}, headers=KOTA)
    assert refused.status_code == 403
    viewer = await programs.post("/api/v1/programs", json=PROGRAM, headers=VIEWER)
    assert viewer.status_code == 403

    listed = (await programs.get("/api/v1/programs", headers=KOTA)).json()
    assert [p["id"] for p in listed["items"]] == [kota.json()["id"]]
    assert (await programs.get(f"/api/v1/programs/{province['id']}", headers=KOTA)).status_code == 404
    assert (await programs.get(f"/api/v1/programs/{province['id']}", headers=BANJAR)).status_code == 404
    everything = (await programs.get("/api/v1/programs", params={"year": YEAR}, headers=PROVINCE)).json()
    assert len(everything["items"]) == 2
    by_area = await programs.get("/api/v1/programs", params={"area": "pemberdayaan_sosial"}, headers=PROVINCE)
    assert by_area.json()["items"] == []


async def test_activities_share_the_budget(programs: httpx.AsyncClient) -> None:
    program = await new_program(programs)
    url = f"/api/v1/programs/{program['id']}/activities"
    first = await programs.post(
        url, json={"code": "A1", "name": "Permakanan", "budget": 700_000}, headers=PROVINCE
    )
    assert first.status_code == 201, first.text
    over = await programs.post(
        url, json={"code": "A2", "name": "Sandang", "budget": 300_001}, headers=PROVINCE
    )
    assert over.status_code == 409 and problem_type(over) == "over-budget"
    taken = await programs.post(url, json={"code": "A1", "name": "Lagi", "budget": 1}, headers=PROVINCE)
    assert taken.status_code == 409 and problem_type(taken) == "activity-code-taken"
    assert (
        await programs.post(url, json={"code": "A2", "name": "Sandang", "budget": 300_000}, headers=PROVINCE)
    ).status_code == 201
    assert [a["code"] for a in (await programs.get(url, headers=VIEWER)).json()] == ["A1", "A2"]


async def test_one_enrolment_per_person_program_and_period(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    program = await new_program(programs)
    person = uuid.uuid4()
    first = await enrol(programs, program, person, period_end=f"{YEAR}-06-30")
    assert first.status_code == 201, first.text
    overlap = await enrol(programs, program, person, period_start=f"{YEAR}-06-30")
    assert overlap.status_code == 409 and problem_type(overlap) == "already-enrolled"
    later = await enrol(programs, program, person, period_start=f"{YEAR}-07-01")
    assert later.status_code == 201
    other_program = await new_program(programs, code="other")
    assert (await enrol(programs, other_program, person)).status_code == 201

    person2 = uuid.uuid4()
    racing = await asyncio.gather(*(enrol(programs, program, person2) for _ in range(5)))
    assert sorted(r.status_code for r in racing) == [201, 409, 409, 409, 409]
    events = await outbox(engine, "enrolment.created")
    assert len(events) == 4
    assert {e["payload"]["person_id"] for e in events} == {str(person), str(person2)}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"period_start": f"{YEAR - 1}-12-31"}, "period_start"),
        ({"period_end": f"{YEAR + 1}-01-01"}, "period_end"),
        ({"period_start": f"{YEAR}-05-01", "period_end": f"{YEAR}-04-30"}, "period_end"),
        ({"region_code": "64.72.01"}, "region_code"),  # Kalimantan Timur: not this program's
        ({"person_id": "6371014506850001"}, "person_id"),
    ],
)
async def test_bad_enrolment_is_422(programs: httpx.AsyncClient, engine, override: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    program = await new_program(programs)
    response = await programs.post(
        f"/api/v1/programs/{program['id']}/enrolments",
        json={
            "person_id": str(uuid.uuid4()),
            "region_code": "63.71.01.1001",
            "period_start": START,
            "period_end": END,
            **override,
        },
        headers=auth("admin"),
    )
    assert response.status_code == 422 and problem_fields(response) == {field}, response.text
    assert await count(engine, "enrolments") == 0


async def test_benefits_stay_within_the_limit(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    last = YEAR - 1  # every day of last year is in the past
    program = await new_program(programs, year=last)
    person = uuid.uuid4()
    first_half = (
        await enrol(programs, program, person, period_start=f"{last}-01-01", period_end=f"{last}-06-30")
    ).json()
    second_half = (
        await enrol(programs, program, person, period_start=f"{last}-07-01", period_end=f"{last}-12-31")
    ).json()
    ok = await give(programs, first_half, 400_000, given_on=f"{last}-02-10")
    assert ok.status_code == 201, ok.text
    assert ok.json()["amount"] == 400_000 and ok.json()["person_id"] == str(person)
    # The limit is per person in the program, across their enrolments.
    over = await give(programs, second_half, 200_001, kind="in_kind", given_on=f"{last}-08-10")
    assert over.status_code == 409 and problem_type(over) == "benefit-limit-exceeded"
    assert "at most 200000.00 more" in over.json()["detail"]
    exact = await give(
        programs, second_half, 200_000, kind="in_kind", description="paket sembako", given_on=f"{last}-08-10"
    )
    assert exact.status_code == 201
    assert await count(engine, "benefits") == 2
    assert len(await outbox(engine, "benefit.recorded")) == 2
    listed = (await programs.get(f"/api/v1/enrolments/{second_half['id']}/benefits", headers=VIEWER)).json()
    assert [(b["kind"], b["amount"], b["description"]) for b in listed] == [
        ("in_kind", 200_000, "paket sembako")
    ]


async def test_concurrent_benefits_never_pass_the_limit(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    program = await new_program(programs)
    enrolment = (await enrol(programs, program)).json()
    responses = await asyncio.gather(*(give(programs, enrolment, 100_000, given_on=START) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [201] * 6 + [409] * 4
    assert await count(engine, "benefits") == 6


async def test_bad_benefit_is_422_and_records_nothing(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    program = await new_program(programs)
    enrolment = (await enrol(programs, program, period_end=f"{YEAR}-01-31")).json()
    for body, field in [
        ({"given_on": f"{YEAR}-02-01"}, "given_on"),  # after the enrolment ended
        ({"given_on": (TODAY + timedelta(days=2)).isoformat()}, "given_on"),
        ({"kind": "voucher"}, "kind"),
        ({"amount": 0}, "amount"),
        ({"amount": None}, "amount"),
    ]:
        response = await programs.post(
            f"/api/v1/enrolments/{enrolment['id']}/benefits",
            json={
                k: v
                for k, v in {"kind": "cash", "amount": 1000, "given_on": START, **body}.items()
                if v is not None
            },
            headers=PROVINCE,
        )
        assert response.status_code == 422 and problem_fields(response) == {field}, (body, response.text)
    assert await count(engine, "benefits") == 0


async def test_enrolments_are_scoped_by_where_the_person_lives(programs: httpx.AsyncClient) -> None:
    program = await new_program(programs)
    in_kota = (await enrol(programs, program)).json()
    in_banjar = (await enrol(programs, program, region_code="63.03.01")).json()
    kota = (await programs.get("/api/v1/enrolments", headers=KOTA)).json()
    assert [e["id"] for e in kota["items"]] == [in_kota["id"]]
    assert (await programs.get(f"/api/v1/enrolments/{in_banjar['id']}", headers=KOTA)).status_code == 404
    refused = await give(programs, in_banjar, 1000, given_on=START)
    assert refused.status_code == 201  # the province may
    kota_gives = await programs.post(
        f"/api/v1/enrolments/{in_banjar['id']}/benefits",
        json={"kind": "cash", "amount": 1000, "given_on": START},
        headers=KOTA,
    )
    assert kota_gives.status_code == 404
    page = (
        await programs.get(
            "/api/v1/enrolments", params={"program_id": program["id"], "limit": 1}, headers=PROVINCE
        )
    ).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
