"""Double receipt: one registry person (by id, by NIK, through a merge) receiving an entitled item in
one disaster beyond the entitlement under different entitlement groups. It holds, it does not hold
within the entitlement or within one group, it closes when the cause goes away, and an officer can
resolve it for good."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.worker import handlers
from services.worker.clients import Services
from services.worker.reconciliation import double_receipt
from services.worker.reconciliation.double_receipt import DisasterTerms, Entitlement
from services.worker.reconciliation.people import RegistryPerson
from tests.disaster.scenes import PROVINCE, STARTED, TAGANA, TAGANA_BANJAR, declare, warehouse
from tests.worker.reconcile_support import (
    ADMIN,
    SERVICE,
    change_person,
    event,
    merge,
    person,
    resolve,
    services,
    statuses,
)

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture
RULE = "double_receipt"


async def _give(
    disaster: httpx.AsyncClient, flood: dict[str, Any], where: dict[str, Any], kg: float, **recipient: Any
) -> dict[str, Any]:
    if "nik" in recipient:
        recipient.setdefault("full_name", "Siti Rahmah")
    response = await disaster.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": where["id"],
            "items": [{"item_code": "beras", "quantity": kg}],
            "distributed_at": f"{STARTED}T12:00:00+08:00",
            **recipient,
        },
        headers=TAGANA if where["region_code"].startswith("63.71") else TAGANA_BANJAR,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _check(services: Services, *records: dict[str, Any]) -> None:
    """As the worker does on the records' `distribution.recorded` events."""
    events = [
        event(
            "distribution.recorded",
            {
                "distribution_id": r["id"],
                "disaster_id": r["disaster_id"],
                "person_id": r["person_id"],
                "nik": r["nik"],
                "distributed_at": r["distributed_at"],
                "items": r["items"],
            },
        )
        for r in records
    ]
    await double_receipt.on_distributions_recorded(services, events)


@pytest.fixture
async def flood(disaster: httpx.AsyncClient) -> dict[str, Any]:
    return await declare(disaster, regions=["63.71", "63.03"])


@pytest.fixture
async def gudangs(disaster: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        await warehouse(disaster, stock={"beras": 100}),
        await warehouse(disaster, region="63.03.01", stock={"beras": 100}),
    )


async def test_by_id_at_one_site_and_by_nik_at_another_beyond_the_week(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    flood: dict[str, Any],
    gudangs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    siti = await person(registry)
    kota, banjar = gudangs
    # 2.8 kg of rice a person a week (the default): 2 kg in the city by registry id, 2 kg in Banjar by NIK.
    first = await _give(disaster, flood, kota, 2, person_id=siti["id"])
    second = await _give(disaster, flood, banjar, 2, nik=siti["nik"])
    await _check(services, second)  # the later one's event brings in the earlier aid
    assert await statuses(disaster, RULE) == {first["id"]: "open", second["id"]: "open"}
    found = (await disaster.get("/api/v1/findings", params={"rule": RULE}, headers=ADMIN)).json()["items"]
    detail = found[0]["detail"]
    assert detail["person_id"] == siti["id"] and detail["received"] == "4" and detail["entitled"] == "2.8"
    assert detail["distributions"] == sorted([first["id"], second["id"]])
    assert detail["officers"] == ["tagana-banjar-1", "tagana-kota-1"]


async def test_a_merged_duplicate_counts_as_the_survivor(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    engine: Any,
    flood: dict[str, Any],
    gudangs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    siti, again = await person(registry), await person(registry, name="Siti R.")
    await merge(engine, again["id"], siti["id"])
    kota, banjar = gudangs
    first = await _give(disaster, flood, kota, 2, person_id=siti["id"])
    second = await _give(disaster, flood, banjar, 1.5, person_id=again["id"])
    # Either event brings in the other aid: the registry names the survivor's merged duplicates.
    await _check(services, first)
    assert await statuses(disaster, RULE) == {first["id"]: "open", second["id"]: "open"}
    await disaster.put(
        "/api/v1/findings/batch",
        json={"gone": [{"rule": RULE, "subject_ids": [first["id"], second["id"]]}]},
        headers=SERVICE,
    )
    await _check(services, second)
    assert await statuses(disaster, RULE) == {first["id"]: "open", second["id"]: "open"}


async def test_within_the_entitlement_or_other_people_it_does_not_hold(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    flood: dict[str, Any],
    gudangs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    siti, budi = await person(registry), await person(registry, name="Budi", birth="1979-02-11", sex="M")
    kota, banjar = gudangs
    within = [
        await _give(disaster, flood, kota, 1, person_id=siti["id"]),
        await _give(disaster, flood, banjar, 1.5, nik=siti["nik"]),  # 2.5 of 2.8
    ]
    others = [
        await _give(disaster, flood, kota, 2, person_id=budi["id"]),
        await _give(disaster, flood, banjar, 2, nik="6371014506859999", full_name="Tidak Dikenal"),
    ]
    elsewhere = await declare(disaster, regions=["63.03"], name="Longsor Banjar")  # another disaster
    other_disaster = await _give(disaster, elsewhere, banjar, 2, person_id=siti["id"])
    await _check(services, *within, *others, other_disaster)
    assert await statuses(disaster, RULE) == {}


async def test_it_closes_when_the_cause_goes_away_and_a_resolved_one_stays(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    flood: dict[str, Any],
    gudangs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    siti, budi = await person(registry), await person(registry, name="Budi", birth="1979-02-11", sex="M")
    kota, banjar = gudangs
    siti_aid = [
        await _give(disaster, flood, kota, 2, person_id=siti["id"]),
        await _give(disaster, flood, banjar, 2, nik=siti["nik"]),
    ]
    budi_aid = [
        await _give(disaster, flood, kota, 2, person_id=budi["id"]),
        await _give(disaster, flood, banjar, 2, nik=budi["nik"], full_name="Budi"),
    ]
    await _check(services, *siti_aid, *budi_aid)
    assert set((await statuses(disaster, RULE)).values()) == {"open"}
    found = (await disaster.get("/api/v1/findings", params={"rule": RULE}, headers=ADMIN)).json()["items"]
    budi_finding = next(f for f in found if f["subject_id"] == budi_aid[0]["id"])
    assert (await resolve(disaster, budi_finding["id"], "two family members, one card")).status_code == 200
    # The province raises this disaster's rice to 5 kg a week: nobody is over any more.
    raised = await disaster.put(
        f"/api/v1/disasters/{flood['id']}/entitlements/beras",
        json={"rule": "per_person_per_week", "quantity": 5},
        headers=PROVINCE,
    )
    assert raised.status_code == 200, raised.text
    await _check(services, *siti_aid, *budi_aid)
    assert await statuses(disaster, RULE) == {
        siti_aid[0]["id"]: "closed",
        siti_aid[1]["id"]: "closed",
        budi_aid[0]["id"]: "resolved",
        budi_aid[1]["id"]: "closed",
    }


def test_weeks_are_counted_from_the_disasters_first_day_in_office_time() -> None:
    siti = RegistryPerson(id="p", status="active", died_on=None, status_changed_at=None)
    terms = {
        "d": DisasterTerms(date(2026, 10, 1), {"beras": Entitlement("per_person_per_week", Decimal("2.8"))})
    }

    def given(n: int, at: str, group: str) -> dict[str, Any]:
        return {
            "distribution_id": f"x{n}",
            "disaster_id": "d",
            "distributed_at": at,
            "items": [{"item_code": "beras", "quantity": "2"}],
            "entitlement_group": group,
        }

    # Day 7 of the disaster starts week 1 at midnight WITA (16:00 UTC the day before).
    same_week = [
        given(1, "2026-10-07T15:59:00+00:00", "person:p"),
        given(2, "2026-10-01T00:00:00+08:00", "nik:1"),
    ]
    next_week = [
        given(3, "2026-10-07T16:00:00+00:00", "person:p"),
        given(4, "2026-10-01T00:00:00+08:00", "nik:1"),
    ]
    assert {r.subject_id for r in double_receipt.evaluate(same_week, lambda d: siti, terms) if r.holds} == {
        "x1",
        "x2",
    }
    assert not any(r.holds for r in double_receipt.evaluate(next_week, lambda d: siti, terms))
    # One entitlement group only: the recording checks saw it (refused, or an override with a finding).
    one_group = [
        given(5, "2026-10-02T00:00:00+08:00", "person:p"),
        given(6, "2026-10-02T01:00:00+08:00", "person:p"),
    ]
    assert not any(r.holds for r in double_receipt.evaluate(one_group, lambda d: siti, terms))


async def test_the_query_for_a_recipients_aid_is_for_the_worker_only(disaster: httpx.AsyncClient) -> None:
    path = "/api/v1/distributions/of-recipients"
    body = {"disaster_ids": [str(uuid.uuid4())], "niks": ["6371014506850001"]}
    assert (await disaster.post(path, json=body, headers=ADMIN)).status_code == 403
    bad = await disaster.post(path, json={**body, "niks": ["12"]}, headers=SERVICE)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "niks.0"
    none = await disaster.post(path, json={"disaster_ids": [], "niks": []}, headers=SERVICE)
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "disaster_ids"
    assert (await disaster.post(path, json=body, headers=SERVICE)).json() == []


async def test_a_nik_corrected_in_the_registry_joins_the_aid_recorded_under_it(
    registry: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    services: Services,
    flood: dict[str, Any],
    gudangs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    siti = await person(registry)
    kota, banjar = gudangs
    written = "6371014506859001"  # the NIK on her card, mistyped in the registry
    first = await _give(disaster, flood, kota, 2, person_id=siti["id"])
    second = await _give(disaster, flood, banjar, 2, nik=written)
    await _check(services, first, second)
    assert await statuses(disaster, RULE) == {}
    await change_person(registry, siti["id"], nik=written)
    # What the worker does on the registry's person.updated (changed: nik).
    await handlers.on_person_changed(
        services, event("person.updated", {"person_id": siti["id"], "changed": ["nik"]}, source="registry")
    )
    assert await statuses(disaster, RULE) == {first["id"]: "open", second["id"]: "open"}
