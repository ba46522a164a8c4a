"""Duplicates: scans in partitions (run here as the worker would, through the service-only route),
candidate pairs, merge and undo, two people never proposed again, NIKs shared by different people."""

import uuid
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.registry.people.names import normalise
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
OFFICER = auth("provincial_officer", regions=["63"], pii=True, sub="officer-ani")
SERVICE = auth("service")
VILLAGE = "63.71.01.1001"
OTHER_VILLAGE = "63.71.01.1002"


async def insert_people(engine, *people: dict[str, Any]) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    """Straight into the table, as an import lands rows (a NIK may then be on two rows)."""
    rows = []
    for p in people:
        name = p["full_name"]
        rows.append(
            {
                "id": p.get("id", uuid.uuid4()),
                "id_dtks": p.get("id_dtks"),
                "nik": p.get("nik"),
                "kk_number": p.get("kk_number"),
                "full_name": name,
                "name_normalized": normalise(name),
                "birth_date": p.get("birth_date"),
                "sex": p.get("sex"),
                "address": p.get("address"),
                "region_code": p.get("region_code", VILLAGE),
                "created_at": datetime.fromisoformat(p.get("created_at", "2026-01-01T00:00:00+00:00")),
            }
        )
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO registry.people (id, id_dtks, nik, kk_number, full_name, name_normalized,"
                " birth_date, sex, address, region_code, created_at, updated_at) VALUES (:id, :id_dtks,"
                " :nik, :kk_number, :full_name, :name_normalized, :birth_date, :sex, :address,"
                " :region_code, :created_at, now())"
            ),
            rows,
        )
    return [r["id"] for r in rows]


SITI = {
    "id_dtks": "630000000001",
    "nik": "6371014506850001",
    "kk_number": "6371011203150002",
    "full_name": "Siti Rahmah",
    "birth_date": date(1985, 6, 5),
    "sex": "F",
    "address": "Jl. Pramuka No. 12",
    "created_at": "2025-01-01T00:00:00+00:00",
}
SITI_AGAIN = {  # the same woman entered again by another office: a title, a typo, no NIK
    "id_dtks": "630000000777",
    "kk_number": "6371011203150002",
    "full_name": "Hj. Siti Rahmha",
    "birth_date": date(1985, 6, 5),
    "sex": "F",
    "address": "Jalan Pramuka Nomor 12",
    "created_at": "2025-06-01T00:00:00+00:00",
}
HUSBAND = {
    "id_dtks": "630000000002",
    "nik": "6371010101800002",
    "kk_number": "6371011203150002",
    "full_name": "Ahmad Fauzi",
    "birth_date": date(1980, 1, 1),
    "sex": "M",
    "address": "Jl. Pramuka No. 12",
}
STRANGER = {
    "full_name": "Budi Santoso",
    "birth_date": date(1979, 8, 17),
    "sex": "M",
    "region_code": "63.03.01.2001",
}


async def scan(
    client: httpx.AsyncClient, region: str | None = None, headers: dict[str, str] = OFFICER
) -> dict:
    """Ask for a scan and run every partition as the worker would."""
    response = await client.post("/api/v1/duplicates/scans", json={"region": region}, headers=headers)
    assert response.status_code == 202, response.text
    created = response.json()
    for code in await partitions(client, created["id"]):
        run = await client.post(
            f"/api/v1/duplicates/scans/{created['id']}/partitions/{code}/run", headers=SERVICE
        )
        assert run.status_code == 200, run.text
    done = await client.get(f"/api/v1/duplicates/scans/{created['id']}", headers=headers)
    assert done.status_code == 200
    return done.json()


async def partitions(client: httpx.AsyncClient, scan_id: str) -> list[str]:
    from services.registry.duplicates.service import SCAN_REQUESTED

    del client
    async with _engine.begin() as conn:
        envelope = await conn.scalar(
            text("SELECT envelope FROM registry.outbox WHERE type = :t AND subject = :s"),
            {"t": SCAN_REQUESTED, "s": scan_id},
        )
    return list(envelope["payload"]["partitions"]) if envelope else []


_engine: Any = None


@pytest.fixture(autouse=True)
def _remember_engine(engine) -> None:  # type: ignore[no-untyped-def]
    global _engine
    _engine = engine


async def pairs(client: httpx.AsyncClient, headers: dict[str, str] = OFFICER, **params: Any) -> list[dict]:
    response = await client.get("/api/v1/duplicates", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def outbox(engine, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.scalars(text("SELECT envelope FROM registry.outbox WHERE type = :t"), {"t": kind})
        return [r["payload"] for r in rows]


# ---- scans


async def test_a_scan_runs_by_partition_and_finds_the_duplicate(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti, again, husband, _ = await insert_people(engine, SITI, SITI_AGAIN, HUSBAND, STRANGER)
    response = await registry.post("/api/v1/duplicates/scans", json={}, headers=OFFICER)
    assert response.status_code == 202
    created = response.json()
    assert created["status"] == "running" and created["progress"] == 0
    assert created["partitions_total"] == 2  # Kota Banjarmasin and Kabupaten Banjar
    [event] = await outbox(engine, "duplicates.scan_requested")
    assert sorted(event["partitions"]) == ["63.03", "63.71"] and event["scan_id"] == created["id"]
    first = await registry.post(
        f"/api/v1/duplicates/scans/{created['id']}/partitions/63.71/run", headers=SERVICE
    )
    assert first.status_code == 200 and first.json()["people"] == 3
    half = (await registry.get(f"/api/v1/duplicates/scans/{created['id']}", headers=OFFICER)).json()
    assert half["progress"] == 0.5 and half["status"] == "running"
    await registry.post(f"/api/v1/duplicates/scans/{created['id']}/partitions/63.03/run", headers=SERVICE)
    done = (await registry.get(f"/api/v1/duplicates/scans/{created['id']}", headers=OFFICER)).json()
    assert done["status"] == "done" and done["progress"] == 1 and done["finished_at"]
    assert done["people_scanned"] == 4

    [pair] = await pairs(registry)
    assert {pair["a"]["person_id"], pair["b"]["person_id"]} == {str(siti), str(again)}
    assert pair["decision"] == "match" and pair["status"] == "open" and 0.95 <= pair["score"] <= 1
    assert {pair["a"]["id_dtks"], pair["b"]["id_dtks"]} == {"630000000001", "630000000777"}
    levels = {f["field"]: f["level"] for f in pair["evidence"]["fields"]}
    assert levels["name"] == "one_typo" and levels["nik"] == "missing" and levels["household"] == "same_kk"
    assert str(husband) not in (pair["a"]["person_id"], pair["b"]["person_id"])


async def test_partitions_are_idempotent(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    await insert_people(engine, SITI, SITI_AGAIN, HUSBAND)
    done = await scan(registry)
    [before] = await pairs(registry)
    for _ in range(2):
        again = await registry.post(
            f"/api/v1/duplicates/scans/{done['id']}/partitions/63.71/run", headers=SERVICE
        )
        assert again.status_code == 200 and again.json()["runs"] >= 2
    [after] = await pairs(registry)
    assert after["id"] == before["id"]
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM registry.duplicate_pairs")) == 1
        assert await conn.scalar(text("SELECT count(*) FROM registry.duplicate_pair_events")) == 1
    # A second scan finds the same pair again: still one row, not proposed twice.
    await scan(registry)
    assert [p["id"] for p in await pairs(registry)] == [before["id"]]


async def test_a_nik_shared_by_different_people_is_flagged_not_merged(
    registry: httpx.AsyncClient, engine
) -> None:  # type: ignore[no-untyped-def]
    wife, husband = await insert_people(engine, SITI, {**HUSBAND, "nik": SITI["nik"]})
    await scan(registry)
    [pair] = await pairs(registry)
    assert pair["decision"] == "possible" and "nik_shared_by_different_people" in pair["evidence"]["flags"]
    async with engine.connect() as conn:
        findings = (
            await conn.execute(
                text("SELECT subject_id, status FROM registry.findings WHERE rule = 'nik_shared' ORDER BY 1")
            )
        ).all()
    assert sorted((str(s), st) for s, st in findings) == sorted([(str(wife), "open"), (str(husband), "open")])
    response = await registry.get("/api/v1/findings", params={"rule": "nik_shared"}, headers=OFFICER)
    assert len(response.json()["items"]) == 2
    # Scanning again keeps one finding per person.
    await scan(registry)
    async with engine.connect() as conn:
        assert (
            await conn.scalar(text("SELECT count(*) FROM registry.findings WHERE rule = 'nik_shared'")) == 2
        )


async def test_scans_stay_in_the_callers_regions(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    await insert_people(engine, SITI, SITI_AGAIN, STRANGER, {**STRANGER, "full_name": "Budi Santosa"})
    banjar = auth("regency_officer", regions=["63.03"])
    done = await scan(registry, headers=banjar)
    assert done["partitions_total"] == 1 and done["people_scanned"] == 2
    [pair] = await pairs(registry, headers=banjar)
    assert pair["a"]["region_code"].startswith("63.03")
    assert len(await pairs(registry)) == 1  # the Banjarmasin pair was not scanned
    refused = await registry.post("/api/v1/duplicates/scans", json={"region": "63.71"}, headers=banjar)
    assert refused.status_code == 403
    other = await registry.get(
        f"/api/v1/duplicates/scans/{done['id']}", headers=auth("regency_officer", regions=["63.71"])
    )
    assert other.status_code == 404
    viewer = await registry.post("/api/v1/duplicates/scans", json={}, headers=auth("viewer", regions=["63"]))
    assert viewer.status_code == 403
    officer_run = await registry.post(
        f"/api/v1/duplicates/scans/{done['id']}/partitions/63.03/run", headers=ADMIN
    )
    assert officer_run.status_code == 403
    bad = await registry.post("/api/v1/duplicates/scans", json={"region": "99.99"}, headers=OFFICER)
    assert bad.status_code == 422


async def test_pairs_are_listed_in_scope_and_filtered(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    await insert_people(engine, SITI, SITI_AGAIN, STRANGER, {**STRANGER, "full_name": "Budi Santosa"})
    await scan(registry)
    both = await pairs(registry)
    assert len(both) == 2 and both[0]["score"] >= both[1]["score"]
    assert len(await pairs(registry, region="63.03")) == 1
    assert len(await pairs(registry, headers=auth("regency_officer", regions=["63.71"]))) == 1
    page = await registry.get("/api/v1/duplicates", params={"limit": 1}, headers=OFFICER)
    cursor = page.json()["next_cursor"]
    rest = await registry.get("/api/v1/duplicates", params={"limit": 1, "cursor": cursor}, headers=OFFICER)
    assert (
        rest.json()["items"][0]["id"] != page.json()["items"][0]["id"] and rest.json()["next_cursor"] is None
    )
    bad = await registry.get("/api/v1/duplicates", params={"min_score": 2}, headers=OFFICER)
    assert bad.status_code == 422


# ---- review: merge, undo, two people


async def _household_ppks_psks(engine, person: uuid.UUID, survivor: uuid.UUID) -> dict[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    ids = {k: uuid.uuid4() for k in ("household", "member", "own_member", "other_household", "ppks", "psks")}
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO registry.households (id, kk_number, region_code) VALUES"
                " (:h, '6371011203150002', :v), (:o, '6371011203150009', :v)"
            ),
            {"h": ids["household"], "o": ids["other_household"], "v": VILLAGE},
        )
        await conn.execute(
            text(
                "INSERT INTO registry.household_members"
                " (id, household_id, person_id, relationship, joined_on) VALUES"
                " (:m, :h, :p, '2', '2020-01-01'), (:s, :o, :survivor, '1', '2019-01-01')"
            ),
            {
                "m": ids["member"],
                "h": ids["household"],
                "p": person,
                "s": ids["own_member"],
                "o": ids["other_household"],
                "survivor": survivor,
            },
        )
        await conn.execute(
            text(
                "INSERT INTO registry.ppks_assessments"
                " (id, person_id, ppks_type, region_code, assessed_on, assessor) VALUES"
                " (:a, :p, '24', :v, '2025-02-01', 'tksk-1')"
            ),
            {"a": ids["ppks"], "p": person, "v": VILLAGE},
        )
        await conn.execute(
            text(
                "INSERT INTO registry.psks_roles (id, psks_type, person_id, region_code, active_from)"
                " VALUES (:r, '02', :p, :v, '2024-01-01')"
            ),
            {"r": ids["psks"], "p": person, "v": VILLAGE},
        )
    return ids


async def _person(engine, person_id: uuid.UUID) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        row = (
            (await conn.execute(text("SELECT * FROM registry.people WHERE id = :p"), {"p": person_id}))
            .mappings()
            .one()
        )
    return {k: v for k, v in row.items() if k not in ("version", "updated_at")}


async def test_same_person_merges_then_undo_restores_exactly(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti, again = await insert_people(engine, SITI, {**SITI_AGAIN, "address": None, "kk_number": None})
    # The duplicate carries a mother's name the survivor lacks: the merge fills it in.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.people SET mother_name = 'Aminah' WHERE id = :p"), {"p": again}
        )
    await create_history(engine, again)
    rows = await _household_ppks_psks(engine, again, siti)
    before = {p: await _person(engine, p) for p in (siti, again)}
    await scan(registry)
    [pair] = await pairs(registry)
    resolved = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/resolve",
        json={"decision": "same_person", "note": "checked KK"},
        headers=OFFICER,
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "same_person" and body["survivor_id"] == str(siti)  # the one with a valid NIK
    assert [e["action"] for e in body["trail"]] == ["found", "same_person"] and body["trail"][1][
        "actor"
    ] == "officer-ani"

    merged = await registry.get(f"/api/v1/people/{again}", headers=ADMIN)
    assert merged.json()["status"] == "merged" and merged.json()["merged_into"] == str(siti)
    survivor = (await registry.get(f"/api/v1/people/{siti}", headers=ADMIN)).json()
    assert survivor["mother_name"] == "Aminah" and survivor["status"] == "active"
    async with engine.connect() as conn:
        owners = {
            table: await conn.scalar(
                text(f"SELECT person_id FROM registry.{table} WHERE id = :i"), {"i": rows[key]}
            )
            for table, key in (
                ("household_members", "member"),
                ("ppks_assessments", "ppks"),
                ("psks_roles", "psks"),
            )
        }
        ended = await conn.scalar(
            text("SELECT left_on FROM registry.household_members WHERE id = :i"), {"i": rows["member"]}
        )
        aliases = set(
            (
                await conn.execute(
                    text("SELECT kind, value FROM registry.person_aliases WHERE person_id = :p"), {"p": siti}
                )
            ).all()
        )
    assert set(owners.values()) == {siti}
    assert ended is not None  # she already lives in her own household: the duplicate's membership ended
    assert ("id_dtks", "630000000777") in aliases
    history = (await registry.get(f"/api/v1/people/{siti}/history", headers=ADMIN)).json()["items"]
    assert "merge" in [h["action"] for h in history]
    assert any(h["entity_id"] == str(again) for h in history)  # the other's history came along
    [event] = await outbox(engine, "person.merged")
    assert event == {"person_id": str(again), "merged_into": str(siti), "region_code": VILLAGE}
    # A merged record cannot be edited; the worker follows merged_into.
    patch = await registry.patch(
        f"/api/v1/people/{again}",
        json={"full_name": "X"},
        headers={**ADMIN, "If-Match": merged.headers["etag"]},
    )
    assert patch.status_code == 422

    undone = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/undo", json={"note": "wrong"}, headers=OFFICER
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "open" and [e["action"] for e in undone.json()["trail"]][-1] == "undo"
    assert {p: await _person(engine, p) for p in (siti, again)} == before
    async with engine.connect() as conn:
        for table, key in (
            ("household_members", "member"),
            ("ppks_assessments", "ppks"),
            ("psks_roles", "psks"),
        ):
            owner = await conn.scalar(
                text(f"SELECT person_id FROM registry.{table} WHERE id = :i"), {"i": rows[key]}
            )
            assert owner == again, table
        assert (
            await conn.scalar(
                text("SELECT left_on FROM registry.household_members WHERE id = :i"), {"i": rows["member"]}
            )
            is None
        )
        assert await conn.scalar(text("SELECT count(*) FROM registry.person_aliases")) == 0
    [unmerged] = await outbox(engine, "person.unmerged")
    assert unmerged["person_id"] == str(again) and unmerged["was_merged_into"] == str(siti)
    history = (await registry.get(f"/api/v1/people/{again}/history", headers=ADMIN)).json()["items"]
    assert [h["action"] for h in history][-1] == "unmerge"
    # Undone twice: nothing left to undo.
    assert (await registry.post(f"/api/v1/duplicates/{pair['id']}/undo", headers=OFFICER)).status_code == 409


async def create_history(engine, person: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO registry.changes"
                " (entity_type, entity_id, person_id, action, actor, before, after) VALUES"
                " ('person', :p, :p, 'import', 'feed', NULL, '{}'::jsonb)"
            ),
            {"p": person},
        )


async def test_different_people_is_never_proposed_again(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti, again = await insert_people(engine, SITI, SITI_AGAIN)
    await scan(registry)
    [pair] = await pairs(registry)
    response = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/resolve", json={"decision": "different_people"}, headers=OFFICER
    )
    assert response.status_code == 200 and response.json()["status"] == "different_people"
    await scan(registry)
    assert await pairs(registry) == []
    [judged] = await pairs(registry, status="different_people")
    assert judged["id"] == pair["id"]
    # The online match says so too, for either of them.
    found = await registry.post(
        "/api/v1/people/match", json={"records": [{"person_id": str(siti)}]}, headers=OFFICER
    )
    [candidate] = [c for c in found.json()["results"][0]["candidates"] if c["person"]["id"] == str(again)]
    assert (
        "rejected_as_different_people" in candidate["evidence"]["flags"]
        and candidate["decision"] == "no_match"
    )
    history = (await registry.get(f"/api/v1/people/{again}/history", headers=ADMIN)).json()["items"]
    assert history[-1]["action"] == "not_duplicate" and history[-1]["actor"] == "officer-ani"
    again_resolve = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/resolve", json={"decision": "same_person"}, headers=OFFICER
    )
    assert again_resolve.status_code == 409
    undone = await registry.post(f"/api/v1/duplicates/{pair['id']}/undo", headers=OFFICER)
    assert undone.status_code == 200 and undone.json()["status"] == "open"
    assert [p["id"] for p in await pairs(registry)] == [pair["id"]]


async def test_who_may_resolve(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    await insert_people(engine, SITI, SITI_AGAIN)
    await scan(registry)
    [pair] = await pairs(registry)
    body = {"decision": "different_people"}
    for headers, expected in [
        (auth("viewer", regions=["63"]), 403),
        (auth("field_officer", regions=["63"]), 403),
        (auth("regency_officer", regions=["63.03"]), 404),  # not in their regions: not even seen
    ]:
        response = await registry.post(f"/api/v1/duplicates/{pair['id']}/resolve", json=body, headers=headers)
        assert response.status_code == expected
    assert (
        await registry.get(f"/api/v1/duplicates/{pair['id']}", headers=auth("viewer", regions=["63"]))
    ).status_code == 200
    wrong = await registry.post(
        f"/api/v1/duplicates/{pair['id']}/resolve",
        json={"decision": "same_person", "survivor_id": str(uuid.uuid4())},
        headers=OFFICER,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "survivor_id"
    missing = await registry.post(f"/api/v1/duplicates/{uuid.uuid4()}/resolve", json=body, headers=OFFICER)
    assert missing.status_code == 404
