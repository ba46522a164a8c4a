"""Rules about who received aid or care: the recipient or client must be a registry person, and alive.

Each rule reports every rule it owns, holding or not, so a finding closes by itself when its cause
goes away and re-running a check never opens a second one. `evaluate_*` are pure (a record and what the
registry says of its person); the consumers look people up in bulk and send the reports in bulk, and
the full reconciliation runs the same `evaluate_*` over the services' exports."""

from datetime import datetime
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import double_receipt, people
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Report, send
from shared.events import EventEnvelope


def evaluate_distribution(distribution: dict[str, Any], person: RegistryPerson | None) -> list[Report]:
    """`distribution` has the keys of a `distribution.recorded` payload (or an export row)."""
    distributed_at = datetime.fromisoformat(distribution["distributed_at"])
    subject = str(distribution.get("distribution_id") or distribution["id"])
    # Aid to a household (a family kit) names no person: there is nobody to look for in the registry.
    names_a_person = bool(distribution.get("person_id") or distribution.get("nik"))
    return [
        Report(
            "disaster",
            "recipient_not_in_registry",
            "distribution",
            subject,
            holds=names_a_person and person is None,
            detail={"person_id": distribution.get("person_id"), "has_nik": bool(distribution.get("nik"))},
        ),
        Report(
            "disaster",
            "recipient_deceased",
            "distribution",
            subject,
            holds=person is not None and person.dead_at(distributed_at),
            detail=_death_detail(person, distributed_at=distributed_at.isoformat()),
        ),
    ]


def evaluate_admission(admission: dict[str, Any], person: RegistryPerson | None) -> list[Report]:
    """`admission` has the keys of an `admission.created` payload or an admission read (with status)."""
    subject = str(admission.get("admission_id") or admission["id"])
    # Only a stay still open matters: a discharged client's record is closed (outcome may be "died").
    active = admission.get("status", "active") == "active"
    return [
        Report(
            "programs",
            "client_not_in_registry",
            "admission",
            subject,
            holds=person is None,
            detail={"person_id": str(admission["person_id"])},
        ),
        Report(
            "programs",
            "client_deceased",
            "admission",
            subject,
            holds=active and person is not None and person.status == "deceased",
            detail=_death_detail(person, admitted_on=str(admission.get("admitted_on"))),
        ),
    ]


def distribution_person(found: people.Found, distribution: dict[str, Any]) -> RegistryPerson | None:
    return found.of(person_id=distribution.get("person_id"), nik=distribution.get("nik"))


async def check_distributions(
    services: Services, distributions: list[dict[str, Any]], found: people.Found | None = None
) -> None:
    """Many distributions: one registry lookup (unless `found` has it), one findings call (per few
    thousand)."""
    if found is None:
        found = await people.find_many(services, **people.recipients_of(distributions))
    await send(
        services, [r for d in distributions for r in evaluate_distribution(d, distribution_person(found, d))]
    )


async def check_admissions(services: Services, admissions: list[dict[str, Any]]) -> None:
    found = await people.find_many(services, person_ids=[a["person_id"] for a in admissions])
    await send(
        services,
        [r for a in admissions for r in evaluate_admission(a, found.of(person_id=a["person_id"], nik=None))],
    )


async def check_distribution(services: Services, distribution: dict[str, Any]) -> None:
    await check_distributions(services, [distribution])


async def check_admission(services: Services, admission: dict[str, Any]) -> None:
    await check_admissions(services, [admission])


async def on_distributions_recorded(services: Services, events: list[EventEnvelope]) -> None:
    await check_distributions(services, [e.payload for e in events])


async def on_admissions_created(services: Services, events: list[EventEnvelope]) -> None:
    # A new stay is active; its record in an export says so itself.
    await check_admissions(services, [{**e.payload, "status": "active"} for e in events])


async def on_admissions_discharged(services: Services, events: list[EventEnvelope]) -> None:
    # A discharged client's stay is closed: a death finding on it closes too (as the full path sees it).
    await check_admissions(services, [{**e.payload, "status": "discharged"} for e in events])


async def recheck_person(services: Services, person_id: str) -> int:
    """A person's status changed: re-check every record of theirs in the other services."""
    person = await people.find(services, person_id=person_id, nik=None)
    reports: list[Report] = []
    distributions: list[dict[str, Any]] = []
    async for distribution in services.disaster.pages("/api/v1/distributions", person_id=person_id):
        reports += evaluate_distribution(distribution, person)
        distributions.append(distribution)
    async for admission in services.programs.pages(
        "/api/v1/admissions", person_id=person_id, status="active"
    ):
        reports += evaluate_admission(admission, person)
    await send(services, reports)
    if distributions:  # a merge or a new NIK can join this person's aid to another's
        await double_receipt.check(services, distributions)
    return len(reports) // 2


CONSUMERS = {
    "distribution.recorded": on_distributions_recorded,
    "admission.created": on_admissions_created,
    "admission.discharged": on_admissions_discharged,
}


def _death_detail(person: RegistryPerson | None, **extra: str) -> dict[str, Any]:
    if person is None or person.status != "deceased":
        return extra
    return {
        **extra,
        "person_id": person.id,
        "died_on": person.died_on.isoformat() if person.died_on else None,
    }
