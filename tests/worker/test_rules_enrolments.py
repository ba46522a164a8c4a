"""One person (after identity resolution: a registry id followed through merges) enrolled twice in one
program for overlapping periods, or receiving more than the program's benefit limit from it. Each holds,
does not hold for other people, other programs or periods apart, closes when the cause goes away (a
merge undone), stays resolved once an officer resolved it, and the full path gives the incremental
path's findings."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker import handlers
from services.worker.clients import Services
from services.worker.reconciliation import enrolments, full
from services.worker.reconciliation.people import RegistryPerson
from tests.support import auth
from tests.worker.reconcile_support import ADMIN, SERVICE, event, merge, person, resolve, services, statuses

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture

PLANNER = auth("provincial_officer", regions=["63"], sub="perencana-dinsos")
TODAY = date.today()
YEAR = TODAY.year
START, END = f"{YEAR}-01-01", f"{YEAR}-12-31"


async def _program(
    programs: httpx.AsyncClient, code: str = "1.06.02.2.01", limit: int | None = 600_000
) -> str:
    response = await programs.post(
        "/api/v1/programs",
        json={
            "code": code,
            "name": "Rehabilitasi Sosial Dasar Lanjut Usia Terlantar",
            "area": "rehabilitasi_sosial",
            "year": YEAR,
            "funding_source": "APBD",
            "region_code": "63",
            "budget": 10_000_000,
            "benefit_limit": limit,
        },
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _enrol(
    programs: httpx.AsyncClient, program_id: str, person_id: str, start: str = START, end: str = END
) -> str:
    response = await programs.post(
        f"/api/v1/programs/{program_id}/enrolments",
        json={
            "person_id": person_id,
            "region_code": "63.71.01.1001",
            "period_start": start,
            "period_end": end,
        },
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _give(programs: httpx.AsyncClient, enrolment_id: str, amount: int) -> str:
    response = await programs.post(
        f"/api/v1/enrolments/{enrolment_id}/benefits",
        json={"kind": "cash", "amount": amount, "given_on": START},  # never in the future
        headers=PLANNER,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _outbox_events(engine: Any, *types: str) -> list[Any]:
    """The programs service's events of these types, in the order it wrote them."""
    from shared.events import EventEnvelope

    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT envelope FROM programs.outbox ORDER BY created_at"))
        found = [EventEnvelope.model_validate(r[0]) for r in rows]
    return [e for e in found if e.type in types]


async def _incremental(services: Services, engine: Any) -> None:
    """What the worker does on the programs service's events, in batches of consecutive types."""
    for e in await _outbox_events(engine, "enrolment.created", "benefit.recorded"):
        for consumer in handlers.CONSUMERS[e.type]:
            await consumer(services, [e])


async def _merged(services: Services, duplicate: str, survivor: str) -> None:
    """The registry's `person.merged`, to every consumer the worker has for it (the merge is carried
    into the other services, then judged again)."""
    merged = event("person.merged", {"person_id": duplicate, "merged_into": survivor}, source="registry")
    for consumer in handlers.CONSUMERS["person.merged"]:
        await consumer(services, [merged])


async def _findings(engine: Any) -> set[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT rule, subject_id::text, status FROM programs.findings"
                " WHERE rule IN ('enrolled_twice', 'over_benefit_limit')"
            )
        )
        return {(rule, subject, status) for rule, subject, status in rows}


async def test_a_duplicate_enrolled_beside_the_survivor_is_enrolled_twice(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    budi, budi_again = (
        await person(registry, name="Budi", birth="1979-02-11", sex="M"),
        await person(registry, name="Budi S.", birth="1979-02-11", sex="M"),
    )
    lansia, yatim = await _program(programs), await _program(programs, code="1.06.02.2.02")
    # The programs service takes both: to it they are two people.
    twice = [
        await _enrol(programs, lansia, siti["id"]),
        await _enrol(programs, lansia, again["id"], f"{YEAR}-06-01"),
    ]
    # Budi twice too, but the first half of the year and the second: one enrolment at a time.
    apart = [
        await _enrol(programs, lansia, budi["id"], START, f"{YEAR}-06-30"),
        await _enrol(programs, lansia, budi_again["id"], f"{YEAR}-07-01", END),
    ]
    elsewhere = await _enrol(programs, yatim, siti["id"])  # another program
    await merge(engine, again["id"], siti["id"])
    await merge(engine, budi_again["id"], budi["id"])
    await _incremental(services, engine)
    assert await statuses(programs, "enrolled_twice") == {twice[0]: "open", twice[1]: "open"}
    found = (await programs.get("/api/v1/findings", params={"rule": "enrolled_twice"}, headers=ADMIN)).json()
    detail = found["items"][0]["detail"]
    assert detail == {"person_id": siti["id"], "program_id": lansia, "enrolments": sorted(twice)}
    assert (
        elsewhere not in await statuses(programs, "enrolled_twice") and apart[0] not in detail["enrolments"]
    )
    # The merge carried into the programs service re-points the duplicate's enrolment: still twice.
    await _merged(services, again["id"], siti["id"])
    listed = (
        await programs.get("/api/v1/enrolments", params={"person_id": siti["id"]}, headers=ADMIN)
    ).json()
    assert {e["id"] for e in listed["items"]} == {*twice, elsewhere}
    assert await statuses(programs, "enrolled_twice") == {twice[0]: "open", twice[1]: "open"}


async def test_benefits_beyond_the_limit_across_two_ids(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    budi, budi_again = (
        await person(registry, name="Budi", birth="1979-02-11", sex="M"),
        await person(registry, name="Budi S.", birth="1979-02-11", sex="M"),
    )
    lansia = await _program(programs)  # at most Rp 600.000 a person in the year
    unlimited = await _program(programs, code="1.06.02.2.03", limit=None)
    # Each benefit within the limit of its own id: the programs service could not see the two together.
    over = [
        await _give(programs, await _enrol(programs, lansia, siti["id"]), 400_000),
        await _give(programs, await _enrol(programs, lansia, again["id"]), 300_000),
    ]
    within = [
        await _give(programs, await _enrol(programs, lansia, budi["id"]), 300_000),
        await _give(programs, await _enrol(programs, lansia, budi_again["id"]), 300_000),
    ]
    no_limit = [
        await _give(programs, await _enrol(programs, unlimited, siti["id"]), 5_000_000),
        await _give(programs, await _enrol(programs, unlimited, again["id"]), 5_000_000),
    ]
    await merge(engine, again["id"], siti["id"])
    await merge(engine, budi_again["id"], budi["id"])
    await _incremental(services, engine)
    assert await statuses(programs, "over_benefit_limit") == {over[0]: "open", over[1]: "open"}
    found = (
        await programs.get("/api/v1/findings", params={"rule": "over_benefit_limit"}, headers=ADMIN)
    ).json()
    detail = found["items"][0]["detail"]
    assert detail["person_id"] == siti["id"] and detail["program_id"] == lansia
    assert (detail["received"], detail["limit"], detail["benefits"]) == ("700000", "600000", sorted(over))
    assert not set(within + no_limit) & set(await statuses(programs, "over_benefit_limit"))
    # The finding is read in the enrolment's region, by the officers of that region.
    officer = auth("regency_officer", regions=["63.71"], sub="kota-officer")
    mine = {"rule": "over_benefit_limit"}
    assert len((await programs.get("/api/v1/findings", params=mine, headers=officer)).json()["items"]) == 2
    elsewhere = auth("regency_officer", regions=["63.03"], sub="banjar-officer")
    assert (await programs.get("/api/v1/findings", headers=elsewhere)).json()["items"] == []


async def test_an_undone_merge_closes_them_and_a_resolved_one_stays(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    lansia = await _program(programs)
    first = await _enrol(programs, lansia, siti["id"])
    second = await _enrol(programs, lansia, again["id"])
    benefits = [await _give(programs, first, 400_000), await _give(programs, second, 400_000)]
    await _incremental(services, engine)
    assert await _findings(engine) == set()  # two people, as far as anyone knows
    # The registry merges them: the merge event alone brings both findings.
    await merge(engine, again["id"], siti["id"])
    await _merged(services, again["id"], siti["id"])
    assert await statuses(programs, "enrolled_twice") == {first: "open", second: "open"}
    assert await statuses(programs, "over_benefit_limit") == dict.fromkeys(benefits, "open")
    found = (
        await programs.get("/api/v1/findings", params={"rule": "over_benefit_limit"}, headers=ADMIN)
    ).json()
    mine = next(f for f in found["items"] if f["subject_id"] == benefits[0])
    assert (await resolve(programs, mine["id"], "refund agreed with the family")).status_code == 200
    # The merge was a mistake: undone in the registry and in the programs service, the findings close.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.people SET status = 'active', merged_into = NULL WHERE id = :d"),
            {"d": again["id"]},
        )
    unmerged = event("person.unmerged", {"person_id": again["id"], "was_merged_into": siti["id"]}, "registry")
    for consumer in handlers.CONSUMERS["person.unmerged"]:
        await consumer(services, [unmerged])
    assert await statuses(programs, "enrolled_twice") == {first: "closed", second: "closed"}
    assert await statuses(programs, "over_benefit_limit") == {benefits[0]: "resolved", benefits[1]: "closed"}


async def test_incremental_and_full_give_the_same_findings(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    budi = await person(registry, name="Budi", birth="1979-02-11", sex="M")
    lansia, yatim = await _program(programs), await _program(programs, code="1.06.02.2.02", limit=100_000)
    siti_lansia = await _enrol(programs, lansia, siti["id"])
    again_lansia = await _enrol(programs, lansia, again["id"])
    await _give(programs, siti_lansia, 500_000)
    await _give(programs, again_lansia, 200_000)
    budi_yatim = await _enrol(programs, yatim, budi["id"])
    await _give(programs, budi_yatim, 100_000)
    stranger = await _enrol(programs, yatim, str(uuid.uuid4()))  # not in the registry: a person of its own
    await _give(programs, stranger, 50_000)
    await merge(engine, again["id"], siti["id"])
    await _incremental(services, engine)
    incremental = await _findings(engine)
    assert {(rule, status) for rule, _, status in incremental} == {
        ("enrolled_twice", "open"),
        ("over_benefit_limit", "open"),
    } and len(incremental) == 4
    for part in await full.partitions(services, "63", shards=2):
        await full.reconcile_partition(services, part)
    assert await _findings(engine) == incremental
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM programs.findings"))
    for part in await full.partitions(services, "63", shards=3):
        await full.reconcile_partition(services, part)
    assert await _findings(engine) == incremental
    # The cause goes away (the registry undoes the merge): the full path closes what it found.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.people SET status = 'active', merged_into = NULL WHERE id = :d"),
            {"d": again["id"]},
        )
    for part in await full.partitions(services, "63", shards=1):
        await full.reconcile_partition(services, part)
    assert {status for _, _, status in await _findings(engine)} == {"closed"}


def test_periods_that_touch_overlap_and_an_unknown_id_is_a_person_of_its_own() -> None:
    siti = RegistryPerson(id="p", status="active", died_on=None, status_changed_at=None)

    def enrolled(n: int, person: str, start: str, end: str) -> dict[str, Any]:
        return {"enrolment_id": f"e{n}", "program_id": "x", "person_id": person, "period_start": start,
                "period_end": end}  # fmt: skip

    records = [
        enrolled(1, "p", "2026-01-01", "2026-06-30"),
        enrolled(2, "q", "2026-06-30", "2026-12-31"),  # the same last and first day
        enrolled(3, "u1", "2026-01-01", "2026-12-31"),
        enrolled(4, "u2", "2026-01-01", "2026-12-31"),
    ]
    known = {"p": siti, "q": siti}
    reports = enrolments.evaluate(records, [], {}, known.get)
    assert {r.subject_id for r in reports if r.holds} == {"e1", "e2"}
    benefit = {"benefit_id": "b", "enrolment_id": "e1", "program_id": "x", "person_id": "p", "amount": "10"}
    at_limit = enrolments.evaluate([], [benefit], {"x": Decimal(10)}, known.get)
    assert [r.holds for r in at_limit] == [False]


async def test_the_enrolment_queries_are_for_the_worker_only(programs: httpx.AsyncClient) -> None:
    path = "/api/v1/enrolments/of-people"
    body = {"person_ids": [str(uuid.uuid4())]}
    assert (await programs.post(path, json=body, headers=ADMIN)).status_code == 403
    assert (await programs.post(path, json=body)).status_code == 401
    bad = await programs.post(path, json={"person_ids": ["nope"]}, headers=SERVICE)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "person_ids.0"
    none = await programs.post(path, json={"person_ids": []}, headers=SERVICE)
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "person_ids"
    empty = await programs.post(path, json=body, headers=SERVICE)
    assert empty.status_code == 200 and empty.json() == {"programs": [], "enrolments": [], "benefits": []}
    export = "/api/v1/enrolments/export"
    assert (await programs.get(export, headers=ADMIN)).status_code == 403
    wrong = await programs.get(export, params={"region": "63.7"}, headers=SERVICE)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "region"
    nothing = await programs.get(export, params={"region": "63"}, headers=SERVICE)
    assert nothing.status_code == 200 and nothing.text == ""
