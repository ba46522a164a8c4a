"""`nik_disagrees_with_registry` on aid recorded with a NIK: names compared by the registry's
matching (titles, Muhammad/Muhamad/M., old spellings), not as strings; the finding says which fields
disagree, never their values."""

from datetime import date
from typing import Any

import httpx
import pytest

from services.worker.clients import Services
from services.worker.reconciliation import identity
from services.worker.reconciliation.identity import (
    NikCheck,
    disagreeing_fields,
    evaluate_nik,
    name_agrees_by_evidence,
    nik_holder,
)
from services.worker.reconciliation.people import RegistryPerson
from shared.events import EventEnvelope
from tests.disaster.scenes import KOTA, PROVINCE, declare, events, warehouse
from tests.worker.test_identity_victims import findings, person, services

pytestmark = pytest.mark.usefixtures("clean")
__all__ = ["services"]  # the fixture

YUSUF_NIK = "6371011203900002"  # a man born 12 March 1990


async def hand_out(
    disaster: httpx.AsyncClient, flood: dict[str, Any], depot: dict[str, Any], name: str
) -> str:
    body = {
        "disaster_id": flood["id"],
        "warehouse_id": depot["id"],
        "nik": YUSUF_NIK,
        "full_name": name,
        "items": [{"item_code": "beras", "quantity": 1}],
    }
    response = await disaster.post("/api/v1/distributions", json=body, headers=KOTA)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_names_are_compared_as_the_registry_compares_them(
    disaster: httpx.AsyncClient, registry: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    yusuf = await person(
        registry, nik=YUSUF_NIK, full_name="Muhammad Yusuf", birth_date="1990-03-12", sex="M"
    )
    flood = await declare(disaster)
    depot = await warehouse(disaster, stock={"beras": 10})
    same = {name: await hand_out(disaster, flood, depot, name) for name in ("M. Yusup", "H. Muhamad Yusuf")}
    other = await hand_out(disaster, flood, depot, "Ahmad Fauzi")

    batch = [EventEnvelope.model_validate(e) for e in await events(engine, "distribution.recorded")]
    await identity.on_distributions(services, batch)
    await identity.on_distributions(services, batch)  # redelivered: one finding still

    for name, distribution_id in same.items():
        assert await findings(disaster, identity.NIK_DISAGREES, distribution_id) == [], name
    [finding] = await findings(disaster, identity.NIK_DISAGREES, other)
    assert finding["status"] == "open" and finding["subject_type"] == "distribution"
    assert finding["detail"] == {"fields": ["full_name"], "person_id": yusuf}

    everyone = await disaster.get(
        "/api/v1/findings", params={"rule": identity.NIK_DISAGREES}, headers=PROVINCE
    )
    assert len(everyone.json()["items"]) == 1


async def test_a_nik_the_registry_does_not_know_is_not_a_disagreement(
    disaster: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    flood = await declare(disaster)
    depot = await warehouse(disaster, stock={"beras": 10})
    unknown = await hand_out(disaster, flood, depot, "Ahmad Fauzi")
    batch = [EventEnvelope.model_validate(e) for e in await events(engine, "distribution.recorded")]
    reports = await identity.reconcile_distributions(services, [e.payload for e in batch])
    assert [(r.rule, r.subject_id, r.holds) for r in reports] == [(identity.NIK_DISAGREES, unknown, False)]


def evidence(level: str, nik: str = YUSUF_NIK) -> dict[str, Any]:
    return {"person": {"id": "p-1", "nik": nik}, "evidence": {"fields": [{"field": "name", "level": level}]}}


@pytest.mark.parametrize(
    ("level", "agrees"),
    [
        ("exact", True),  # after the registry's normalisation: titles, Muhammad/Muhamad/M.
        ("one_typo", True),
        ("two_typos", True),
        ("subset", True),  # Siti Rahmah (Hasanah)
        ("similar", False),
        ("different", False),
        ("missing", None),
    ],
)
def test_name_levels(level: str, agrees: bool | None) -> None:
    assert name_agrees_by_evidence(evidence(level)) is agrees


YUSUF = RegistryPerson(
    id="p-1",
    status="active",
    died_on=None,
    status_changed_at=None,
    nik=YUSUF_NIK,
    full_name="Muhammad Yusuf",
    birth_date=date(1990, 3, 12),
    sex="M",
)


@pytest.mark.parametrize(
    ("record", "name_agrees", "fields"),
    [
        ({"birth_date": "1990-03-12", "sex": "M"}, True, []),
        ({}, None, []),  # nothing to compare
        ({"birth_date": "1990-12-03", "sex": "F"}, False, ["full_name", "birth_date", "sex"]),
        ({"birth_date": "1990-03-12"}, False, ["full_name"]),
    ],
)
def test_which_fields_disagree(record: dict[str, Any], name_agrees: bool | None, fields: list[str]) -> None:
    assert disagreeing_fields(record, NikCheck(YUSUF, name_agrees)) == fields
    assert disagreeing_fields(record, NikCheck(None)) == []  # a NIK the registry does not know


def test_only_the_holder_of_the_nik_is_compared() -> None:
    # The best candidate may be someone else; only the registry's record of this NIK counts.
    result = {"candidates": [evidence("different", nik="6371010101900001")]}
    assert nik_holder(YUSUF_NIK, result) is None
    assert nik_holder(YUSUF_NIK, {"candidates": [evidence("different")]}) is not None
    report = evaluate_nik("disaster", "distribution", "d-1", {"sex": "F"}, NikCheck(YUSUF, True))
    assert report.holds and report.detail == {"fields": ["sex"], "person_id": "p-1"}
