"""The registry's delta feed: a phone downloads only what changed in its regions, and paging never skips
or repeats a change, even when transactions commit out of order."""

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.registry.factory import person
from tests.support import auth, eventually

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
OFFICER = auth("regency_officer", regions=["63.71"])  # Kota Banjarmasin, no pii:read
BANJARMASIN = "63.71.01.1001"
SAMARINDA = "64.71.01.1001"


async def settled(engine) -> None:  # type: ignore[no-untyped-def]
    """Wait until every committed change is servable. The feed serves a change once every transaction
    older than it has finished, anywhere on the PostgreSQL server (transaction ids are server-wide):
    another test run's migration next door delays it for a moment."""

    async def servable() -> bool:
        async with engine.connect() as conn:
            return bool(
                await conn.scalar(
                    text(
                        "SELECT coalesce(max(xid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                        " FROM registry.change_log"
                    )
                )
            )

    await eventually(servable, timeout=120)


async def sync(
    client: httpx.AsyncClient, headers: dict[str, str], since: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change since `since`, page by page, and the cursor to send next time."""
    changes: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"since": since} if since else {})}
        response = await client.get("/api/v1/changes", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        changes += body["changes"]
        since = body["next_cursor"] or since
        if not body["more"]:
            return changes, since


async def test_first_sync_then_only_what_changed(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti = await person(
        registry, full_name="Siti Rahmah", sex="F", region_code=BANJARMASIN, nik="6371014506850001"
    )
    await person(registry, full_name="Rudi", region_code=SAMARINDA)
    await settled(engine)
    first, cursor = await sync(registry, OFFICER)
    assert [(c["entity"], c["id"], c["op"]) for c in first] == [("person", siti["id"], "upsert")]
    record = first[0]["record"]
    assert record["full_name"] == "Siti Rahmah" and record["nik"] == "6371**********01"  # masked by role
    # Times in the office's zone (WITA), the same instant as stored.
    assert record["created_at"].endswith("+08:00") and first[0]["changed_at"].endswith("+08:00")
    assert datetime.fromisoformat(record["created_at"]) == datetime.fromisoformat(siti["created_at"])

    again, same = await sync(registry, OFFICER, cursor)
    assert again == [] and same == cursor

    ahmad = await person(registry, full_name="Ahmad", region_code=BANJARMASIN)
    patched = await registry.patch(
        f"/api/v1/people/{siti['id']}",
        json={"address": "Jl. Baru"},
        headers={
            **ADMIN,
            "If-Match": (await registry.get(f"/api/v1/people/{siti['id']}", headers=ADMIN)).headers["etag"],
        },
    )
    assert patched.status_code == 200, patched.text
    await settled(engine)
    delta, _ = await sync(registry, OFFICER, cursor)
    assert {(c["id"], c["op"]) for c in delta} == {(ahmad["id"], "upsert"), (siti["id"], "upsert")}
    assert next(c for c in delta if c["id"] == siti["id"])["record"]["address"] == "Jl. Baru"


async def test_moved_out_of_scope_or_merged_is_a_tombstone(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    mover = await person(registry, full_name="Pindah", region_code=BANJARMASIN)
    duplicate = await person(registry, full_name="Ganda", region_code=BANJARMASIN)
    survivor = await person(registry, full_name="Ganda Asli", region_code=BANJARMASIN)
    await settled(engine)
    _, cursor = await sync(registry, OFFICER)
    _, samarinda_cursor = await sync(registry, auth("regency_officer", regions=["64.71"]))

    etag = (await registry.get(f"/api/v1/people/{mover['id']}", headers=ADMIN)).headers["etag"]
    moved = await registry.patch(
        f"/api/v1/people/{mover['id']}", json={"region_code": SAMARINDA}, headers={**ADMIN, "If-Match": etag}
    )
    assert moved.status_code == 200, moved.text
    # Any write path is logged, not only the API's: a merge marks the duplicate in the database.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE registry.people SET status = 'merged', merged_into = :s WHERE id = :d"),
            {"s": survivor["id"], "d": duplicate["id"]},
        )

    await settled(engine)
    delta, _ = await sync(registry, OFFICER, cursor)
    assert {(c["id"], c["op"], c["record"] is None) for c in delta} == {
        (mover["id"], "tombstone", True),
        (duplicate["id"], "tombstone", True),
    }
    # The new region's officer gets the mover as an upsert.
    there, _ = await sync(registry, auth("regency_officer", regions=["64.71"]), samarinda_cursor)
    assert [(c["id"], c["op"]) for c in there] == [(mover["id"], "upsert")]
    assert there[0]["record"]["region_code"] == SAMARINDA


async def test_officer_never_sees_other_regions_and_region_narrows(
    registry: httpx.AsyncClient, engine
) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        await person(registry, full_name=f"Kaltim {i}", region_code=SAMARINDA)
    mine = await person(registry, full_name="Kalsel", region_code=BANJARMASIN)
    await settled(engine)
    seen, _ = await sync(registry, OFFICER, limit=1)
    assert [c["id"] for c in seen] == [mine["id"]]
    # Asking for a region outside the token's regions gives nothing from it.
    outside, _ = await sync(registry, OFFICER, region="64.71")
    assert outside == []
    narrowed, _ = await sync(registry, ADMIN, region="64.71")
    assert len(narrowed) == 3 and all(c["record"]["region_code"] == SAMARINDA for c in narrowed)


# garbage; one value; two non-numbers; numbers too big for the log's bigint
@pytest.mark.parametrize(
    "since", ["not-a-cursor", "WyJ4Il0", "WyJhIiwgImIiXQ", "WyI5OTk5OTk5OTk5OTk5OTk5OTk5OTk5IiwgIjEiXQ"]
)
async def test_a_malformed_cursor_is_a_422_naming_since(registry: httpx.AsyncClient, since: str) -> None:
    response = await registry.get("/api/v1/changes", params={"since": since}, headers=OFFICER)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["since"]


async def test_needs_a_reader_token(registry: httpx.AsyncClient) -> None:
    assert (await registry.get("/api/v1/changes")).status_code == 401


async def test_paging_under_concurrent_writes_skips_nothing_and_repeats_nothing(
    registry: httpx.AsyncClient,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    created: list[str] = []
    served: list[str] = []
    writing = True

    async def writer(n: int) -> None:
        for i in range(8):
            created.append(
                (await person(registry, full_name=f"Penulis {n}-{i}", region_code=BANJARMASIN))["id"]
            )

    async def reader() -> str | None:
        cursor = None
        while writing:
            changes, cursor = await sync(registry, OFFICER, cursor, limit=3)
            served.extend(c["id"] for c in changes)
            await asyncio.sleep(0.01)
        return cursor

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(4)))
    writing = False
    cursor = await reading
    await settled(engine)
    changes, cursor = await sync(registry, OFFICER, cursor, limit=3)
    served.extend(c["id"] for c in changes)
    assert sorted(served) == sorted(created)  # nothing missed, nothing twice

    # A writer that started first and commits last: with a cursor on a sequence or on updated_at, its
    # row would sort before changes already served, and be skipped for ever.
    late_id = uuid.uuid4()
    late = await engine.connect()
    late_tx = await late.begin()
    await late.execute(
        text("INSERT INTO registry.people (id, full_name, region_code) VALUES (:id, 'Terlambat', :r)"),
        {"id": late_id, "r": BANJARMASIN},
    )
    for i in range(3):
        created.append((await person(registry, full_name=f"Sesudah {i}", region_code=BANJARMASIN))["id"])
    changes, cursor = await sync(registry, OFFICER, cursor, limit=2)
    served.extend(c["id"] for c in changes)
    assert str(late_id) not in served  # still open: not served yet...
    await late_tx.commit()
    await late.close()
    await settled(engine)
    changes, _ = await sync(registry, OFFICER, cursor, limit=2)
    served.extend(c["id"] for c in changes)
    # ...served once it commits, behind the cursor the phone holds; the later writes were held back
    # with it (delayed, never lost)
    assert sorted(served) == sorted([*created, str(late_id)])
