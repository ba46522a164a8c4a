"""Where a panti resident is, after identity resolution (a registry id followed through merges to the
surviving record and its merged duplicates; a victim recorded by NIK matched to the registry's holder):

- `panti_resident_displaced`: an active stay in a panti while the same person is displaced at an
  evacuation site now (a disaster victim of condition mengungsi, checked in at a site and not out).
- `admitted_twice`: two active stays of one person in panti at once. The programs service allows one
  active stay per person id, so this arises across ids: a duplicate admitted before the registry merged
  the two, or both stays kept by the merge.

Both are reported on the admission (the programs service owns it). `evaluate` is pure: active stays,
displaced victims, who the registry says each is. `judge` gathers every active stay and every displaced
victim of the people concerned, from both services in one call each: the same for an event batch and a
chunk of the full reconciliation's admissions export."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Report, send
from shared.events import EventEnvelope

DISPLACED = "panti_resident_displaced"
TWICE = "admitted_twice"

Resolve = Callable[[str | None, str | None], RegistryPerson | None]


def evaluate(
    admissions: Iterable[dict[str, Any]], victims: Iterable[dict[str, Any]], person_of: Resolve
) -> list[Report]:
    """A report of each rule on each admission. Only active stays can hold; a person id the registry does
    not know is a person of its own (the rule of a client not in the registry says the rest)."""
    stays = {str(a["admission_id"]): a for a in admissions}

    def who(admission: dict[str, Any]) -> str:
        person = person_of(str(admission["person_id"]), None)
        return person.id if person is not None else str(admission["person_id"])

    active = {s: a for s, a in stays.items() if a.get("status", "active") == "active"}
    by_person: dict[str, list[str]] = defaultdict(list)
    for subject, a in active.items():
        by_person[who(a)].append(subject)
    displaced: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in victims:
        person = person_of(str(v["person_id"]) if v.get("person_id") else None, v.get("nik"))
        if person is not None:
            displaced[person.id].append(v)

    reports = []
    for subject, a in stays.items():
        person_id = who(a)
        at_sites = displaced.get(person_id, []) if subject in active else []
        together = sorted(by_person[person_id]) if subject in active else []
        reports.append(
            Report(
                "programs",
                DISPLACED,
                "admission",
                subject,
                holds=bool(at_sites),
                detail={
                    "person_id": person_id,
                    "institution_id": str(a["institution_id"]),
                    "victims": sorted(str(v["victim_id"]) for v in at_sites),
                    "sites": sorted({str(v["site_id"]) for v in at_sites}),
                    "disasters": sorted({str(v["disaster_id"]) for v in at_sites}),
                }
                if at_sites
                else {},
            )
        )
        reports.append(
            Report(
                "programs",
                TWICE,
                "admission",
                subject,
                holds=len(together) > 1,
                detail={
                    "person_id": person_id,
                    "admissions": together,
                    "institutions": sorted({str(active[s]["institution_id"]) for s in together}),
                }
                if len(together) > 1
                else {},
            )
        )
    return reports


async def judge(
    services: Services,
    *,
    person_ids: Iterable[str | None] = (),
    niks: Iterable[str | None] = (),
    admissions: list[dict[str, Any]] | None = None,
) -> list[Report]:
    """Every active stay and every displaced victim of these people (any of their ids and NIKs), judged
    together. `admissions`: report on these only (their current state, from an export chunk or events)
    rather than on every active stay found."""
    person_ids, niks = [str(i) for i in person_ids if i], [n for n in niks if n]
    asked = await people.find_many(services, person_ids=person_ids, niks=niks)
    persons = list(asked.by_id.values()) + list(asked.by_nik.values())
    ids = set(person_ids) | {p.id for p in persons}
    ids |= {alias for p in persons for alias, _ in p.aliases}
    numbers = set(niks) | {p.nik for p in persons if p.nik}
    numbers |= {nik for p in persons for _, nik in p.aliases if nik}
    if not ids and not numbers:
        return []
    stays: list[dict[str, Any]] = []
    if ids:
        response = await services.programs.request(
            "POST", "/api/v1/admissions/of-people", json={"person_ids": sorted(ids)}
        )
        response.raise_for_status()
        stays = response.json()
    response = await services.disaster.request(
        "POST", "/api/v1/victims/displaced", json={"person_ids": sorted(ids), "niks": sorted(numbers)}
    )
    response.raise_for_status()
    victims: list[dict[str, Any]] = response.json()
    # The records found may name ids and NIKs the batch did not: ask about those too (one asked already
    # has the same answer).
    asked_ids, asked_niks = set(person_ids), set(niks)
    found = await people.find_many(
        services,
        person_ids=[r.get("person_id") for r in stays + victims if str(r.get("person_id")) not in asked_ids],
        niks=[v.get("nik") for v in victims if not v.get("person_id") and v.get("nik") not in asked_niks],
    )
    found.by_id.update(asked.by_id)
    found.by_nik.update(asked.by_nik)
    subjects = None
    if admissions is not None:
        subjects = {str(a["admission_id"]) for a in admissions}
        # The given stays as they are (a discharged one too), beside the active stays of the same people.
        stays = [a for a in stays if str(a["admission_id"]) not in subjects] + admissions
    reports = evaluate(stays, victims, lambda i, n: found.of(person_id=i, nik=n))
    return [r for r in reports if subjects is None or r.subject_id in subjects]


async def check_admissions(services: Services, admissions: list[dict[str, Any]]) -> None:
    """Admissions (an export chunk): each judged beside the person's other stays and displacements."""
    if admissions:
        await send(
            services,
            await judge(services, person_ids=[a["person_id"] for a in admissions], admissions=admissions),
        )


async def on_admissions(services: Services, events: list[EventEnvelope]) -> None:
    """A stay opened or closed: the person's active stays judged again (a discharge closes both rules
    on it, and the other stay's admitted_twice)."""
    await send(services, await judge(services, person_ids=[e.payload["person_id"] for e in events]))
    discharged = [{**e.payload, "status": "discharged"} for e in events if e.type == "admission.discharged"]
    if discharged:
        await check_admissions(services, discharged)


async def on_victims(services: Services, events: list[EventEnvelope]) -> None:
    """A victim registered or changed (e.g. checked in at a site, becoming mengungsi): the stays of the
    person they are judged again."""
    await send(
        services,
        await judge(
            services,
            person_ids=[e.payload.get("person_id") for e in events],
            niks=[e.payload.get("nik") for e in events if not e.payload.get("person_id")],
        ),
    )


async def on_people_merged(services: Services, events: list[EventEnvelope]) -> None:
    """A merge joins two people's stays; an undone merge parts them."""
    person_ids = {str(e.payload["person_id"]) for e in events}
    person_ids |= {
        str(e.payload[k]) for e in events for k in ("merged_into", "was_merged_into") if e.payload.get(k)
    }
    await send(services, await judge(services, person_ids=sorted(person_ids)))


CONSUMERS = {
    "admission.created": on_admissions,
    "admission.discharged": on_admissions,
    "victim.registered": on_victims,
    "victim.updated": on_victims,
    "person.merged": on_people_merged,
    "person.unmerged": on_people_merged,
}
