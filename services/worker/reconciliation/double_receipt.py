"""Double receipt: one person (after identity resolution: a registry id followed through merges, or a
NIK matched to the registry) receiving an entitled item in one disaster beyond the entitlement, under
different entitlement groups — at other sites, from other officers, once by registry id and once by
NIK — so that no check at the time of handing out could see the two together. (Over the entitlement
within one group is refused when recorded, or recorded with an override and its own finding.)

`evaluate` is pure: distributions, who the registry says each recipient is, the entitlements. `check`
gathers all the aid of the recipients of some distributions (the same for an event batch and for a
chunk of the full reconciliation's export) and reports on every distribution it looked at."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Report, send
from shared import clock
from shared.events import EventEnvelope

RULE = "double_receipt"


@dataclass(frozen=True)
class Entitlement:
    rule: str  # per_household_per_disaster | per_person_per_week
    quantity: Decimal


@dataclass(frozen=True)
class DisasterTerms:
    started_on: date
    entitlements: dict[str, Entitlement]  # item code → the limited entitlement that applies


def evaluate(
    distributions: Iterable[dict[str, Any]],
    person_of: Callable[[dict[str, Any]], RegistryPerson | None],
    terms: dict[str, DisasterTerms],
) -> list[Report]:
    """One report per distribution: does it take part in a double receipt?"""
    records = {str(d["distribution_id"]): d for d in distributions}
    # (disaster, person, item, week or None) → the distributions carrying the item and their quantity
    pools: dict[tuple[str, str, str, int | None], list[tuple[str, Decimal]]] = defaultdict(list)
    for subject, d in records.items():
        person = person_of(d)
        disaster = terms.get(str(d["disaster_id"]))
        if person is None or disaster is None:
            continue
        for line in d.get("items") or []:
            entitled = disaster.entitlements.get(line["item_code"])
            if entitled is None:
                continue
            week = None
            if entitled.rule == "per_person_per_week":
                moment = datetime.fromisoformat(d["distributed_at"])
                week = (clock.local_date(moment) - disaster.started_on).days // 7
            key = (str(d["disaster_id"]), person.id, line["item_code"], week)
            pools[key].append((subject, Decimal(str(line["quantity"]))))
    found: dict[str, dict[str, Any]] = {}
    for (disaster_id, person_id, item_code, week), pool in pools.items():
        received = sum((q for _, q in pool), Decimal(0))
        limit = terms[disaster_id].entitlements[item_code].quantity
        groups = {records[s].get("entitlement_group") for s, _ in pool}
        if received <= limit or len(groups) < 2:
            continue
        ids = sorted(s for s, _ in pool)
        for subject, _ in pool:
            found.setdefault(
                subject,
                {
                    "person_id": person_id,
                    "item_code": item_code,
                    "week": week,
                    "received": f"{received.normalize():f}",
                    "entitled": f"{limit.normalize():f}",
                    "distributions": ids,
                    "sites": sorted({str(records[s].get("site_id")) for s in ids}),
                    "officers": sorted({str(records[s].get("recorded_by")) for s in ids}),
                },
            )
    return [
        Report(
            "disaster", RULE, "distribution", subject, holds=subject in found, detail=found.get(subject, {})
        )
        for subject in records
    ]


async def disaster_terms(services: Services, disaster_ids: Iterable[str]) -> dict[str, DisasterTerms]:
    terms: dict[str, DisasterTerms] = {}
    for disaster_id in sorted(set(disaster_ids)):
        disaster = await services.disaster.get_json(f"/api/v1/disasters/{disaster_id}")
        rules = await services.disaster.request("GET", f"/api/v1/disasters/{disaster_id}/entitlements")
        if disaster is None or rules.status_code == 404:
            continue
        rules.raise_for_status()
        terms[disaster_id] = DisasterTerms(
            started_on=date.fromisoformat(disaster["started_on"]),
            entitlements={
                r["item_code"]: Entitlement(r["rule"], Decimal(str(r["quantity"])))
                for r in rules.json()
                if r["rule"] != "unlimited" and r["quantity"] is not None
            },
        )
    return terms


def _recipient(d: dict[str, Any]) -> tuple[str | None, str | None]:
    return d.get("person_id"), d.get("nik")


async def check(
    services: Services,
    distributions: list[dict[str, Any]],
    asked: people.Found | None = None,
    *,
    only_these: bool = False,
    new_aid: bool = False,
) -> None:
    """All the aid of these distributions' recipients, in their disasters, judged together, and reported
    on every distribution looked at: a new one can make the earlier ones a double receipt. `asked`:
    what the registry said of their recipients, when the caller asked already. `only_these`: report on
    the given distributions only (the full reconciliation, which reaches every distribution itself).
    `new_aid`: the given distributions were just recorded; aid only adds up, so an earlier distribution
    can only start to hold: it is reported only when it holds (the given ones always are)."""
    if asked is None:
        asked = await people.find_many(services, **people.recipients_of(distributions))
    persons = [p for d in distributions if (p := asked.of(person_id=d.get("person_id"), nik=d.get("nik")))]
    # Every name of each recipient: the asked id or NIK, the registry record, its merged duplicates.
    ids = {str(d["person_id"]) for d in distributions if d.get("person_id")} | {p.id for p in persons}
    ids |= {alias for p in persons for alias, _ in p.aliases}
    niks = {d["nik"] for d in distributions if d.get("nik")} | {p.nik for p in persons if p.nik}
    niks |= {nik for p in persons for _, nik in p.aliases if nik}
    disasters = sorted({str(d["disaster_id"]) for d in distributions})
    if not disasters:
        return
    response = await services.disaster.request(
        "POST",
        "/api/v1/distributions/of-recipients",
        json={"disaster_ids": disasters, "person_ids": sorted(ids), "niks": sorted(niks)},
    )
    response.raise_for_status()
    related: list[dict[str, Any]] = response.json()
    # The related records name recipients the batch did not: look those up too.
    found = await people.find_many(
        services,
        person_ids=[d.get("person_id") for d in related if d.get("person_id") not in asked.by_id],
        niks=[d.get("nik") for d in related if not d.get("person_id") and d.get("nik") not in asked.by_nik],
    )
    found.by_id.update(asked.by_id)
    found.by_nik.update(asked.by_nik)
    # (Ids the registry does not have are asked again; there are few, and the answer is the same.)
    terms = await disaster_terms(services, disasters)
    reports = evaluate(related, lambda d: found.of(person_id=d.get("person_id"), nik=d.get("nik")), terms)
    given = {str(d.get("distribution_id") or d["id"]) for d in distributions}
    if only_these:
        reports = [r for r in reports if r.subject_id in given]
    elif new_aid:
        reports = [r for r in reports if r.holds or r.subject_id in given]
    await send(services, reports)


async def on_distributions_recorded(services: Services, events: list[EventEnvelope]) -> None:
    await check(services, [e.payload for e in events], new_aid=True)


CONSUMERS = {"distribution.recorded": on_distributions_recorded}
