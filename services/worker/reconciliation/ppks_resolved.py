"""`aid_after_ppks_resolved`: social aid given to a person after every PPKS assessment they had by then
was resolved (resolved_independent or resolved_other, on a day before the aid): the aid no longer had
a PPKS status to answer.

Which aid: what the programs service gives a person — program benefits and WRSE aid. Not disaster
relief, which answers the disaster, not a PPKS status; not KUBE aid, given to a group. A person never
assessed draws nothing (the aid was not given for a PPKS status). Assessments assessed after the aid
do not count: the rule asks what was true on the day of the aid.

After identity resolution: the registry's record of the aid's person id (followed through merges) and
its merged duplicates; the assessments are the programs service's copy of the registry's (its feed,
which the worker fills before this rule runs on the same event). Findings on the aid (programs owns
it): `benefit` or `wrse_aid`. `evaluate` is pure; `judge` reads a few thousand people's assessments and
aid from the programs service in one call."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Report, send
from shared.events import EventEnvelope

RULE = "aid_after_ppks_resolved"
RESOLVED = frozenset({"resolved_independent", "resolved_other"})


def evaluate(
    assessments: Iterable[dict[str, Any]],
    benefits: Iterable[dict[str, Any]],
    wrse_aids: Iterable[dict[str, Any]],
    person_of: Callable[[str], RegistryPerson | None],
) -> list[Report]:
    """One report per aid (benefit or WRSE aid)."""

    def who(person_id: Any) -> str:
        person = person_of(str(person_id))
        return person.id if person is not None else str(person_id)

    assessed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in assessments:
        assessed[who(a["person_id"])].append(a)
    aids = [("benefit", str(b["benefit_id"]), b) for b in benefits]
    aids += [("wrse_aid", str(w["aid_id"]), w) for w in wrse_aids]
    reports = []
    for kind, subject, aid in aids:
        person_id = who(aid["person_id"])
        given_on = date.fromisoformat(str(aid["given_on"]))
        by_then = [
            a for a in assessed.get(person_id, []) if date.fromisoformat(str(a["assessed_on"])) <= given_on
        ]
        holds = bool(by_then) and all(_resolved_before(a, given_on) for a in by_then)
        detail: dict[str, Any] = {}
        if holds:
            detail = {
                "person_id": person_id,
                "given_on": given_on.isoformat(),
                "assessments": [
                    {
                        "assessment_id": str(a["assessment_id"]),
                        "ppks_type": a["ppks_type"],
                        "status": a["status"],
                        "resolved_on": str(a["resolved_on"]),
                    }
                    for a in sorted(by_then, key=lambda a: str(a["assessment_id"]))
                ],
            }
        reports.append(Report("programs", RULE, kind, subject, holds=holds, detail=detail))
    return reports


def _resolved_before(assessment: dict[str, Any], day: date) -> bool:
    resolved_on = assessment.get("resolved_on")
    return (
        assessment["status"] in RESOLVED
        and resolved_on is not None
        and date.fromisoformat(str(resolved_on)) < day
    )


Keep = Callable[[str, dict[str, Any]], bool]


async def judge(services: Services, person_ids: Iterable[str], *, keep: Keep | None = None) -> list[Report]:
    """Every aid of these people (under any of their ids), judged against their assessments. `keep`:
    report on the aids it accepts (by subject type and record) alone — the full reconciliation's chunk.
    (Each aid is judged on its own: leaving others out changes nothing.)"""
    person_ids = [str(i) for i in person_ids if i]
    asked = await people.find_many(services, person_ids=person_ids)
    ids = set(person_ids) | {p.id for p in asked.by_id.values()}
    ids |= {alias for p in asked.by_id.values() for alias, _ in p.aliases}
    if not ids:
        return []
    response = await services.programs.request(
        "POST", "/api/v1/social-aid/of-people", json={"person_ids": sorted(ids)}
    )
    response.raise_for_status()
    related = response.json()
    benefits, wrse_aids = related["benefits"], related["wrse_aids"]
    if keep is not None:
        benefits = [b for b in benefits if keep("benefit", b)]
        wrse_aids = [w for w in wrse_aids if keep("wrse_aid", w)]
    named = {str(r["person_id"]) for r in related["assessments"] + benefits + wrse_aids}
    # Ids the batch did not name (a merged duplicate's records); one asked already has the same answer.
    found = await people.find_many(services, person_ids=sorted(named - set(person_ids)))
    found.by_id.update(asked.by_id)
    return evaluate(related["assessments"], benefits, wrse_aids, lambda i: found.of(person_id=i, nik=None))


async def check_wrse_aids(services: Services, aids: list[dict[str, Any]]) -> None:
    """WRSE aids (an export chunk): each reported on once."""
    given = {str(a["aid_id"]) for a in aids}
    if given:
        reports = await judge(
            services,
            [a["person_id"] for a in aids],
            keep=lambda kind, r: kind == "wrse_aid" and str(r["aid_id"]) in given,
        )
        await send(services, reports)


async def check_benefits_under(services: Services, enrolments: list[dict[str, Any]]) -> None:
    """The benefits given under these enrolments (an export chunk of enrolments: each benefit is under
    one enrolment, so reported on once)."""
    under = {str(e["enrolment_id"]) for e in enrolments}
    if under:
        reports = await judge(
            services,
            [e["person_id"] for e in enrolments],
            keep=lambda kind, r: kind == "benefit" and str(r["enrolment_id"]) in under,
        )
        await send(services, reports)


async def on_people(services: Services, events: list[EventEnvelope]) -> None:
    """An aid given, an assessment recorded or changed (resolved): the person's aid judged again."""
    await send(services, await judge(services, [str(e.payload["person_id"]) for e in events]))


async def on_people_merged(services: Services, events: list[EventEnvelope]) -> None:
    """A merge joins two people's assessments and aid; an undone merge parts them."""
    person_ids = {str(e.payload["person_id"]) for e in events}
    person_ids |= {
        str(e.payload[k]) for e in events for k in ("merged_into", "was_merged_into") if e.payload.get(k)
    }
    await send(services, await judge(services, sorted(person_ids)))


CONSUMERS = {
    "benefit.recorded": on_people,
    "wrse_aid.recorded": on_people,
    "ppks_assessment.recorded": on_people,
    "ppks_assessment.updated": on_people,
    "person.merged": on_people_merged,
    "person.unmerged": on_people_merged,
}
