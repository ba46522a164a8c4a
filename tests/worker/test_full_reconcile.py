"""Two paths, one answer: the same records checked event by event (the incremental consumers, on the
events the services wrote to their outboxes) and in full (the streamed exports, partition by partition)
give the same findings; the full path closes findings whose cause went away; the exports are for the
worker only; a run fans out one job per region partition."""

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.worker.clients import Services
from services.worker.reconciliation import double_receipt, full, recipients
from shared.events import EventEnvelope
from tests.disaster.scenes import STARTED, TAGANA, TAGANA_BANJAR, declare, warehouse
from tests.worker.reconcile_support import (
    ADMIN,
    OFFICER,
    SERVICE,
    admit,
    change_person,
    institution,
    merge,
    person,
    services,
)

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture

OWNERS = ("disaster", "programs")
# The rules the full path re-checks, and the consumers that check them event by event.
RULES = (recipients, double_receipt)
INCREMENTAL = {
    event_type: [m.CONSUMERS[event_type] for m in RULES if event_type in m.CONSUMERS]
    for event_type in {t for m in RULES for t in m.CONSUMERS}
}
PERSON_CHANGED = "person.updated"


async def _outbox(engine: Any) -> list[EventEnvelope]:
    """Every event the services wrote, in the order they wrote them."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    " UNION ALL ".join(
                        f"SELECT envelope, created_at FROM {schema}.outbox"
                        for schema in ("registry", *OWNERS)
                    )
                    + " ORDER BY created_at"
                )
            )
        ).all()
    return [EventEnvelope.model_validate(r[0]) for r in rows]


async def _incremental(services: Services, engine: Any) -> None:
    """The events in order, in batches of consecutive events of one type, as the runner hands them."""
    batches: list[list[EventEnvelope]] = []
    for e in await _outbox(engine):
        if batches and batches[-1][0].type == e.type:
            batches[-1].append(e)
        else:
            batches.append([e])
    for batch in batches:
        for consumer in INCREMENTAL.get(batch[0].type, []):
            await consumer(services, batch)
        if batch[0].type == PERSON_CHANGED:
            for e in batch:
                if set(e.payload.get("changed", [])) & {"status", "died_on", "merged_into"}:
                    await recipients.recheck_person(services, e.payload["person_id"])


async def _full(services: Services, region: str = "63") -> None:
    for part in await full.partitions(services, region, shards=2):
        await full.reconcile_partition(services, part)


async def _findings(engine: Any) -> set[tuple[str, str, str, str]]:
    async with engine.connect() as conn:
        found: set[tuple[str, str, str, str]] = set()
        for owner in OWNERS:
            rows = await conn.execute(text(f"SELECT rule, subject_id::text, status FROM {owner}.findings"))
            found |= {(owner, rule, subject, status) for rule, subject, status in rows}
    return found


async def _forget_findings(engine: Any) -> None:
    async with engine.begin() as conn:
        for owner in OWNERS:
            await conn.execute(text(f"DELETE FROM {owner}.findings"))


async def _scene(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, disaster: httpx.AsyncClient, engine: Any
) -> dict[str, Any]:
    """People alive, dead, merged, corrected; aid to them by id and by NIK; stays open and closed."""
    alive = await person(registry)
    dead = await person(registry, name="Ahmad", birth="1950-01-01", sex="M")
    duplicate = await person(registry, name="Siti R.")
    revived = await person(registry, name="Rusmini", birth="1960-03-03")
    late = await person(registry, name="Jumantan", birth="1955-05-05", sex="M")
    await change_person(registry, dead["id"], status="deceased", died_on=str(STARTED))
    await change_person(registry, revived["id"], status="deceased", died_on=str(STARTED))
    await merge(engine, duplicate["id"], alive["id"])

    flood = await declare(disaster, regions=["63.71", "63.03"])
    kota = await warehouse(disaster, stock={"beras": 1000})
    banjar = await warehouse(disaster, region="63.03.01", stock={"beras": 1000})
    aid: dict[str, str] = {}
    for name, where, recipient in [
        ("alive", kota, {"person_id": alive["id"]}),
        ("dead", kota, {"person_id": dead["id"]}),
        ("duplicate", banjar, {"person_id": duplicate["id"]}),
        ("by_nik", banjar, {"nik": alive["nik"], "full_name": "Siti"}),
        ("dead_by_nik", kota, {"nik": dead["nik"], "full_name": "Ahmad"}),
        ("unknown_nik", kota, {"nik": "6371014506859999", "full_name": "Tidak Dikenal"}),
        ("unknown_id", banjar, {"person_id": str(uuid.uuid4())}),
        ("revived", kota, {"person_id": revived["id"]}),
        ("late", kota, {"person_id": late["id"]}),
    ]:
        response = await disaster.post(
            "/api/v1/distributions",
            json={
                "disaster_id": flood["id"],
                "warehouse_id": where["id"],
                "items": [{"item_code": "beras", "quantity": 2}],
                "distributed_at": f"{STARTED}T12:00:00+08:00",
                **recipient,
            },
            headers=TAGANA if where is kota else TAGANA_BANJAR,
        )
        assert response.status_code == 201, response.text
        aid[name] = response.json()["id"]
    pstw = await institution(programs)
    psaa = await institution(programs, name="PSAA Budi Mulia", kind="anak", region_code="63.03.02")
    stays = {
        "alive": await admit(programs, pstw["id"], alive["id"]),
        "dead": await admit(programs, pstw["id"], dead["id"]),
        "unknown": await admit(programs, psaa["id"], str(uuid.uuid4())),
        "late": await admit(programs, psaa["id"], late["id"]),
        "discharged": await admit(programs, pstw["id"], revived["id"]),
    }
    discharged = await programs.post(
        f"/api/v1/admissions/{stays['discharged']['id']}/discharge",
        json={"discharged_on": str(STARTED), "outcome": "returned_to_family"},
        headers=OFFICER,
    )
    assert discharged.status_code == 200, discharged.text
    # Later: one death learnt of after the aid, one death that was a mistake.
    await change_person(registry, late["id"], status="deceased", died_on=str(STARTED))
    await change_person(registry, revived["id"], status="active", died_on=None)
    return {"aid": aid, "stays": stays}


async def test_incremental_and_full_give_the_same_findings(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    scene = await _scene(registry, programs, disaster, engine)
    await _incremental(services, engine)
    incremental = await _findings(engine)
    aid, stays = scene["aid"], scene["stays"]
    open_ = {(o, r, s) for o, r, s, status in incremental if status == "open"}
    assert open_ == {
        ("disaster", "recipient_deceased", aid["dead"]),
        ("disaster", "recipient_deceased", aid["dead_by_nik"]),
        ("disaster", "recipient_deceased", aid["late"]),
        ("disaster", "recipient_not_in_registry", aid["unknown_nik"]),
        ("disaster", "recipient_not_in_registry", aid["unknown_id"]),
        ("programs", "client_deceased", stays["dead"]["id"]),
        ("programs", "client_deceased", stays["late"]["id"]),
        ("programs", "client_not_in_registry", stays["unknown"]["id"]),
        # 2 kg of rice each time, 2.8 kg a week each (the default): Siti thrice (by id, by NIK, and as
        # her merged duplicate), Ahmad twice (by id and by NIK).
        *{("disaster", "double_receipt", aid[k]) for k in ("alive", "by_nik", "duplicate")},
        *{("disaster", "double_receipt", aid[k]) for k in ("dead", "dead_by_nik")},
    }
    # The full path over what the incremental one left: nothing changes, closed findings included.
    await _full(services)
    assert await _findings(engine) == incremental
    # From nothing: exactly the findings that are open (a closed one is a finding that is not there).
    await _forget_findings(engine)
    await _full(services)
    assert await _findings(engine) == {f for f in incremental if f[3] == "open"}


async def test_full_closes_what_went_away_and_leaves_resolved_alone(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    scene = await _scene(registry, programs, disaster, engine)
    await _full(services)
    aid = scene["aid"]
    listed = (
        await disaster.get("/api/v1/findings", params={"rule": "recipient_deceased"}, headers=ADMIN)
    ).json()
    by_subject = {f["subject_id"]: f for f in listed["items"]}
    resolved = await disaster.post(
        f"/api/v1/findings/{by_subject[aid['late']]['id']}/resolve",
        json={"reason": "died after the aid was handed out; family confirmed"},
        headers=OFFICER,
    )
    assert resolved.status_code == 200, resolved.text
    # The registry learns both deaths were mistakes; the next full run closes one, the resolved stays.
    dead_id = (await disaster.get(f"/api/v1/distributions/{aid['dead']}", headers=TAGANA)).json()["person_id"]
    await change_person(registry, dead_id, status="active", died_on=None)
    await _full(services)
    statuses = {
        f["subject_id"]: f["status"]
        for f in (
            await disaster.get("/api/v1/findings", params={"rule": "recipient_deceased"}, headers=ADMIN)
        ).json()["items"]
    }
    assert statuses[aid["dead"]] == "closed" and statuses[aid["dead_by_nik"]] == "closed"
    assert statuses[aid["late"]] == "resolved"


async def test_partitions_a_province_by_regency_and_its_own_records(services: Services) -> None:
    parts = await full.partitions(services, "63")
    assert parts[: full.SHARDS] == [full.Partition("63", True, s, full.SHARDS) for s in range(full.SHARDS)]
    regencies = {p.region for p in parts if not p.exact}
    assert {"63.71", "63.03"} <= regencies and {p.region for p in parts if p.exact} == {"63"}
    assert len(parts) == (len(regencies) + 1) * full.SHARDS
    assert await full.partitions(services, "63.71", shards=2) == [
        full.Partition("63.71", False, 0, 2),
        full.Partition("63.71", False, 1, 2),
    ]
    requested = full.request_event("63")
    jobs = full.partition_events(requested, parts)
    assert len({j.id for j in jobs}) == len(parts) and jobs == full.partition_events(requested, parts)
    assert {j.payload["run_id"] for j in jobs} == {requested.payload["run_id"]}
    assert full.request_event("63").id != requested.id  # every run is a new one


async def test_the_shards_of_a_partition_are_the_partition(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    engine: Any,
) -> None:
    await _scene(registry, programs, disaster, engine)
    for http, path, key in (
        (disaster, "/api/v1/distributions/export", "distribution_id"),
        (programs, "/api/v1/admissions/export", "admission_id"),
    ):
        whole = await http.get(path, params={"region": "63"}, headers=SERVICE)
        everything = sorted(json.loads(line)[key] for line in whole.text.splitlines())
        pieces: list[str] = []
        for shard in range(3):
            part = await http.get(path, params={"region": "63", "shard": shard, "shards": 3}, headers=SERVICE)
            pieces += [json.loads(line)[key] for line in part.text.splitlines()]
        assert sorted(pieces) == everything and len(everything) > 3
        beyond = await http.get(path, params={"region": "63", "shard": 3, "shards": 3}, headers=SERVICE)
        assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "shard"


async def test_a_partition_sees_only_its_region(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
) -> None:
    scene = await _scene(registry, programs, disaster, engine)
    await full.reconcile_partition(services, full.Partition("63.03", exact=False))
    found = await _findings(engine)
    aid, stays = scene["aid"], scene["stays"]
    subjects = {s for _, rule, s, _ in found if rule != "double_receipt"}
    assert subjects == {aid["unknown_id"], stays["unknown"]["id"], stays["late"]["id"]}
    # Siti's aid in Banjar is judged with her aid in the city; the city's partition reports the city's.
    doubles = {s for _, rule, s, _ in found if rule == "double_receipt"}
    assert doubles == {aid["by_nik"], aid["duplicate"]}


@pytest.mark.parametrize(
    ("client", "path"),
    [("disaster", "/api/v1/distributions/export"), ("programs", "/api/v1/admissions/export")],
)
async def test_exports_are_for_the_worker_only_and_check_the_region(
    request: pytest.FixtureRequest, client: str, path: str
) -> None:
    http: httpx.AsyncClient = request.getfixturevalue(client)
    assert (await http.get(path, headers=ADMIN)).status_code == 403
    assert (await http.get(path)).status_code == 401
    bad = await http.get(path, params={"region": "63.7"}, headers=SERVICE)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region"
    empty = await http.get(path, params={"region": "63.71"}, headers=SERVICE)
    assert empty.status_code == 200 and empty.text == ""
    assert empty.headers["content-type"].startswith("application/x-ndjson")


async def test_the_export_carries_the_event_payload(
    disaster: httpx.AsyncClient, engine: Any, registry: httpx.AsyncClient, programs: httpx.AsyncClient
) -> None:
    scene = await _scene(registry, programs, disaster, engine)
    response = await disaster.get("/api/v1/distributions/export", params={"region": "63"}, headers=SERVICE)
    exported = {d["distribution_id"]: d for d in map(json.loads, response.text.splitlines())}
    assert set(exported) == set(scene["aid"].values())
    for e in await _outbox(engine):
        if e.type != "distribution.recorded":
            continue
        row, payload = exported[e.payload["distribution_id"]], e.payload
        assert row.keys() >= payload.keys()
        same = {"distributed_at", "items"}
        assert {k: row[k] for k in payload if k not in same} == {
            k: v for k, v in payload.items() if k not in same
        }
        # The same instant and quantities, whatever their spelling.
        assert datetime.fromisoformat(row["distributed_at"]) == datetime.fromisoformat(
            payload["distributed_at"]
        )
        assert _items(row) == _items(payload)


def _items(record: dict[str, Any]) -> dict[str, Decimal]:
    return {i["item_code"]: Decimal(i["quantity"]) for i in record["items"]}
