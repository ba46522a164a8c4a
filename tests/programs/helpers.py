"""Helpers shared by the programs tests: tokens, problem bodies, and the worker's feeds."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from tests.support import auth

PROVINCE = auth("provincial_officer", regions=["63"])  # Dinas Sosial Kalimantan Selatan
KOTA = auth("regency_officer", regions=["63.71"])  # Kota Banjarmasin
BANJAR = auth("regency_officer", regions=["63.03"])  # Kabupaten Banjar
VIEWER = auth("viewer", regions=["63"])
SERVICE = auth("service")
ADMIN = auth("admin")
TODAY = datetime.now(UTC).date()


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["type"].rsplit("/", 1)[-1]


def years_ago(years: int, *, days: int = 0) -> str:
    """A birth date that makes someone `years` old today (plus `days`)."""
    born = (
        TODAY.replace(year=TODAY.year - years)
        if not (TODAY.month == 2 and TODAY.day == 29)
        else (TODAY - timedelta(days=1)).replace(year=TODAY.year - years)
    )
    return (born - timedelta(days=days)).isoformat()


async def count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM programs.{table}"))).scalar_one()


async def outbox(engine, type_: str) -> list[dict]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT envelope FROM programs.outbox WHERE type = :type ORDER BY created_at"),
            {"type": type_},
        )
        return [r[0] for r in rows]


def moment(offset_seconds: int = 0) -> str:
    return (datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(seconds=offset_seconds)).isoformat()


async def feed_assessment(
    client: httpx.AsyncClient,
    *,
    assessment_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    ppks_type: str = "08",
    status: str = "active",
    assessed_on: str | date = "2026-02-01",
    resolved_on: str | date | None = None,
    region_code: str = "63.71.01.1001",
    birth_date: str | None = None,
    sex: str | None = "F",
    occurred_at: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    assessment_id = assessment_id or uuid.uuid4()
    body = {
        "assessment_id": str(assessment_id),
        "person_id": str(person_id or uuid.uuid4()),
        "ppks_type": ppks_type,
        "status": status,
        "assessed_on": str(assessed_on),
        "resolved_on": str(resolved_on) if resolved_on else None,
        "region_code": region_code,
        "birth_date": birth_date,
        "sex": sex,
        "occurred_at": occurred_at or moment(),
    }
    response = await client.put(f"/api/v1/feeds/ppks-assessments/{assessment_id}", json=body, headers=SERVICE)
    assert response.status_code == expect, response.text
    return body


async def feed_peksos(
    client: httpx.AsyncClient,
    person_id: uuid.UUID | None = None,
    *,
    role_id: uuid.UUID | None = None,
    psks_type: str = "01",
    status: str = "active",
    active_from: str | None = "2020-01-01",
    active_until: str | None = None,
    occurred_at: str | None = None,
) -> uuid.UUID:
    person_id = person_id or uuid.uuid4()
    role_id = role_id or uuid.uuid4()
    response = await client.put(
        f"/api/v1/feeds/psks-roles/{role_id}",
        json={
            "role_id": str(role_id),
            "person_id": str(person_id),
            "psks_type": psks_type,
            "region_code": "63.71",
            "active_from": active_from,
            "active_until": active_until,
            "status": status,
            "occurred_at": occurred_at or moment(),
        },
        headers=SERVICE,
    )
    assert response.status_code == 200, response.text
    return person_id


async def feed_victim(
    client: httpx.AsyncClient,
    *,
    victim_id: uuid.UUID | None = None,
    disaster_id: uuid.UUID | None = None,
    level: str = "province",
    person_id: uuid.UUID | None = None,
    nik: str | None = None,
    condition: str = "mengungsi",
    region_code: str = "63.71.01.1001",
    registered_at: str = "2026-03-05T02:00:00+00:00",
    occurred_at: str | None = None,
) -> dict[str, Any]:
    victim_id = victim_id or uuid.uuid4()
    body = {
        "victim_id": str(victim_id),
        "disaster_id": str(disaster_id or uuid.uuid4()),
        "disaster_level": level,
        "person_id": str(person_id) if person_id else None,
        "nik": nik,
        "full_name": "Korban",
        "condition": condition,
        "region_code": region_code,
        "registered_at": registered_at,
        "occurred_at": occurred_at or moment(),
    }
    response = await client.put(f"/api/v1/feeds/victims/{victim_id}", json=body, headers=SERVICE)
    assert response.status_code == 200, response.text
    return body


async def feed_distribution(
    client: httpx.AsyncClient,
    *,
    disaster_id: str,
    person_id: str | None = None,
    nik: str | None = None,
    distributed_at: str = "2026-03-06T02:00:00+00:00",
) -> None:
    distribution_id = uuid.uuid4()
    response = await client.put(
        f"/api/v1/feeds/distributions/{distribution_id}",
        json={
            "distribution_id": str(distribution_id),
            "disaster_id": disaster_id,
            "person_id": person_id,
            "nik": nik,
            "full_name": None,
            "region_code": "63.71",
            "distributed_at": distributed_at,
            "items": [{"item_code": "beras", "quantity": "5"}],
            "occurred_at": moment(),
        },
        headers=SERVICE,
    )
    assert response.status_code == 200, response.text
