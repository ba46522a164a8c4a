"""A person's enrolments in a program, after identity resolution (a registry id followed through merges
to the surviving record, whose merged duplicates the registry names):

- `enrolled_twice`: two enrolments of one person in one program whose periods overlap. The programs
  service refuses the second for the same person id, so this arises across ids: a duplicate enrolled
  before the registry merged the two, or both stays kept by the merge. Reported on each enrolment
  that overlaps another.
- `over_benefit_limit`: the benefits one person received from one program (a program is one year, and
  its `benefit_limit` is the most one person may receive in it) add up to more than the limit — again
  only across ids, since each benefit is refused beyond the limit of its own person id. Reported on
  each of the person's benefits from the program.

`evaluate` is pure: enrolments, benefits, the programs' limits, and who the registry says each person
id is. `judge` gathers all the enrolments and benefits of the people concerned (from the programs
service, in one call) and evaluates them: the same for an event batch and a chunk of the full
reconciliation's export."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Report, send
from shared.events import EventEnvelope

ENROLLED_TWICE = "enrolled_twice"
OVER_LIMIT = "over_benefit_limit"


def evaluate(
    enrolments: Iterable[dict[str, Any]],
    benefits: Iterable[dict[str, Any]],
    limits: dict[str, Decimal | None],
    person_of: Callable[[str], RegistryPerson | None],
) -> list[Report]:
    """One `enrolled_twice` report per enrolment and one `over_benefit_limit` report per benefit.
    `limits`: program id → its benefit limit (None: no limit). A person id the registry does not know
    is a person of its own (the rule of a client not in the registry says the rest)."""

    def who(person_id: Any) -> str:
        person = person_of(str(person_id))
        return person.id if person is not None else str(person_id)

    records = {str(e["enrolment_id"]): e for e in enrolments}
    enrolled: dict[tuple[str, str], list[str]] = defaultdict(list)
    for subject, e in records.items():
        enrolled[(str(e["program_id"]), who(e["person_id"]))].append(subject)
    twice: dict[str, dict[str, Any]] = {}
    for (program_id, person_id), subjects in enrolled.items():
        for subject in subjects:
            start, end = _period(records[subject])
            overlapping = [
                other
                for other in subjects
                if other != subject
                and _period(records[other])[0] <= end
                and _period(records[other])[1] >= start
            ]
            if overlapping:
                twice[subject] = {
                    "person_id": person_id,
                    "program_id": program_id,
                    "enrolments": sorted([subject, *overlapping]),
                }

    given = {str(b["benefit_id"]): b for b in benefits}
    received: dict[tuple[str, str], list[str]] = defaultdict(list)
    for subject, b in given.items():
        received[(str(b["program_id"]), who(b["person_id"]))].append(subject)
    over: dict[str, dict[str, Any]] = {}
    for (program_id, person_id), subjects in received.items():
        limit = limits.get(program_id)
        total = sum((Decimal(str(given[s]["amount"])) for s in subjects), Decimal(0))
        if limit is None or total <= limit:
            continue
        detail = {
            "person_id": person_id,
            "program_id": program_id,
            "received": f"{total.normalize():f}",
            "limit": f"{limit.normalize():f}",
            "benefits": sorted(subjects),
            "enrolments": sorted({str(given[s]["enrolment_id"]) for s in subjects}),
        }
        over.update(dict.fromkeys(subjects, detail))

    return [
        Report("programs", ENROLLED_TWICE, "enrolment", s, holds=s in twice, detail=twice.get(s, {}))
        for s in records
    ] + [Report("programs", OVER_LIMIT, "benefit", s, holds=s in over, detail=over.get(s, {})) for s in given]


def _period(enrolment: dict[str, Any]) -> tuple[date, date]:
    return date.fromisoformat(str(enrolment["period_start"])), date.fromisoformat(
        str(enrolment["period_end"])
    )


async def judge(
    services: Services,
    person_ids: Iterable[str],
    program_ids: Iterable[str] | None = None,
    *,
    only_under: set[str] | None = None,
) -> list[Report]:
    """Every enrolment and benefit of these people (under any of their ids: the registry's record and
    its merged duplicates), in these programs or in all, judged together. `only_under`: report only on
    these enrolments and the benefits given under them."""
    person_ids = list(person_ids)
    asked = await people.find_many(services, person_ids=person_ids)
    ids = {str(i) for i in person_ids} | set(asked.by_id) | {p.id for p in asked.by_id.values()}
    ids |= {alias for p in asked.by_id.values() for alias, _ in p.aliases}
    if not ids:
        return []
    body: dict[str, Any] = {"person_ids": sorted(ids)}
    if program_ids is not None:
        body["program_ids"] = sorted(set(program_ids))
    response = await services.programs.request("POST", "/api/v1/enrolments/of-people", json=body)
    response.raise_for_status()
    related = response.json()
    # A record may name an id the batch did not (a duplicate the registry merged): ask about those too
    # (an id asked already and not found has the same answer).
    named = {str(r["person_id"]) for r in related["enrolments"] + related["benefits"]}
    found = await people.find_many(services, person_ids=sorted(named - {str(i) for i in person_ids}))
    found.by_id.update(asked.by_id)
    limits = {
        str(p["program_id"]): Decimal(p["benefit_limit"]) if p.get("benefit_limit") is not None else None
        for p in related["programs"]
    }
    reports = evaluate(
        related["enrolments"], related["benefits"], limits, lambda i: found.of(person_id=i, nik=None)
    )
    if only_under is None:
        return reports
    under = {str(b["benefit_id"]) for b in related["benefits"] if str(b["enrolment_id"]) in only_under}
    return [r for r in reports if r.subject_id in (only_under if r.subject_type == "enrolment" else under)]


async def check(services: Services, records: list[dict[str, Any]], *, only_these: bool = False) -> None:
    """Enrolments or benefits (anything with `program_id` and `person_id`): all the enrolments and
    benefits of their people in their programs, reported on. `only_these`: report only on the given
    enrolments and the benefits given under them (the full reconciliation, which reaches every
    enrolment, and so every benefit, once)."""
    if not records:
        return
    reports = await judge(
        services,
        [str(r["person_id"]) for r in records],
        [str(r["program_id"]) for r in records],
        only_under={str(r["enrolment_id"]) for r in records} if only_these else None,
    )
    await send(services, reports)


async def on_records(services: Services, events: list[EventEnvelope]) -> None:
    """`enrolment.created` and `benefit.recorded`: both payloads name the program and the person."""
    await check(services, [e.payload for e in events])


async def on_people_merged(services: Services, events: list[EventEnvelope]) -> None:
    """A merge joins two people's enrolments (the survivor's record names the merged one); an undone
    merge parts them: each person's enrolments judged again, in every program."""
    person_ids = set()
    for e in events:
        person_ids |= {str(e.payload["person_id"])}
        person_ids |= {str(e.payload[k]) for k in ("merged_into", "was_merged_into") if e.payload.get(k)}
    if person_ids:
        await send(services, await judge(services, sorted(person_ids)))


CONSUMERS = {
    "enrolment.created": on_records,
    "benefit.recorded": on_records,
    "person.merged": on_people_merged,
    "person.unmerged": on_people_merged,
}
