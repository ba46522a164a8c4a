"""Helpers for the reconciliation tests: the worker's `Services` over the in-process services (as
tests/disaster/test_sync_worker.py builds them), people in the registry, records in the other services,
and findings read back the way an officer reads them."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker.clients import ServiceClient, Services, ServiceToken
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.disaster.scenes import PROVINCE as DISASTER_PROVINCE
from tests.support import auth

ADMIN = auth("admin", pii=True)
SERVICE = auth("service")
OFFICER = auth("provincial_officer", regions=["63"], pii=True, sub="kalsel-officer")
LAST_MONTH = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
PSTW = {"name": "PSTW Budi Sejahtera", "kind": "lanjut_usia", "region_code": "63.71.01", "capacity": 50}


@pytest.fixture
async def services(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    settings: KessosSettings,
) -> AsyncIterator[Services]:
    token = ServiceToken(settings)
    yield Services(
        registry=ServiceClient("registry", registry, token),
        programs=ServiceClient("programs", programs, token),
        disaster=ServiceClient("disaster", disaster, token),
    )


_serial = iter(range(1, 10_000))


def nik_for(birth: str = "1985-06-05", sex: str = "F") -> str:
    """A well-formed NIK of Kota Banjarmasin (63.71.01) for that birth date and sex."""
    year, month, day = birth.split("-")
    dd = int(day) + (40 if sex == "F" else 0)
    return f"637101{dd:02d}{month}{year[2:]}{next(_serial):04d}"


async def person(
    registry: httpx.AsyncClient, *, name: str = "Siti Rahmah", birth: str = "1985-06-05", sex: str = "F"
) -> dict[str, Any]:
    response = await registry.post(
        "/api/v1/people",
        json={
            "nik": nik_for(birth, sex),
            "full_name": name,
            "birth_date": birth,
            "sex": sex,
            "region_code": "63.71.01.1001",
        },
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def change_person(registry: httpx.AsyncClient, person_id: str, **changes: Any) -> dict[str, Any]:
    current = await registry.get(f"/api/v1/people/{person_id}", headers=ADMIN)
    response = await registry.patch(
        f"/api/v1/people/{person_id}", json=changes, headers={**ADMIN, "If-Match": current.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def merge(engine: Any, duplicate: str, survivor: str) -> None:
    """The registry's merge as its tables show it after a review (the review itself is the registry's
    tests' business)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE registry.people SET status = 'merged', merged_into = :s, status_changed_at = now()"
                " WHERE id = :d"
            ),
            {"s": survivor, "d": duplicate},
        )


async def findings(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/findings", params={"limit": 200, **params}, headers=DISASTER_PROVINCE
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def statuses(client: httpx.AsyncClient, rule: str) -> dict[str, str]:
    """subject id → status of every finding of the rule."""
    response = await client.get("/api/v1/findings", params={"limit": 200, "rule": rule}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return {f["subject_id"]: f["status"] for f in response.json()["items"]}


async def resolve(
    client: httpx.AsyncClient, finding_id: str, reason: str = "checked at the site"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/findings/{finding_id}/resolve", json={"reason": reason}, headers=OFFICER
    )


def event(type_: str, payload: dict[str, Any], source: str = "disaster") -> EventEnvelope:
    return EventEnvelope(type=type_, source=source, subject=str(uuid.uuid4()), payload=payload)


async def institution(programs: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await programs.post("/api/v1/institutions", json={**PSTW, **overrides}, headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()


async def admit(
    programs: httpx.AsyncClient, institution_id: str, person_id: str, admitted_on: str = LAST_MONTH
) -> dict[str, Any]:
    response = await programs.post(
        f"/api/v1/institutions/{institution_id}/admissions",
        json={"person_id": person_id, "admitted_on": admitted_on},
        headers=OFFICER,
    )
    assert response.status_code == 201, response.text
    return response.json()
