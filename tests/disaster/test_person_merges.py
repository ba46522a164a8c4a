"""A registry merge carried into the disaster service (worker only): victims and distributions naming
the merged person re-pointed to the survivor, and put back exactly by an undo."""

import uuid

import httpx
import pytest

from tests.disaster.scenes import KOTA, PROVINCE, TAGANA, declare, problem, victim, warehouse
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

SERVICE = auth("service")


async def test_victims_and_aid_follow_the_merge_and_come_back(disaster: httpx.AsyncClient) -> None:
    merged, survivor = str(uuid.uuid4()), str(uuid.uuid4())
    flood = await declare(disaster)
    depot = await warehouse(disaster, stock={"beras": 10})
    hit = await victim(disaster, flood["id"], person_id=merged)
    aid = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": depot["id"],
            "person_id": merged,
            "items": [{"item_code": "beras", "quantity": 1}],
        },
        headers=KOTA,
    )
    assert aid.status_code == 201, aid.text
    before = await disaster.get(f"/api/v1/victims/{hit['id']}", headers=TAGANA)

    body = {"merge_id": str(uuid.uuid4()), "merged_id": merged, "survivor_id": survivor}
    carried = await disaster.post("/api/v1/person-merges", json=body, headers=SERVICE)
    assert carried.status_code == 200, carried.text
    assert carried.json()["repointed"] == {"victims": 1, "distributions": 1} and carried.json()["kept"] == {}
    after = await disaster.get(f"/api/v1/victims/{hit['id']}", headers=TAGANA)
    assert after.json()["person_id"] == survivor
    assert after.headers["ETag"] != before.headers["ETag"]  # a stale read cannot be written back
    read_aid = await disaster.get(f"/api/v1/distributions/{aid.json()['id']}", headers=PROVINCE)
    assert read_aid.json()["person_id"] == survivor
    again = await disaster.post("/api/v1/person-merges", json=body, headers=SERVICE)
    assert again.json() == carried.json()

    undo = {"undo_id": str(uuid.uuid4()), "merged_id": merged, "survivor_id": survivor}
    undone = await disaster.post("/api/v1/person-merges/undo", json=undo, headers=SERVICE)
    assert undone.status_code == 200 and undone.json()["restored"] == {"victims": 1, "distributions": 1}
    back = await disaster.get(f"/api/v1/victims/{hit['id']}", headers=TAGANA)
    assert back.json()["person_id"] == merged
    read_aid = await disaster.get(f"/api/v1/distributions/{aid.json()['id']}", headers=PROVINCE)
    assert read_aid.json()["person_id"] == merged
    assert (
        await disaster.post("/api/v1/person-merges/undo", json=undo, headers=SERVICE)
    ).json() == undone.json()


async def test_only_the_worker_carries_merges(disaster: httpx.AsyncClient) -> None:
    body = {"merge_id": str(uuid.uuid4()), "merged_id": str(uuid.uuid4()), "survivor_id": str(uuid.uuid4())}
    for who in (PROVINCE, auth("admin", pii=True)):
        assert problem(await disaster.post("/api/v1/person-merges", json=body, headers=who))[0] == 403
    bad = await disaster.post("/api/v1/person-merges", json={**body, "merged_id": "12"}, headers=SERVICE)
    assert problem(bad)[0] == 422 and problem(bad)[2] == {"merged_id"}
    missing = {k: v for k, v in body.items() if k != "survivor_id"}
    no_survivor = await disaster.post("/api/v1/person-merges", json=missing, headers=SERVICE)
    assert problem(no_survivor)[0] == 422 and problem(no_survivor)[2] == {"survivor_id"}
