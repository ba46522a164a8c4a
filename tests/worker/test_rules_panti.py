"""A panti resident (after identity resolution: a registry id through merges, a victim's NIK) displaced at
an evacuation site at the same time, or in two panti at once. Each holds, does not hold for other
people or closed stays, closes when the cause goes away (checked out of the site, discharged), stays
resolved once an officer resolved it, and the full path gives the incremental path's findings."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker.clients import Services
from services.worker.reconciliation import full, panti
from shared.events import EventEnvelope
from tests.disaster.scenes import SITI_NIK, TAGANA, TODAY, declare, site, victim
from tests.disaster.scenes import check_in as check_in_at
from tests.worker.reconcile_support import (
    ADMIN,
    OFFICER,
    SERVICE,
    admit,
    institution,
    merge,
    person,
    resolve,
    services,
    statuses,
)

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture

DISPLACED, TWICE = "panti_resident_displaced", "admitted_twice"


async def _incremental(services: Services, engine: Any) -> None:
    """The programs and disaster services' events not handled yet, in order, in batches of consecutive
    events of one type, to the rule's consumers (as the runner hands them); each handled once."""
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                text("SELECT envelope FROM programs.outbox UNION ALL SELECT envelope FROM disaster.outbox")
            )
        ).all()
    found = sorted((EventEnvelope.model_validate(r[0]) for r in rows), key=lambda e: e.occurred_at)
    fresh = [e for e in found if e.id not in _handled and e.type in panti.CONSUMERS]
    batches: list[list[EventEnvelope]] = []
    for e in fresh:
        if batches and batches[-1][0].type == e.type:
            batches[-1].append(e)
        else:
            batches.append([e])
    for batch in batches:
        await panti.CONSUMERS[batch[0].type](services, batch)
    _handled.update(e.id for e in fresh)


_handled: set[uuid.UUID] = set()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    _handled.clear()


async def _full(services: Services) -> None:
    for part in await full.partitions(services, "63", shards=2):
        await full.reconcile_partition(services, part)


async def _findings(engine: Any) -> set[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT rule, subject_id::text, status FROM programs.findings WHERE rule IN (:a, :b)"),
            {"a": DISPLACED, "b": TWICE},
        )
        return {(rule, subject, status) for rule, subject, status in rows}


async def _check_out(disaster: httpx.AsyncClient, site_id: str, victim_id: str) -> None:
    response = await disaster.post(
        f"/api/v1/sites/{site_id}/check-outs", json={"victim_id": victim_id}, headers=TAGANA
    )
    assert response.status_code == 200, response.text


async def _check_in(disaster: httpx.AsyncClient, site_id: str, victim_id: str) -> None:
    response = await check_in_at(disaster, site_id, victim_id)
    assert response.status_code == 201, response.text


async def _discharge(programs: httpx.AsyncClient, admission_id: str) -> None:
    response = await programs.post(
        f"/api/v1/admissions/{admission_id}/discharge",
        json={"discharged_on": str(TODAY), "outcome": "returned_to_family"},
        headers=OFFICER,
    )
    assert response.status_code == 200, response.text


async def test_a_resident_checked_in_at_a_site_by_id_or_by_nik(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    siti = await person(registry)
    budi = await person(registry, name="Budi", birth="1979-02-11", sex="M")
    rusmini = await person(registry, name="Rusmini", birth="1960-03-03")
    pstw = await institution(programs)
    stays = {p["id"]: (await admit(programs, pstw["id"], p["id"]))["id"] for p in (siti, budi, rusmini)}
    flood = await declare(disaster)
    posko = await site(disaster, flood["id"])
    # Siti linked to the registry, Budi known by his NIK only; Rusmini displaced but not at a site now.
    siti_victim = await victim(disaster, flood["id"], person_id=siti["id"], nik=siti["nik"])
    budi_victim = await victim(
        disaster, flood["id"], full_name="Budi", sex="M", nik=budi["nik"], condition="mengungsi"
    )
    await victim(disaster, flood["id"], full_name="Rusmini", person_id=rusmini["id"], condition="mengungsi")
    await _incremental(services, engine)
    assert await _findings(engine) == set()  # registered, at no site yet
    await _check_in(disaster, posko["id"], siti_victim["id"])  # terdampak: now mengungsi
    await _check_in(disaster, posko["id"], budi_victim["id"])  # mengungsi already
    await _incremental(services, engine)
    assert await statuses(programs, DISPLACED) == {stays[siti["id"]]: "open", stays[budi["id"]]: "open"}
    found = (await programs.get("/api/v1/findings", params={"rule": DISPLACED}, headers=ADMIN)).json()
    detail = next(f for f in found["items"] if f["subject_id"] == stays[budi["id"]])["detail"]
    assert detail == {
        "person_id": budi["id"],
        "institution_id": pstw["id"],
        "victims": [budi_victim["id"]],
        "sites": [posko["id"]],
        "disasters": [flood["id"]],
    }
    # Budi's case is known (he visits his family at the site): resolved. Both leave the site.
    budi_finding = next(f for f in found["items"] if f["subject_id"] == stays[budi["id"]])
    assert (await resolve(programs, budi_finding["id"], "visits family at the site")).status_code == 200
    await _check_out(disaster, posko["id"], siti_victim["id"])
    await _check_out(disaster, posko["id"], budi_victim["id"])
    await _incremental(services, engine)
    assert await statuses(programs, DISPLACED) == {stays[siti["id"]]: "closed", stays[budi["id"]]: "resolved"}


async def test_two_panti_at_once_across_a_merged_duplicate(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    budi = await person(registry, name="Budi", birth="1979-02-11", sex="M")
    pstw = await institution(programs)
    psaa = await institution(programs, name="PSAA Budi Mulia", kind="anak", region_code="63.03.02")
    first = (await admit(programs, pstw["id"], siti["id"]))["id"]
    second = (await admit(programs, psaa["id"], again["id"]))["id"]
    alone = (await admit(programs, psaa["id"], budi["id"]))["id"]
    await merge(engine, again["id"], siti["id"])
    await _incremental(services, engine)
    assert await statuses(programs, TWICE) == {first: "open", second: "open"}
    found = (await programs.get("/api/v1/findings", params={"rule": TWICE}, headers=ADMIN)).json()
    assert found["items"][0]["detail"] == {
        "person_id": siti["id"],
        "admissions": sorted([first, second]),
        "institutions": sorted([pstw["id"], psaa["id"]]),
    }
    assert alone not in await statuses(programs, TWICE)
    # The duplicate's stay ends: both findings close (the event names the discharged stay's person).
    await _discharge(programs, second)
    await _incremental(services, engine)
    assert await statuses(programs, TWICE) == {first: "closed", second: "closed"}


async def test_incremental_and_full_give_the_same_findings(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    budi = await person(registry, name="Budi", birth="1979-02-11", sex="M")
    pstw = await institution(programs)
    psaa = await institution(programs, name="PSAA Budi Mulia", kind="anak", region_code="63.03.02")
    await admit(programs, pstw["id"], siti["id"])
    await admit(programs, psaa["id"], again["id"])
    await admit(programs, psaa["id"], budi["id"])
    await admit(programs, pstw["id"], str(uuid.uuid4()))  # not in the registry: a person of its own
    flood = await declare(disaster, regions=["63.71", "63.03"])
    posko = await site(disaster, flood["id"])
    budi_victim = await victim(disaster, flood["id"], full_name="Budi", sex="M", nik=budi["nik"])
    await _check_in(disaster, posko["id"], budi_victim["id"])
    stranger = await victim(disaster, flood["id"], nik=SITI_NIK[:-4] + "9999", condition="mengungsi")
    await _check_in(disaster, posko["id"], stranger["id"])
    await merge(engine, again["id"], siti["id"])
    await _incremental(services, engine)
    incremental = await _findings(engine)
    assert {(rule, status) for rule, _, status in incremental} == {(TWICE, "open"), (DISPLACED, "open")}
    assert len(incremental) == 3
    await _full(services)
    assert await _findings(engine) == incremental
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM programs.findings"))
    await _full(services)
    assert await _findings(engine) == incremental
    # The causes go away: Budi leaves the site, the merge is undone. The full path closes both.
    await _check_out(disaster, posko["id"], budi_victim["id"])
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.people SET status = 'active', merged_into = NULL WHERE id = :d"),
            {"d": again["id"]},
        )
    await _full(services)
    assert {status for _, _, status in await _findings(engine)} == {"closed"}


async def test_the_queries_for_a_persons_stays_and_displacements_are_for_the_worker_only(
    programs: httpx.AsyncClient, disaster: httpx.AsyncClient
) -> None:
    someone = {"person_ids": [str(uuid.uuid4())]}
    for http, path in ((programs, "/api/v1/admissions/of-people"), (disaster, "/api/v1/victims/displaced")):
        assert (await http.post(path, json=someone, headers=ADMIN)).status_code == 403
        assert (await http.post(path, json=someone)).status_code == 401
        bad = await http.post(path, json={"person_ids": ["nope"]}, headers=SERVICE)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "person_ids.0"
        assert (await http.post(path, json=someone, headers=SERVICE)).json() == []
    empty = await programs.post("/api/v1/admissions/of-people", json={"person_ids": []}, headers=SERVICE)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "person_ids"
    nik = await disaster.post("/api/v1/victims/displaced", json={"niks": ["12"]}, headers=SERVICE)
    assert nik.status_code == 422 and nik.json()["errors"][0]["field"] == "niks.0"
