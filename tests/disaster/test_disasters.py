"""Declared disasters: validation, who may declare them, and who sees them."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from shared import clock
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

PROVINCE = auth("provincial_officer", regions=["63"])  # Kalimantan Selatan
KOTA = auth("regency_officer", regions=["63.71"])  # Kota Banjarmasin
BANJAR = auth("regency_officer", regions=["63.03"])  # Kabupaten Banjar
TODAY = datetime.now(UTC).date()
STARTED = (TODAY - timedelta(days=3)).isoformat()
BANJIR = {
    "name": "Banjir Kabupaten Banjar 2026",
    "kind": "banjir",
    "level": "regency",
    "started_on": STARTED,
    "region_codes": ["63.03.02", "63.03.01", "63.03.02"],
}


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


async def declare(
    client: httpx.AsyncClient, body: dict = BANJIR, headers: dict = PROVINCE, **overrides
) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/api/v1/disasters", json={**body, **overrides}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def stored(engine) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        disasters = (await conn.execute(text("SELECT count(*) FROM disaster.disasters"))).scalar_one()
        events = (
            await conn.execute(text("SELECT count(*) FROM disaster.outbox WHERE type = 'disaster.declared'"))
        ).scalar_one()
    assert disasters == events
    return disasters


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["items"]]


async def test_declare_and_read_back(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    created = await declare(disaster, headers=BANJAR)
    assert created["kind"] == "banjir" and created["level"] == "regency" and created["started_on"] == STARTED
    assert created["status"] == "emergency"
    assert created["region_codes"] == ["63.03.01", "63.03.02"]  # sorted, each once
    read = await disaster.get(f"/api/v1/disasters/{created['id']}", headers=BANJAR)
    assert read.status_code == 200 and read.json() == created

    async with engine.connect() as conn:
        envelope = (
            await conn.execute(
                text(
                    "SELECT envelope FROM disaster.outbox WHERE type = 'disaster.declared' AND subject = :id"
                ),
                {"id": created["id"]},
            )
        ).scalar_one()
    assert envelope["payload"]["region_codes"] == ["63.03.01", "63.03.02"]
    assert envelope["payload"]["started_on"] == STARTED


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"kind": "gempa_bumi_besar"}, "kind"),
        ({"level": "district"}, "level"),
        ({"started_on": (TODAY + timedelta(days=2)).isoformat()}, "started_on"),
        ({"started_on": "kemarin"}, "started_on"),
        ({"region_codes": []}, "region_codes"),
        ({"region_codes": ["63.03.1"]}, "region_codes.0"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_disaster_is_422_naming_the_field(
    disaster: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
    override: dict,
    field: str,
) -> None:
    response = await disaster.post("/api/v1/disasters", json={**BANJIR, **override}, headers=PROVINCE)
    assert response.status_code == 422
    assert problem_fields(response) == {field}
    assert await stored(engine) == 0


async def test_declaring_outside_your_regions_is_403(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    outside = await disaster.post("/api/v1/disasters", json=BANJIR, headers=KOTA)
    assert outside.status_code == 403
    assert outside.json()["type"].endswith("/forbidden")
    # One region outside is enough to refuse the whole declaration.
    partly = await disaster.post(
        "/api/v1/disasters", json={**BANJIR, "region_codes": ["63.71.01", "63.03.01"]}, headers=KOTA
    )
    assert partly.status_code == 403
    province_wide = await disaster.post(
        "/api/v1/disasters", json={**BANJIR, "region_codes": ["63"]}, headers=KOTA
    )
    assert province_wide.status_code == 403
    for role in ("viewer", "field_officer", "institution_operator"):
        response = await disaster.post("/api/v1/disasters", json=BANJIR, headers=auth(role, regions=["63"]))
        assert response.status_code == 403, role
    assert await stored(engine) == 0


async def test_officers_see_disasters_touching_their_regions(disaster: httpx.AsyncClient) -> None:
    in_banjar = await declare(disaster)
    in_kota = await declare(
        disaster, name="Kebakaran Pasar Lama", kind="kebakaran", region_codes=["63.71.01"]
    )
    across = await declare(
        disaster, name="Banjir Martapura", level="province", region_codes=["63.03.01", "63.71.02"]
    )
    elsewhere = await declare(
        disaster, name="Karhutla Kalteng", kind="karhutla", region_codes=["62.01"], headers=auth("admin")
    )

    assert set(ids(await disaster.get("/api/v1/disasters", headers=KOTA))) == {in_kota["id"], across["id"]}
    assert set(ids(await disaster.get("/api/v1/disasters", headers=BANJAR))) == {
        in_banjar["id"],
        across["id"],
    }
    assert set(ids(await disaster.get("/api/v1/disasters", headers=PROVINCE))) == {
        in_banjar["id"],
        in_kota["id"],
        across["id"],
    }
    assert set(ids(await disaster.get("/api/v1/disasters", headers=auth("admin")))) == {
        in_banjar["id"],
        in_kota["id"],
        across["id"],
        elsewhere["id"],
    }
    field = auth("field_officer", regions=["63.71.01"])
    assert set(ids(await disaster.get("/api/v1/disasters", headers=field))) == {in_kota["id"]}

    assert (await disaster.get(f"/api/v1/disasters/{in_banjar['id']}", headers=KOTA)).status_code == 404
    assert (await disaster.get(f"/api/v1/disasters/{across['id']}", headers=KOTA)).status_code == 200
    assert (await disaster.get(f"/api/v1/disasters/{uuid.uuid4()}", headers=PROVINCE)).status_code == 404


async def test_province_wide_disaster_touches_every_regency(disaster: httpx.AsyncClient) -> None:
    whole = await declare(
        disaster, name="Cuaca ekstrem Kalsel", kind="cuaca_ekstrem", level="province", region_codes=["63"]
    )
    assert ids(await disaster.get("/api/v1/disasters", headers=KOTA)) == [whole["id"]]
    field = auth("field_officer", regions=["63.71.01"])
    assert (await disaster.get(f"/api/v1/disasters/{whole['id']}", headers=field)).status_code == 200
    # ...but not a neighbouring province's.
    kalteng = auth("regency_officer", regions=["62.01"])
    assert ids(await disaster.get("/api/v1/disasters", headers=kalteng)) == []


async def test_disaster_list_pages_with_a_cursor(disaster: httpx.AsyncClient) -> None:
    declared = {(await declare(disaster, name=f"Banjir {i}"))["id"] for i in range(4)}
    first = (await disaster.get("/api/v1/disasters", params={"limit": 3}, headers=PROVINCE)).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = (
        await disaster.get(
            "/api/v1/disasters", params={"limit": 3, "cursor": first["next_cursor"]}, headers=PROVINCE
        )
    ).json()
    assert second["next_cursor"] is None
    assert {d["id"] for d in first["items"] + second["items"]} == declared
    bad = await disaster.get("/api/v1/disasters", params={"cursor": "garbage!"}, headers=PROVINCE)
    assert bad.status_code == 422 and problem_fields(bad) == {"cursor"}


async def test_without_token_is_401(disaster: httpx.AsyncClient) -> None:
    response = await disaster.get("/api/v1/disasters")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


# --- Issue 6: status, impact figures, regions -------------------------------------------------------


async def etag_of(client: httpx.AsyncClient, disaster_id: str, headers: dict = PROVINCE) -> str:
    response = await client.get(f"/api/v1/disasters/{disaster_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def test_impact_and_status_forward_only(disaster: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    created = await declare(disaster, impact={"dead": 2, "displaced": 340, "houses_heavily_damaged": 12})
    assert created["impact"]["dead"] == 2 and created["impact"]["missing"] == 0
    url = f"/api/v1/disasters/{created['id']}"
    etag = await etag_of(disaster, created["id"])
    changed = await disaster.patch(
        url,
        json={"status": "recovery", "impact": {"missing": 1, "affected": 2500}},
        headers={**PROVINCE, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["status"] == "recovery" and body["closed_on"] is None
    assert body["impact"] == {
        "dead": 2,
        "missing": 1,
        "injured": 0,
        "displaced": 340,
        "affected": 2500,
        "houses_heavily_damaged": 12,
        "houses_moderately_damaged": 0,
        "houses_lightly_damaged": 0,
    }
    stale = await disaster.patch(url, json={"name": "Banjir"}, headers={**PROVINCE, "If-Match": etag})
    assert stale.status_code == 412
    back = await disaster.patch(
        url, json={"status": "emergency"}, headers={**PROVINCE, "If-Match": changed.headers["etag"]}
    )
    assert back.status_code == 409 and problem_fields(back) == {"status"}
    assert back.json()["type"].endswith("/invalid-status-transition")
    missing_etag = await disaster.patch(url, json={"status": "closed"}, headers=PROVINCE)
    assert missing_etag.status_code == 428
    closed = await disaster.patch(
        url, json={"status": "closed"}, headers={**PROVINCE, "If-Match": changed.headers["etag"]}
    )
    assert closed.status_code == 200 and closed.json()["closed_on"] == clock.today().isoformat()
    async with engine.connect() as conn:
        updates = (
            (
                await conn.execute(
                    text(
                        "SELECT envelope FROM disaster.outbox WHERE type = 'disaster.updated' "
                        "ORDER BY created_at"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [u["payload"]["changed"] for u in updates] == [
        ["status", "impact.missing", "impact.affected"],
        ["status"],
    ]
    assert updates[-1]["payload"]["status"] == "closed" and updates[-1]["payload"]["level"] == "regency"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"status": "selesai"}, 422, "status"),
        ({"impact": {"dead": -1}}, 422, "impact.dead"),
        ({"region_codes": ["63.03.01"]}, 422, "region_codes"),  # dropping 63.03.02
        ({"region_codes": ["63.03.01", "63.03.02", "63.3"]}, 422, "region_codes.2"),
        ({"name": ""}, 422, "name"),
    ],
)
async def test_bad_change_is_refused_naming_the_field(
    disaster: httpx.AsyncClient, body: dict, status: int, field: str
) -> None:
    created = await declare(disaster)
    url = f"/api/v1/disasters/{created['id']}"
    response = await disaster.patch(
        url, json=body, headers={**PROVINCE, "If-Match": await etag_of(disaster, created["id"])}
    )
    assert response.status_code == status and problem_fields(response) == {field}, response.text
    assert (await disaster.get(url, headers=PROVINCE)).json() == created


async def test_regions_are_added_in_scope_only(disaster: httpx.AsyncClient) -> None:
    created = await declare(disaster, headers=BANJAR)
    url = f"/api/v1/disasters/{created['id']}"
    grown = await disaster.patch(
        url,
        json={"region_codes": ["63.03.01", "63.03.02", "63.03.03"]},
        headers={**BANJAR, "If-Match": await etag_of(disaster, created["id"], BANJAR)},
    )
    assert grown.status_code == 200 and grown.json()["region_codes"] == ["63.03.01", "63.03.02", "63.03.03"]
    across = await disaster.patch(
        url,
        json={"region_codes": ["63.03.01", "63.03.02", "63.03.03", "63.71.01"]},
        headers={**BANJAR, "If-Match": grown.headers["etag"]},
    )
    assert across.status_code == 403
    # A regency officer who sees a province-level disaster does not change it.
    wide = await declare(disaster, level="province", region_codes=["63.03.01", "63.71.01"])
    refused = await disaster.patch(
        f"/api/v1/disasters/{wide['id']}",
        json={"impact": {"dead": 1}},
        headers={**KOTA, "If-Match": await etag_of(disaster, wide["id"], KOTA)},
    )
    assert refused.status_code == 403
    viewer = auth("viewer", regions=["63"])
    assert (
        await disaster.patch(url, json={"name": "x"}, headers={**viewer, "If-Match": "x"})
    ).status_code == 403


async def test_list_by_status(disaster: httpx.AsyncClient) -> None:
    open_ = await declare(disaster)
    done = await declare(disaster, name="Banjir lama")
    await disaster.patch(
        f"/api/v1/disasters/{done['id']}",
        json={"status": "closed"},
        headers={**PROVINCE, "If-Match": await etag_of(disaster, done["id"])},
    )
    closed = await disaster.get("/api/v1/disasters", params={"status": "closed"}, headers=PROVINCE)
    assert ids(closed) == [done["id"]]
    emergency = await disaster.get("/api/v1/disasters", params={"status": "emergency"}, headers=PROVINCE)
    assert ids(emergency) == [open_["id"]]
