"""History, access log and the subject-access export (UU 27/2022)."""

import httpx
import pytest

from shared import clock
from tests.registry.factory import ADMIN, person
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


async def test_history_keeps_who_when_before_after(registry: httpx.AsyncClient) -> None:
    someone = await person(
        registry,
        nik="6371011501800011",
        birth_date="1980-01-15",
        headers=auth("regency_officer", regions=["63.71"], pii=True, sub="petugas-1"),
    )
    url = f"/api/v1/people/{someone['id']}"
    etag = (await registry.get(url, headers=ADMIN)).headers["etag"]
    await registry.patch(
        url, headers={**ADMIN, "If-Match": etag}, json={"address": "Jl. Baru", "nik": "6371011501800012"}
    )
    history = (await registry.get(url + "/history", headers=ADMIN)).json()["items"]
    assert [(c["action"], c["actor"]) for c in history] == [("create", "petugas-1"), ("update", "test-admin")]
    assert history[1]["before"] == {"address": None, "nik": "6371011501800011"}
    assert history[1]["after"] == {"address": "Jl. Baru", "nik": "6371011501800012"}
    masked = (await registry.get(url + "/history", headers=auth("viewer", regions=["63"]))).json()["items"]
    assert masked[1]["after"]["nik"] == "***" and masked[1]["after"]["address"] == "Jl. Baru"
    outside = await registry.get(url + "/history", headers=auth("viewer", regions=["63.03"]))
    assert outside.status_code == 404


async def test_access_log_for_admins_only(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    reader = auth("field_officer", regions=["63.71"], pii=True, sub="tksk-9")
    await registry.get(f"/api/v1/people/{someone['id']}", headers=reader)
    log = (
        await registry.get("/api/v1/access-log", params={"person_id": someone["id"]}, headers=ADMIN)
    ).json()
    assert ("tksk-9", "read") in [(e["reader"], e["action"]) for e in log["items"]]
    refused = await registry.get(
        "/api/v1/access-log", headers=auth("provincial_officer", regions=["63"], pii=True)
    )
    assert refused.status_code == 403


async def test_subject_access_export(registry: httpx.AsyncClient) -> None:
    someone = await person(registry, birth_date="1950-03-04", nik="6371010403500001")
    await registry.post(
        f"/api/v1/people/{someone['id']}/ppks-assessments",
        headers=ADMIN,
        json={"ppks_type": "08", "assessed_on": clock.today().isoformat()},
    )
    await registry.post(
        "/api/v1/psks",
        headers=ADMIN,
        json={
            "psks_type": "02",
            "person_id": someone["id"],
            "region_code": "63.71",
            "active_from": "2020-01-01",
        },
    )
    export = await registry.get(f"/api/v1/people/{someone['id']}/data-export", headers=ADMIN)
    assert export.status_code == 200, export.text
    body = export.json()
    assert body["person"]["nik"] == "6371010403500001"
    assert [a["ppks_type"] for a in body["ppks_assessments"]] == ["08"]
    assert [r["psks_type"] for r in body["psks_roles"]] == ["02"]
    assert {c["entity_type"] for c in body["history"]} == {"person", "ppks_assessment", "psks_role"}
    no_pii = await registry.get(
        f"/api/v1/people/{someone['id']}/data-export", headers=auth("provincial_officer", regions=["63"])
    )
    assert no_pii.status_code == 403
    log = (
        await registry.get("/api/v1/access-log", params={"person_id": someone["id"]}, headers=ADMIN)
    ).json()
    assert "data-export" in [e["action"] for e in log["items"]]
