"""Rules about who received aid or care: the recipient or client must be a registry person, and alive.

Each check reports every rule it owns, holding or not, so a finding closes by itself when its cause
goes away and re-running a check never opens a second one."""

from datetime import datetime
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people
from services.worker.reconciliation.people import RegistryPerson


async def check_distribution(
    services: Services,
    distribution: dict[str, Any],
    person: RegistryPerson | None = None,
    *,
    looked_up: bool = False,
) -> None:
    if not looked_up:
        person = await people.find(
            services, person_id=distribution.get("person_id"), nik=distribution.get("nik")
        )
    distributed_at = datetime.fromisoformat(distribution["distributed_at"])
    subject = distribution.get("distribution_id") or distribution["id"]
    await services.disaster.report_finding(
        rule="recipient_not_in_registry",
        subject_type="distribution",
        subject_id=subject,
        holds=person is None,
        detail={"person_id": distribution.get("person_id"), "has_nik": bool(distribution.get("nik"))},
    )
    await services.disaster.report_finding(
        rule="recipient_deceased",
        subject_type="distribution",
        subject_id=subject,
        holds=person is not None and person.dead_at(distributed_at),
        detail=_death_detail(person, distributed_at=distributed_at.isoformat()),
    )


async def check_admission(
    services: Services,
    admission: dict[str, Any],
    person: RegistryPerson | None = None,
    *,
    looked_up: bool = False,
) -> None:
    if not looked_up:
        person = await people.find(services, person_id=admission["person_id"], nik=None)
    subject = admission.get("admission_id") or admission["id"]
    # Only a stay still open matters: a discharged client's record is closed (outcome may be "died").
    active = admission.get("status", "active") == "active"
    await services.programs.report_finding(
        rule="client_not_in_registry",
        subject_type="admission",
        subject_id=subject,
        holds=person is None,
        detail={"person_id": admission["person_id"]},
    )
    await services.programs.report_finding(
        rule="client_deceased",
        subject_type="admission",
        subject_id=subject,
        holds=active and person is not None and person.status == "deceased",
        detail=_death_detail(person, admitted_on=admission["admitted_on"]),
    )


async def recheck_person(services: Services, person_id: str) -> int:
    """A person's status changed: re-check every record of theirs in the other services."""
    person = await people.find(services, person_id=person_id, nik=None)
    checked = 0
    async for distribution in services.disaster.pages("/api/v1/distributions", person_id=person_id):
        await check_distribution(services, distribution, person, looked_up=True)
        checked += 1
    async for admission in services.programs.pages(
        "/api/v1/admissions", person_id=person_id, status="active"
    ):
        await check_admission(services, admission, person, looked_up=True)
        checked += 1
    return checked


def _death_detail(person: RegistryPerson | None, **extra: str) -> dict[str, Any]:
    if person is None or person.status != "deceased":
        return extra
    return {
        **extra,
        "person_id": person.id,
        "died_on": person.died_on.isoformat() if person.died_on else None,
    }
