"""The programs service's part of UU 27/2022: a person's subject-access export (enrolments and aid,
panti stays and basic needs met) in the caller's regions, and the log of such reads."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PROVINCE = auth("provincial_officer", regions=["63"], pii=True, sub="dpo-kalsel")
KOTA_NO_PII = auth("regency_officer", regions=["63.71"], sub="kota-no-pii")
BANJAR = auth("regency_officer", regions=["63.03"], pii=True, sub="banjar-officer")
ADMIN = auth("admin", sub="admin-1")
TODAY = datetime.now(UTC).date()
YEAR = TODAY.year
LAST_MONTH = (TODAY - timedelta(days=30)).isoformat()


def problem(response: httpx.Response) -> tuple[int, set[str]]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, {e["field"] for e in response.json().get("errors", [])}


async def created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


async def a_client_with_aid(
    client: httpx.AsyncClient, person_id: uuid.UUID, code: str = "1.06.02.2.01"
) -> dict[str, dict]:
    program = await created(
        await client.post(
            "/api/v1/programs",
            json={
                "code": code,
                "name": "Rehabilitasi Sosial Dasar Lanjut Usia Terlantar",
                "area": "rehabilitasi_sosial",
                "year": YEAR,
                "funding_source": "APBD",
                "region_code": "63",
                "budget": 1_000_000,
            },
            headers=PROVINCE,
        )
    )
    enrolment = await created(
        await client.post(
            f"/api/v1/programs/{program['id']}/enrolments",
            json={
                "person_id": str(person_id),
                "region_code": "63.71.01.1001",
                "period_start": f"{YEAR}-01-01",
                "period_end": f"{YEAR}-12-31",
            },
            headers=PROVINCE,
        )
    )
    benefit = await created(
        await client.post(
            f"/api/v1/enrolments/{enrolment['id']}/benefits",
            json={"kind": "cash", "amount": 300_000, "given_on": LAST_MONTH},
            headers=PROVINCE,
        )
    )
    panti = await created(
        await client.post(
            "/api/v1/institutions",
            json={
                "name": "PSTW Budi Sejahtera",
                "kind": "lanjut_usia",
                "region_code": "63.71.01",
                "capacity": 3,
            },
            headers=PROVINCE,
        )
    )
    admission = await created(
        await client.post(
            f"/api/v1/institutions/{panti['id']}/admissions",
            json={"person_id": str(person_id), "admitted_on": LAST_MONTH},
            headers=PROVINCE,
        )
    )
    return {"enrolment": enrolment, "benefit": benefit, "admission": admission}


async def test_export_holds_enrolments_aid_and_panti_stays(programs: httpx.AsyncClient) -> None:
    person_id = uuid.uuid4()
    held = await a_client_with_aid(programs, person_id)
    await a_client_with_aid(programs, uuid.uuid4(), "1.06.02.2.02")  # someone else: never in this export

    response = await programs.get(f"/api/v1/people/{person_id}/data-export", headers=PROVINCE)
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["person_id"] == str(person_id)
    assert [e["id"] for e in export["enrolments"]] == [held["enrolment"]["id"]]
    assert [(b["id"], b["amount"]) for b in export["benefits"]] == [(held["benefit"]["id"], 300_000)]
    assert [a["id"] for a in export["admissions"]] == [held["admission"]["id"]]
    assert export["basic_needs_met"] == [] and export["wrse_aids"] == [] and export["targeting"] == []
    assert export["access_log"] == []

    again = (await programs.get(f"/api/v1/people/{person_id}/data-export", headers=ADMIN)).json()
    assert [(a["reader"], a["action"]) for a in again["access_log"]] == [("dpo-kalsel", "data-export")]
    log = (await programs.get("/api/v1/access-log", params={"reader": "admin-1"}, headers=ADMIN)).json()
    assert [(a["person_id"], a["action"]) for a in log["items"]] == [(str(person_id), "data-export")]


async def test_export_needs_pii_read_and_the_persons_region(programs: httpx.AsyncClient) -> None:
    person_id = uuid.uuid4()
    await a_client_with_aid(programs, person_id)
    url = f"/api/v1/people/{person_id}/data-export"

    assert problem(await programs.get(url, headers=KOTA_NO_PII))[0] == 403
    assert problem(await programs.get(url, headers=BANJAR))[0] == 404  # held in Kota Banjarmasin only
    assert problem(await programs.get(f"/api/v1/people/{uuid.uuid4()}/data-export", headers=ADMIN))[0] == 404
    assert problem(await programs.get("/api/v1/people/budi/data-export", headers=ADMIN))[1] == {"person_id"}
    assert (await programs.get("/api/v1/access-log", headers=ADMIN)).json()["items"] == []
    assert problem(await programs.get("/api/v1/access-log", headers=PROVINCE))[0] == 403
