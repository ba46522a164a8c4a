"""Registering people and reading back problems, for the registry's tests."""

import random
from datetime import date
from typing import Any

import httpx

from shared import clock
from tests.support import auth

ADMIN = auth("admin", pii=True)


def nik_for(born: date, female: bool = False, district: str = "637101") -> str:
    day = born.day + (40 if female else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{random.randint(1, 9999):04d}"


async def person(client: httpx.AsyncClient, headers: dict[str, str] = ADMIN, **fields: Any) -> dict[str, Any]:
    body = {"full_name": "Ahmad Fauzi", "sex": "M", "region_code": "63.71.01.1001", **fields}
    response = await client.post("/api/v1/people", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def fields_of(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


def years_ago(years: int, today: date | None = None) -> date:
    today = today or clock.today()
    return today.replace(year=today.year - years)
