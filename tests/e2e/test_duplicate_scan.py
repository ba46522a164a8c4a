"""A duplicate scan end to end: the registry publishes it, the worker fans it out, one job per
partition, each asking the registry to scan its partition; progress reaches 1 and the pairs appear."""

import asyncpg
import httpx

from tests.support import System, auth, eventually

OFFICER = auth("provincial_officer", regions=["63"], pii=True)


async def _person(http: httpx.AsyncClient, system: System, **body: object) -> dict:
    response = await http.post(system.url("registry") + "/api/v1/people", json=body, headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_scan_is_fanned_out_to_the_worker_by_partition(
    http: httpx.AsyncClient, system: System
) -> None:
    registry = system.url("registry") + "/api/v1"
    siti = await _person(
        http,
        system,
        nik="6371014506850001",
        full_name="Siti Rahmah",
        birth_date="1985-06-05",
        sex="F",
        region_code="63.71.01.1001",
        kk_number="6371011203150002",
    )
    again = await _person(
        http,
        system,
        full_name="Hj. Siti Rahmha",
        birth_date="1985-06-05",
        sex="F",
        region_code="63.71.01.1001",
        kk_number="6371011203150002",
    )
    budi = await _person(
        http, system, full_name="Budi Santoso", birth_date="1979-08-17", sex="M", region_code="63.03.01.2001"
    )
    budi_again = await _person(
        http, system, full_name="Budi Santosa", birth_date="1979-08-17", sex="M", region_code="63.03.01.2001"
    )
    await _person(
        http, system, full_name="Dewi Lestari", birth_date="1990-02-11", sex="F", region_code="63.03.01.2001"
    )

    response = await http.post(registry + "/duplicates/scans", json={}, headers=OFFICER)
    assert response.status_code == 202, response.text
    scan = response.json()
    assert scan["partitions_total"] == 2 and scan["progress"] == 0

    async def finished() -> dict | None:
        body = (await http.get(f"{registry}/duplicates/scans/{scan['id']}", headers=OFFICER)).json()
        return body if body["status"] == "done" else None

    done = await eventually(finished, timeout=30, interval=0.3)
    assert done["progress"] == 1 and done["partitions_done"] == 2 and done["people_scanned"] == 5

    pairs = (await http.get(registry + "/duplicates", headers=OFFICER)).json()["items"]
    found = {frozenset((p["a"]["person_id"], p["b"]["person_id"])) for p in pairs}
    assert found == {frozenset((siti["id"], again["id"])), frozenset((budi["id"], budi_again["id"]))}

    # Each partition was its own job on the queue (so several workers share a scan).
    conn = await asyncpg.connect(system.database_url)
    try:
        jobs = await conn.fetch(
            "SELECT type, outcome FROM worker.processed_events WHERE type LIKE 'duplicates.%' ORDER BY type"
        )
    finally:
        await conn.close()
    assert [(j["type"], j["outcome"]) for j in jobs] == [
        ("duplicates.partition_requested", "handled"),
        ("duplicates.partition_requested", "handled"),
        ("duplicates.scan_requested", "handled"),
    ]
