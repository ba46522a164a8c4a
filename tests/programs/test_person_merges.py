"""A registry merge carried into the programs service (worker only): every record naming the merged
person re-pointed to the survivor, remembered so that an undo puts back exactly those."""

import uuid
from typing import Any

import httpx

from tests.programs.helpers import ADMIN, PROVINCE, SERVICE, feed_victim, problem_fields
from tests.programs.test_institutions import PSTW, admitted, new_institution
from tests.programs.test_programs import enrol, give, new_program


async def merge(
    client: httpx.AsyncClient, merged: uuid.UUID, survivor: uuid.UUID, **extra: Any
) -> httpx.Response:
    body = {"merge_id": str(uuid.uuid4()), "merged_id": str(merged), "survivor_id": str(survivor), **extra}
    return await client.post("/api/v1/person-merges", json=body, headers=SERVICE)


async def whose(client: httpx.AsyncClient, path: str) -> str:
    response = await client.get(path, headers=PROVINCE)
    assert response.status_code == 200, response.text
    return str(response.json()["person_id"])


async def test_merge_re_points_and_undo_puts_back_exactly(programs: httpx.AsyncClient) -> None:
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    program = await new_program(programs)
    enrolment = (await enrol(programs, program, merged)).json()
    benefit = await give(programs, enrolment, 100_000)
    assert benefit.status_code == 201, benefit.text
    panti = await new_institution(programs, PSTW)
    stay = await admitted(programs, panti["id"], merged)
    await feed_victim(programs, person_id=merged)

    merge_id = str(uuid.uuid4())
    body = {"merge_id": merge_id, "merged_id": str(merged), "survivor_id": str(survivor)}
    carried = await programs.post("/api/v1/person-merges", json=body, headers=SERVICE)
    assert carried.status_code == 200, carried.text
    assert carried.json()["repointed"] == {
        "admissions": 1,
        "enrolments": 1,
        "benefits": 1,
        "disaster_victims": 1,
    }
    assert await whose(programs, f"/api/v1/enrolments/{enrolment['id']}") == str(survivor)
    assert await whose(programs, f"/api/v1/admissions/{stay['id']}") == str(survivor)

    # Recorded against the survivor after the merge: an undo leaves it with them.
    other_program = await new_program(programs, code="1.06.02.2.02", name="Rehabilitasi Sosial Anak")
    later = await enrol(programs, other_program, survivor)
    assert later.status_code == 201, later.text
    again = await programs.post("/api/v1/person-merges", json=body, headers=SERVICE)
    assert again.status_code == 200 and again.json() == carried.json()  # the same merge, once

    undo = {"undo_id": str(uuid.uuid4()), "merged_id": str(merged), "survivor_id": str(survivor)}
    undone = await programs.post("/api/v1/person-merges/undo", json=undo, headers=SERVICE)
    assert undone.status_code == 200, undone.text
    assert undone.json()["restored"] == carried.json()["repointed"] and undone.json()["undone_at"]
    assert await whose(programs, f"/api/v1/enrolments/{enrolment['id']}") == str(merged)
    assert await whose(programs, f"/api/v1/admissions/{stay['id']}") == str(merged)
    assert await whose(programs, f"/api/v1/enrolments/{later.json()['id']}") == str(survivor)
    twice = await programs.post("/api/v1/person-merges/undo", json=undo, headers=SERVICE)
    assert twice.json() == undone.json()
    nothing = await programs.post(
        "/api/v1/person-merges/undo", json={**undo, "undo_id": str(uuid.uuid4())}, headers=SERVICE
    )
    assert nothing.status_code == 200 and nothing.json()["merge_id"] is None


async def test_two_active_stays_keep_the_merged_persons_own(programs: httpx.AsyncClient) -> None:
    # One active stay per person: the merged person's stays theirs (their own rule reports two panti).
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    panti = await new_institution(programs, PSTW)
    theirs = await admitted(programs, panti["id"], merged)
    await admitted(programs, panti["id"], survivor)
    carried = await merge(programs, merged, survivor)
    assert carried.status_code == 200, carried.text
    assert carried.json()["kept"] == {"admissions": 1} and "admissions" not in carried.json()["repointed"]
    assert await whose(programs, f"/api/v1/admissions/{theirs['id']}") == str(merged)


async def test_only_the_worker_carries_merges(programs: httpx.AsyncClient) -> None:
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    program = await new_program(programs)
    enrolment = (await enrol(programs, program, merged)).json()
    body = {"merge_id": str(uuid.uuid4()), "merged_id": str(merged), "survivor_id": str(survivor)}
    for who in (PROVINCE, ADMIN):
        refused = await programs.post("/api/v1/person-merges", json=body, headers=who)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        undo = {"undo_id": str(uuid.uuid4()), "merged_id": str(merged), "survivor_id": str(survivor)}
        assert (await programs.post("/api/v1/person-merges/undo", json=undo, headers=who)).status_code == 403
    no_id = await programs.post("/api/v1/person-merges", json={**body, "merge_id": None}, headers=SERVICE)
    assert no_id.status_code == 422 and problem_fields(no_id) == {"merge_id"}
    bad = await programs.post("/api/v1/person-merges", json={**body, "survivor_id": "x"}, headers=SERVICE)
    assert bad.status_code == 422 and problem_fields(bad) == {"survivor_id"}
    itself = await programs.post(
        "/api/v1/person-merges", json={**body, "survivor_id": str(merged)}, headers=SERVICE
    )
    assert itself.status_code == 422 and problem_fields(itself) == {"survivor_id"}
    assert await whose(programs, f"/api/v1/enrolments/{enrolment['id']}") == str(merged)  # nothing done
