"""The worker's feeds: registry assessments and PSKS roles, disaster victims and relief, projected
into the programs schema. Service-only, idempotent, and an older event never wins."""

import asyncio
import uuid
from datetime import datetime

import httpx
import pytest
from sqlalchemy import text

from tests.programs.helpers import (
    ADMIN,
    PROVINCE,
    SERVICE,
    count,
    feed_assessment,
    feed_victim,
    moment,
    problem_fields,
    problem_type,
)
from tests.support import auth


async def projected(engine, assessment_id: str) -> dict:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT * FROM programs.ppks_assessments WHERE assessment_id = :id"),
                {"id": assessment_id},
            )
        ).one()
        return dict(row._mapping)


async def test_assessment_is_projected_and_replay_changes_nothing(
    programs: httpx.AsyncClient, engine
) -> None:  # type: ignore[no-untyped-def]
    body = await feed_assessment(programs, ppks_type="08", birth_date="1950-01-02")
    row = await projected(engine, body["assessment_id"])
    assert row["ppks_type"] == "08" and row["status"] == "active" and str(row["birth_date"]) == "1950-01-02"
    assert row["region_code"] == "63.71.01.1001" and row["sex"] == "F"

    again = await programs.put(
        f"/api/v1/feeds/ppks-assessments/{body['assessment_id']}", json=body, headers=SERVICE
    )
    assert again.status_code == 200
    assert again.json()["applied"] is True  # the same event again: applied, and the row is the same
    assert await projected(engine, body["assessment_id"]) | {"updated_at": None} == row | {"updated_at": None}
    assert await count(engine, "ppks_assessments") == 1


async def test_an_older_event_never_overwrites_a_newer_one(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    assessment_id = uuid.uuid4()
    person = uuid.uuid4()
    newer = await feed_assessment(
        programs,
        assessment_id=assessment_id,
        person_id=person,
        status="resolved_independent",
        resolved_on="2026-06-30",
        occurred_at=moment(60),
    )
    stale = {**newer, "status": "active", "resolved_on": None, "occurred_at": moment(0)}
    response = await programs.put(
        f"/api/v1/feeds/ppks-assessments/{assessment_id}", json=stale, headers=SERVICE
    )
    assert response.status_code == 200
    assert response.json()["applied"] is False
    # The instant of the newer event (08:01 UTC), shown on the office's clock (WITA).
    assert response.json()["event_occurred_at"] == "2026-11-01T16:01:00+08:00"
    assert datetime.fromisoformat(response.json()["event_occurred_at"]) == datetime.fromisoformat(moment(60))
    row = await projected(engine, str(assessment_id))
    assert row["status"] == "resolved_independent" and str(row["resolved_on"]) == "2026-06-30"

    # Delivered out of order, concurrently: the newest still wins.
    bodies = [{**newer, "ppks_type": f"{n:02d}", "occurred_at": moment(100 + n)} for n in range(1, 9)]
    await asyncio.gather(
        *(
            programs.put(f"/api/v1/feeds/ppks-assessments/{assessment_id}", json=b, headers=SERVICE)
            for b in reversed(bodies)
        )
    )
    assert (await projected(engine, str(assessment_id)))["ppks_type"] == "08"


@pytest.mark.parametrize("role", ["admin", "provincial_officer", "regency_officer", "viewer"])
async def test_only_the_worker_feeds(programs: httpx.AsyncClient, engine, role: str) -> None:  # type: ignore[no-untyped-def]
    assessment_id = uuid.uuid4()
    body = {
        "person_id": str(uuid.uuid4()),
        "ppks_type": "08",
        "status": "active",
        "assessed_on": "2026-01-01",
        "region_code": "63.71",
        "occurred_at": moment(),
    }
    response = await programs.put(
        f"/api/v1/feeds/ppks-assessments/{assessment_id}", json=body, headers=auth(role, regions=["63"])
    )
    assert response.status_code == 403 and problem_type(response) == "forbidden"
    victim = await programs.put(f"/api/v1/feeds/victims/{uuid.uuid4()}", json={}, headers=ADMIN)
    assert victim.status_code in (403, 422)
    assert await count(engine, "ppks_assessments") == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"ppks_type": "27"}, "ppks_type"),
        ({"ppks_type": "8"}, "ppks_type"),
        ({"status": "resolved"}, "status"),
        ({"region_code": "6371"}, "region_code"),
        ({"occurred_at": "2026-11-01T08:00:00"}, "occurred_at"),  # no zone: cannot be ordered
        ({"sex": "L"}, "sex"),
        ({"assessed_on": "01-02-2026"}, "assessed_on"),
    ],
)
async def test_malformed_feed_is_422_and_writes_nothing(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    override: dict,
    field: str,
) -> None:
    body = {
        "person_id": str(uuid.uuid4()),
        "ppks_type": "08",
        "status": "active",
        "assessed_on": "2026-01-01",
        "region_code": "63.71",
        "occurred_at": moment(),
        **override,
    }
    response = await programs.put(
        f"/api/v1/feeds/ppks-assessments/{uuid.uuid4()}", json=body, headers=SERVICE
    )
    assert response.status_code == 422 and problem_fields(response) == {field}
    assert await count(engine, "ppks_assessments") == 0


async def test_psks_role_and_victim_feeds(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    role_id = uuid.uuid4()
    organisation = {
        "role_id": str(role_id),
        "person_id": None,  # an LKS: an organisation holds the role
        "psks_type": "04",
        "region_code": "63.71",
        "active_from": "2024-01-01",
        "active_until": None,
        "status": "active",
        "occurred_at": moment(),
    }
    response = await programs.put(f"/api/v1/feeds/psks-roles/{role_id}", json=organisation, headers=SERVICE)
    assert response.status_code == 200 and response.json()["applied"] is True
    bad = await programs.put(
        f"/api/v1/feeds/psks-roles/{role_id}", json={**organisation, "psks_type": "13"}, headers=SERVICE
    )
    assert bad.status_code == 422 and problem_fields(bad) == {"psks_type"}

    victim = await feed_victim(programs, nik="6371014506850001", condition="luka")
    updated = {**victim, "condition": "mengungsi", "occurred_at": moment(5)}
    response = await programs.put(
        f"/api/v1/feeds/victims/{victim['victim_id']}", json=updated, headers=SERVICE
    )
    assert response.status_code == 200 and response.json()["applied"] is True
    async with engine.connect() as conn:
        condition = (await conn.execute(text("SELECT condition FROM programs.disaster_victims"))).scalar_one()
    assert condition == "mengungsi"
    wrong_level = await programs.put(
        f"/api/v1/feeds/victims/{uuid.uuid4()}",
        json={**victim, "disaster_level": "national"},
        headers=SERVICE,
    )
    assert wrong_level.status_code == 422 and problem_fields(wrong_level) == {"disaster_level"}
    assert await count(engine, "disaster_victims") == 1


async def test_reference_lists_and_parameters(programs: httpx.AsyncClient) -> None:
    spm = (await programs.get("/api/v1/reference/spm-services", headers=PROVINCE)).json()
    assert [s["code"] for s in spm] == [
        "disabilitas",
        "anak",
        "lanjut_usia",
        "gelandangan_pengemis",
        "korban_bencana",
    ]
    needs = (await programs.get("/api/v1/reference/basic-needs", headers=PROVINCE)).json()
    assert len(needs) == 8 and needs[0]["code"] == "housing"
    params = {
        p["key"]: p["value"] for p in (await programs.get("/api/v1/parameters", headers=PROVINCE)).json()
    }
    assert params["peksos_caseload_limit"] == 10
    assert params["spm_weighting"] == {"coverage": 0.8, "quality": 0.2}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("peksos_caseload_limit", 0),
        ("peksos_caseload_limit", "ten"),
        ("peksos_caseload_limit", 10.5),
        ("spm_weighting", {"coverage": 0.7, "quality": 0.2}),
        ("spm_weighting", {"coverage": 0.8}),
        ("spm_victim_conditions", ["tenggelam"]),
        ("spm_victim_conditions", []),
    ],
)
async def test_bad_parameter_value_is_422_and_keeps_the_old(
    programs: httpx.AsyncClient, key: str, value: object
) -> None:
    response = await programs.put(f"/api/v1/parameters/{key}", json={"value": value}, headers=PROVINCE)
    assert response.status_code == 422 and problem_fields(response) == {"value"}
    params = {
        p["key"]: p["value"] for p in (await programs.get("/api/v1/parameters", headers=PROVINCE)).json()
    }
    assert params["peksos_caseload_limit"] == 10
    assert params["spm_weighting"] == {"coverage": 0.8, "quality": 0.2}


async def test_only_the_province_changes_parameters(programs: httpx.AsyncClient) -> None:
    kota = await programs.put(
        "/api/v1/parameters/peksos_caseload_limit",
        json={"value": 12},
        headers=auth("regency_officer", regions=["63.71"]),
    )
    assert kota.status_code == 403
    unknown = await programs.put("/api/v1/parameters/max_clients", json={"value": 12}, headers=PROVINCE)
    assert unknown.status_code == 422 and problem_fields(unknown) == {"key"}
    ok = await programs.put("/api/v1/parameters/peksos_caseload_limit", json={"value": 12}, headers=PROVINCE)
    assert (
        ok.status_code == 200
        and ok.json()["value"] == 12
        and ok.json()["updated_by"] == "test-provincial_officer"
    )


async def multiple_flags(engine, person: uuid.UUID) -> list[bool]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT person_multiple FROM programs.ppks_assessments WHERE person_id = :p"), {"p": person}
        )
        return [r[0] for r in rows]


async def test_people_with_several_assessments_are_marked_even_when_fed_at_once(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    # The reports count the marked people by person and the rest row by row: the mark must be right.
    person = uuid.uuid4()
    await asyncio.gather(
        *(feed_assessment(programs, person_id=person, ppks_type=f"{n:02d}") for n in (8, 9, 23))
    )
    assert await multiple_flags(engine, person) == [True, True, True]

    alone = uuid.uuid4()
    moved = await feed_assessment(programs, person_id=alone)
    assert await multiple_flags(engine, alone) == [False]
    # The registry merges two records: the assessment now belongs to `person`.
    await feed_assessment(
        programs,
        assessment_id=uuid.UUID(moved["assessment_id"]),
        person_id=person,
        occurred_at=moment(30),
    )
    assert await multiple_flags(engine, alone) == []
    assert await multiple_flags(engine, person) == [True] * 4

    other = uuid.uuid4()
    first = await feed_assessment(programs, person_id=other)
    second = await feed_assessment(programs, person_id=other)
    assert await multiple_flags(engine, other) == [True, True]
    await feed_assessment(
        programs,
        assessment_id=uuid.UUID(second["assessment_id"]),
        person_id=uuid.uuid4(),
        occurred_at=moment(30),
    )
    assert await multiple_flags(engine, other) == [False]
    assert first["person_id"] == str(other)


def relief(distribution_id: str, occurred: int, person_id: str | None = None) -> dict:
    return {
        "distribution_id": distribution_id,
        "disaster_id": str(uuid.uuid4()),
        "person_id": person_id or str(uuid.uuid4()),
        "distributed_at": "2026-11-02T10:00:00+08:00",
        "occurred_at": moment(occurred),
    }


async def test_distributions_are_fed_in_bulk_newest_event_wins(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    newer_person = str(uuid.uuid4())
    batch = [relief(first, 10), relief(second, 10), relief(first, 20, newer_person), relief(first, 15)]
    response = await programs.put("/api/v1/feeds/distributions", json={"items": batch}, headers=SERVICE)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 4, "applied": 2}
    async with engine.connect() as conn:
        held = dict(
            (
                await conn.execute(
                    text("SELECT distribution_id::text, person_id::text FROM programs.relief_receipts")
                )
            ).all()
        )
    assert held[first] == newer_person and set(held) == {first, second}

    # The same batch again (the same events rewrite the same values), and an older event: nothing changes.
    again = await programs.put("/api/v1/feeds/distributions", json={"items": batch}, headers=SERVICE)
    assert again.status_code == 200
    older = await programs.put(
        "/api/v1/feeds/distributions", json={"items": [relief(first, 1)]}, headers=SERVICE
    )
    assert older.json()["applied"] == 0
    assert await count(engine, "relief_receipts") == 2
    async with engine.connect() as conn:
        person = await conn.scalar(
            text("SELECT person_id::text FROM programs.relief_receipts WHERE distribution_id = :id"),
            {"id": first},
        )
    assert person == newer_person


async def test_bulk_distribution_feed_is_for_the_worker_and_checks_every_item(
    programs: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    good = relief(str(uuid.uuid4()), 1)
    officer = await programs.put("/api/v1/feeds/distributions", json={"items": [good]}, headers=PROVINCE)
    assert officer.status_code == 403
    bad = {**relief(str(uuid.uuid4()), 1), "distributed_at": "2026-11-02T10:00:00"}  # no zone
    response = await programs.put("/api/v1/feeds/distributions", json={"items": [good, bad]}, headers=SERVICE)
    assert response.status_code == 422 and problem_fields(response) == {"items.1.distributed_at"}
    empty = await programs.put("/api/v1/feeds/distributions", json={"items": []}, headers=SERVICE)
    assert empty.status_code == 422 and problem_fields(empty) == {"items"}
    assert await count(engine, "relief_receipts") == 0
