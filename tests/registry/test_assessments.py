"""PPKS assessments: the 26 types, age rules, resolution, events for the programs service."""

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from shared import clock
from tests.registry.factory import ADMIN, fields_of, person, years_ago
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


async def assess(
    registry: httpx.AsyncClient, person_id: str, ppks_type: str, on: date | None = None
) -> httpx.Response:
    return await registry.post(
        f"/api/v1/people/{person_id}/ppks-assessments",
        headers=ADMIN,
        json={
            "ppks_type": ppks_type,
            "assessed_on": (on or clock.today()).isoformat(),
            "evidence_note": "home visit",
        },
    )


async def test_reference_lists(registry: httpx.AsyncClient) -> None:
    ppks = (await registry.get("/api/v1/reference/ppks-types", headers=ADMIN)).json()
    assert [t["code"] for t in ppks] == [f"{i:02d}" for i in range(1, 27)]
    assert ppks[7] == {"code": "08", "name": "Lanjut Usia Terlantar", "min_age": 60, "max_age": None}
    psks = (await registry.get("/api/v1/reference/psks-types", headers=ADMIN)).json()
    assert len(psks) == 12 and {t["code"] for t in psks if t["holder"] == "organisation"} == {
        "04",
        "05",
        "06",
        "08",
        "12",
    }


@pytest.mark.parametrize(
    ("age", "ppks_type", "ok"),
    [
        (3, "01", True),
        (6, "01", False),
        (17, "02", True),
        (18, "04", False),
        (30, "07", False),
        (60, "08", True),
        (59, "08", False),
        (40, "24", True),
        (8, "09", True),
    ],
)
async def test_age_rules(registry: httpx.AsyncClient, age: int, ppks_type: str, ok: bool) -> None:
    someone = await person(registry, birth_date=(years_ago(age) - timedelta(days=10)).isoformat())
    response = await assess(registry, someone["id"], ppks_type)
    if ok:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422 and fields_of(response) == {"ppks_type"}, response.text


async def test_unknown_type_unknown_birth_date_future_date(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    someone = await person(registry)
    for ppks_type, field in (("27", "ppks_type"), ("1", "ppks_type"), ("01", "ppks_type")):
        response = await assess(registry, someone["id"], ppks_type)
        assert response.status_code == 422 and fields_of(response) == {field}, (ppks_type, response.text)
    future = await assess(registry, someone["id"], "24", clock.today() + timedelta(days=3))
    assert future.status_code == 422 and fields_of(future) == {"assessed_on"}
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM registry.ppks_assessments")) == 0


async def test_resolve_as_mandiri_and_events(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    someone = await person(registry, birth_date="1950-02-01")
    created = await assess(registry, someone["id"], "08", clock.today() - timedelta(days=30))
    assert created.status_code == 201
    url = f"/api/v1/ppks-assessments/{created.json()['id']}"
    etag = (await registry.get(url, headers=ADMIN)).headers["etag"]
    resolved = await registry.patch(
        url, headers={**ADMIN, "If-Match": etag}, json={"status": "resolved_independent"}
    )
    assert resolved.status_code == 200, resolved.text
    assert (
        resolved.json()["status"] == "resolved_independent"
        and resolved.json()["resolved_on"] == clock.today().isoformat()
    )
    stale = await registry.patch(url, headers={**ADMIN, "If-Match": etag}, json={"status": "active"})
    assert stale.status_code == 412
    async with engine.connect() as conn:
        events = (
            await conn.execute(
                text(
                    "SELECT type, envelope->'payload' FROM registry.outbox "
                    "WHERE type LIKE 'ppks_assessment.%' ORDER BY created_at"
                )
            )
        ).all()
    assert [e[0] for e in events] == ["ppks_assessment.recorded", "ppks_assessment.updated"]
    payload = events[1][1]
    assert payload["status"] == "resolved_independent" and payload["ppks_type"] == "08"
    assert payload["birth_date"] == "1950-02-01" and payload["region_code"] == "63.71.01.1001"


async def test_resolved_on_rules(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    created = (await assess(registry, someone["id"], "24", clock.today() - timedelta(days=5))).json()
    url = f"/api/v1/ppks-assessments/{created['id']}"
    etag = (await registry.get(url, headers=ADMIN)).headers["etag"]
    early = await registry.patch(
        url,
        headers={**ADMIN, "If-Match": etag},
        json={"status": "resolved_other", "resolved_on": (clock.today() - timedelta(days=9)).isoformat()},
    )
    assert early.status_code == 422 and fields_of(early) == {"resolved_on"}
    missing = await registry.patch(url, headers=ADMIN, json={"status": "resolved_other"})
    assert missing.status_code == 428


async def test_one_active_assessment_per_type(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    assert (await assess(registry, someone["id"], "24")).status_code == 201
    again = await assess(registry, someone["id"], "24")
    assert again.status_code == 409
    assert (await assess(registry, someone["id"], "23")).status_code == 201
    listed = (await registry.get(f"/api/v1/people/{someone['id']}/ppks-assessments", headers=ADMIN)).json()
    assert sorted(a["ppks_type"] for a in listed) == ["23", "24"]


async def test_scope_applies(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    banjar = auth("regency_officer", regions=["63.03"])
    response = await registry.post(
        f"/api/v1/people/{someone['id']}/ppks-assessments",
        headers=banjar,
        json={"ppks_type": "24", "assessed_on": clock.today().isoformat()},
    )
    assert response.status_code == 404
    viewer = auth("viewer", regions=["63.71"])
    response = await registry.post(
        f"/api/v1/people/{someone['id']}/ppks-assessments",
        headers=viewer,
        json={"ppks_type": "24", "assessed_on": clock.today().isoformat()},
    )
    assert response.status_code == 403
