"""The recipient rules as pure functions: what a distribution and the registry's answer make of it."""

import uuid
from typing import Any

from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.recipients import evaluate_distribution


def distribution(**recipient: Any) -> dict[str, Any]:
    return {"distribution_id": str(uuid.uuid4()), "distributed_at": "2026-11-02T10:00:00+08:00", **recipient}


def holding(reports: list[Any]) -> set[str]:
    return {r.rule for r in reports if r.holds}


def test_a_person_the_registry_does_not_know_is_a_finding() -> None:
    assert holding(evaluate_distribution(distribution(person_id=str(uuid.uuid4())), None)) == {
        "recipient_not_in_registry"
    }
    assert holding(evaluate_distribution(distribution(nik="6371014506850001"), None)) == {
        "recipient_not_in_registry"
    }


def test_aid_to_a_household_names_nobody_to_look_for() -> None:
    reports = evaluate_distribution(distribution(household_id=str(uuid.uuid4())), None)
    assert holding(reports) == set()
    assert {r.rule for r in reports} == {"recipient_not_in_registry", "recipient_deceased"}  # both close


def test_a_living_registry_person_raises_nothing() -> None:
    person = RegistryPerson.from_api({"id": str(uuid.uuid4()), "status": "active"})
    assert holding(evaluate_distribution(distribution(person_id=person.id), person)) == set()
