"""Aid after the person's PPKS assessments were resolved: a program benefit or WRSE aid given on a day
when every assessment the person had was already resolved. It holds; it does not hold before the
resolution, for a person still assessed or never assessed; it closes when the cause goes away (the
resolution corrected to a later day), stays resolved once an officer resolved it, and the full path
gives the incremental path's findings."""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker import handlers
from services.worker.clients import Services
from services.worker.reconciliation import full, ppks_resolved
from shared.events import EventEnvelope
from tests.support import auth
from tests.worker.reconcile_support import ADMIN, SERVICE, person, services, statuses

pytestmark = [
    pytest.mark.usefixtures("clean"),
    pytest.mark.skipif(
        date.today() < date(date.today().year, 2, 2), reason="the scene's days are in February"
    ),
]
__all__ = ["services"]  # the fixture

RULE = "aid_after_ppks_resolved"
PLANNER = auth("provincial_officer", regions=["63"], sub="perencana-dinsos")
YEAR = date.today().year
ASSESSED, EARLY, RESOLVED, LATE = (date(YEAR, 1, d).isoformat() for d in (2, 10, 15, 31))
TYPES = ("ppks_assessment.recorded", "ppks_assessment.updated", "benefit.recorded", "wrse_aid.recorded")
_handled: set[uuid.UUID] = set()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    _handled.clear()


async def _incremental(services: Services, engine: Any) -> None:
    """The registry's and programs service's events not handled yet, in order, to every consumer the
    worker has for them (the programs feed first brings the assessments into the programs service)."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT envelope FROM registry.outbox UNION ALL SELECT envelope FROM programs.outbox")
            )
        ).all()
    found = sorted((EventEnvelope.model_validate(r[0]) for r in rows), key=lambda e: e.occurred_at)
    for e in found:
        if e.id in _handled or e.type not in TYPES:
            continue
        for consumer in handlers.CONSUMERS[e.type]:
            await consumer(services, [e])
        _handled.add(e.id)


async def _assess(registry: httpx.AsyncClient, person_id: str) -> str:
    response = await registry.post(
        f"/api/v1/people/{person_id}/ppks-assessments",
        json={"ppks_type": "23", "assessed_on": ASSESSED, "evidence_note": "home visit"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _resolve_assessment(registry: httpx.AsyncClient, assessment_id: str, on: str) -> None:
    url = f"/api/v1/ppks-assessments/{assessment_id}"
    etag = (await registry.get(url, headers=ADMIN)).headers["etag"]
    response = await registry.patch(
        url, json={"status": "resolved_independent", "resolved_on": on}, headers={**ADMIN, "If-Match": etag}
    )
    assert response.status_code == 200, response.text


async def _enrolment(programs: httpx.AsyncClient, person_id: str, program_id: str) -> str:
    response = await programs.post(
        f"/api/v1/programs/{program_id}/enrolments",
        json={
            "person_id": person_id,
            "region_code": "63.71.01.1001",
            "period_start": f"{YEAR}-01-01",
            "period_end": f"{YEAR}-12-31",
        },
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _benefit(programs: httpx.AsyncClient, enrolment_id: str, on: str) -> str:
    response = await programs.post(
        f"/api/v1/enrolments/{enrolment_id}/benefits",
        json={"kind": "cash", "amount": 100_000, "given_on": on},
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _program(programs: httpx.AsyncClient) -> str:
    response = await programs.post(
        "/api/v1/programs",
        json={
            "code": "1.06.02.2.05",
            "name": "Pemberdayaan Perempuan Rawan Sosial Ekonomi",
            "area": "pemberdayaan_sosial",
            "year": YEAR,
            "funding_source": "APBD",
            "region_code": "63",
            "budget": 10_000_000,
        },
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _wrse(programs: httpx.AsyncClient, person_id: str, assessment_id: str, on: str) -> str:
    response = await programs.post(
        "/api/v1/wrse-aids",
        json={
            "person_id": person_id,
            "assessment_id": assessment_id,
            "kind": "in_kind",
            "amount": 500_000,
            "business": "Usaha kue basah",
            "given_on": on,
        },
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _findings(engine: Any) -> set[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT subject_type, subject_id::text, status FROM programs.findings WHERE rule = :r"),
            {"r": RULE},
        )
        return {(kind, subject, status) for kind, subject, status in rows}


async def _scene(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> dict[str, Any]:
    siti = await person(registry)
    ani = await person(registry, name="Ani", birth="1988-04-04")
    never = await person(registry, name="Wati", birth="1990-09-09")
    siti_assessment = await _assess(registry, siti["id"])
    await _assess(registry, ani["id"])
    await _incremental(services, engine)  # the assessments reach the programs service (its feed)
    wrse = await _wrse(programs, siti["id"], siti_assessment, LATE)  # open on the day: accepted
    program = await _program(programs)
    siti_enrolment = await _enrolment(programs, siti["id"], program)
    aid = {
        "siti_early": await _benefit(programs, siti_enrolment, EARLY),
        "siti_late": await _benefit(programs, siti_enrolment, LATE),
        "ani_late": await _benefit(programs, await _enrolment(programs, ani["id"], program), LATE),
        "never_late": await _benefit(programs, await _enrolment(programs, never["id"], program), LATE),
        "wrse": wrse,
    }
    # Siti became independent (mandiri) on the 15th, recorded afterwards; Ani is still assessed.
    await _resolve_assessment(registry, siti_assessment, RESOLVED)
    return {"aid": aid, "siti": siti, "siti_assessment": siti_assessment}


async def test_aid_after_every_assessment_was_resolved(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    scene = await _scene(registry, programs, services, engine)
    aid = scene["aid"]
    await _incremental(services, engine)
    assert await _findings(engine) == {
        ("benefit", aid["siti_late"], "open"),
        ("wrse_aid", aid["wrse"], "open"),
    }
    found = (await programs.get("/api/v1/findings", params={"rule": RULE}, headers=ADMIN)).json()["items"]
    detail = next(f for f in found if f["subject_id"] == aid["siti_late"])["detail"]
    assert detail == {
        "person_id": scene["siti"]["id"],
        "given_on": LATE,
        "assessments": [
            {
                "assessment_id": scene["siti_assessment"],
                "ppks_type": "23",
                "status": "resolved_independent",
                "resolved_on": RESOLVED,
            }
        ],
    }
    # Read in the aid's region by its officers.
    kota = auth("regency_officer", regions=["63.71"], sub="kota-officer")
    assert (
        len((await programs.get("/api/v1/findings", params={"rule": RULE}, headers=kota)).json()["items"])
        == 2
    )
    banjar = auth("regency_officer", regions=["63.03"], sub="banjar-officer")
    assert (await programs.get("/api/v1/findings", params={"rule": RULE}, headers=banjar)).json()[
        "items"
    ] == []


async def test_a_corrected_resolution_closes_it_and_a_resolved_one_stays(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    scene = await _scene(registry, programs, services, engine)
    aid = scene["aid"]
    await _incremental(services, engine)
    found = (await programs.get("/api/v1/findings", params={"rule": RULE}, headers=ADMIN)).json()["items"]
    on_wrse = next(f for f in found if f["subject_id"] == aid["wrse"])
    officer = auth("provincial_officer", regions=["63"], sub="kalsel-officer")
    resolved = await programs.post(
        f"/api/v1/findings/{on_wrse['id']}/resolve",
        json={"reason": "business aid paid in instalments"},
        headers=officer,
    )
    assert resolved.status_code == 200, resolved.text
    # She became independent at the end of the month, not on the 15th: nothing was given too late.
    await _resolve_assessment(registry, scene["siti_assessment"], f"{YEAR}-02-01")
    await _incremental(services, engine)
    assert await statuses(programs, RULE) == {aid["siti_late"]: "closed", aid["wrse"]: "resolved"}


async def test_incremental_and_full_give_the_same_findings(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    await _scene(registry, programs, services, engine)
    await _incremental(services, engine)
    incremental = await _findings(engine)
    assert len(incremental) == 2
    for part in await full.partitions(services, "63", shards=2):
        await full.reconcile_partition(services, part)
    assert await _findings(engine) == incremental
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM programs.findings"))
    for part in await full.partitions(services, "63", shards=3):
        await full.reconcile_partition(services, part)
    assert await _findings(engine) == incremental


def test_only_assessments_made_by_the_day_of_the_aid_count() -> None:
    def assessment(n: int, status: str, assessed: str, resolved: str | None) -> dict[str, Any]:
        return {"assessment_id": f"a{n}", "person_id": "p", "ppks_type": "23", "status": status,
                "assessed_on": assessed, "resolved_on": resolved}  # fmt: skip

    aid = {"aid_id": "w", "person_id": "p", "given_on": "2026-03-01"}
    resolved = assessment(1, "resolved_other", "2026-01-01", "2026-02-01")
    later = assessment(2, "active", "2026-04-01", None)  # assessed after the aid: not then
    same_day = assessment(3, "resolved_independent", "2026-01-01", "2026-03-01")  # resolved that day
    assert [r.holds for r in ppks_resolved.evaluate([resolved, later], [], [aid], lambda i: None)] == [True]
    assert [r.holds for r in ppks_resolved.evaluate([resolved, same_day], [], [aid], lambda i: None)] == [
        False
    ]
    assert [r.holds for r in ppks_resolved.evaluate([], [], [aid], lambda i: None)] == [False]


async def test_the_queries_are_for_the_worker_only(programs: httpx.AsyncClient) -> None:
    path = "/api/v1/social-aid/of-people"
    someone = {"person_ids": [str(uuid.uuid4())]}
    assert (await programs.post(path, json=someone, headers=ADMIN)).status_code == 403
    none = await programs.post(path, json={"person_ids": []}, headers=SERVICE)
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "person_ids"
    answer = await programs.post(path, json=someone, headers=SERVICE)
    assert answer.json() == {"assessments": [], "benefits": [], "wrse_aids": []}
    export = "/api/v1/wrse-aids/export"
    assert (await programs.get(export, headers=ADMIN)).status_code == 403
    bad = await programs.get(export, params={"region": "63.7"}, headers=SERVICE)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region"
    assert (await programs.get(export, params={"region": "63"}, headers=SERVICE)).text == ""
