"""Identity rules: who a record is in the registry.

- A victim registered without a link to the registry is matched against it (the registry's identity
  matching, `POST /people/match`): a sure match links the victim; possible ones wait for an officer's
  review as a `victim_possible_match` finding on the victim.
- A record whose NIK the registry knows, but whose name, birth date or sex disagree with the registry's
  record of that NIK, raises `nik_disagrees_with_registry`, saying which fields (never the values).
  The registry's record is looked up by NIK in bulk; a name not written exactly as the registry writes
  it is compared by the registry's matching (titles, Muhammad/Muhamad/M., old spellings, typos), whose
  evidence for the name decides: never string equality alone.
- A person merged by the registry: the other services re-point their records to the survivor (and put
  them back when the merge is undone); the survivor's records are then checked again.

`evaluate_*` (and `decide_match`, `disagreeing_fields`) are pure: a record and what the registry said
of it, in; what to do, out. The consumers batch the registry calls (one lookup per 5,000 NIKs, one match
call per 1,000 records), and `reconcile_victims` / `reconcile_distributions`, which the consumers use,
take the services' exported records just as well, so that both paths give the same findings."""

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.worker.clients import Services
from services.worker.reconciliation import people, recipients
from services.worker.reconciliation.people import RegistryPerson
from services.worker.reconciliation.reports import Owner, Report, send
from shared.events import EventEnvelope

NIK_DISAGREES = "nik_disagrees_with_registry"
POSSIBLE_MATCH = "victim_possible_match"

# Victims read at once from the disaster service.
FETCH_CONCURRENCY = 16
# Records per `POST /people/match` (the registry takes up to 1,000).
MATCH_CHUNK = 1000
# Candidates asked per record: the holder of the record's NIK is among the first few whatever else
# disagrees (an exact NIK outweighs the rest), and a possible match rarely has more than a handful.
TOP = 5

# The victim's fields that the matching reads: a change to one of them calls for a new match.
IDENTITY = frozenset({"nik", "full_name", "birth_date", "sex", "kk_number", "region_code"})
# What the matching never overrides: a link given by the field client, or an officer's review.
SETTLED = frozenset({"client_linked", "confirmed", "rejected"})
# Name levels of the registry's evidence that say "another name" (the others are the same name,
# written with a typo or two, or one inside the other: `Siti Rahmah` and `Siti Rahmah Hasanah`).
NAME_DISAGREES = frozenset({"similar", "different"})


# --- Pure rules ---------------------------------------------------------------------------------------


def match_record(ref: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """A record as the registry's matching takes it, or None when it has nothing to match on."""
    keys = ("nik", "full_name", "birth_date", "sex", "region_code", "kk_number")
    body = {k: record[k] for k in keys if record.get(k)}
    if body.get("nik") and not str(body["nik"]).isdigit():
        del body["nik"]  # a masked NIK (an export read without personal data) says nothing
    if body.get("kk_number") and not str(body["kk_number"]).isdigit():
        del body["kk_number"]
    if not (body.get("nik") or body.get("full_name") or body.get("kk_number")):
        return None
    return {"ref": ref, **body}


def nik_holder(nik: str | None, result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The registry's candidate holding exactly this NIK, if the matching found one."""
    if not nik or result is None:
        return None
    return next((c for c in result["candidates"] if c["person"].get("nik") == nik), None)


def name_agrees_by_evidence(candidate: dict[str, Any]) -> bool | None:
    """What the registry's comparison of the two names says: the same name (written with a typo or
    two, or one inside the other), another name, or nothing (a name missing on either side)."""
    level = next((f["level"] for f in candidate["evidence"]["fields"] if f["field"] == "name"), None)
    if level in (None, "missing"):
        return None
    return level not in NAME_DISAGREES


@dataclass(frozen=True)
class NikCheck:
    """What the registry says of a record's NIK: the person holding it, and whether the record's name
    is theirs (None: not compared, a name missing on either side)."""

    holder: RegistryPerson | None
    name_agrees: bool | None = None


def disagreeing_fields(record: dict[str, Any], check: NikCheck) -> list[str]:
    """The fields on which the record and the registry's holder of its NIK disagree (a field missing on
    either side disagrees with nothing)."""
    holder = check.holder
    if holder is None:
        return []
    fields = []
    if check.name_agrees is False:
        fields.append("full_name")
    born = record.get("birth_date")
    if born and holder.birth_date and date.fromisoformat(str(born)) != holder.birth_date:
        fields.append("birth_date")
    if record.get("sex") and holder.sex and record["sex"] != holder.sex:
        fields.append("sex")
    return fields


def evaluate_nik(
    owner: Owner, subject_type: str, subject_id: str, record: dict[str, Any], check: NikCheck
) -> Report:
    """`nik_disagrees_with_registry` for one record: holds when the registry has the NIK on a person
    whose name, birth date or sex disagree. The detail names the fields, never their values."""
    fields = disagreeing_fields(record, check)
    detail: dict[str, Any] = {"fields": fields}
    if check.holder is not None and fields:
        detail["person_id"] = check.holder.id
    return Report(owner, NIK_DISAGREES, subject_type, subject_id, holds=bool(fields), detail=detail)


def _plain(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class VictimMatch:
    """What to record on a victim: the body of the disaster's `PUT /victims/{id}/match`."""

    match_status: str  # matched | possible | no_match
    person_id: str | None
    score: float | None
    candidates: tuple[tuple[str, float], ...]

    def body(self) -> dict[str, Any]:
        return {
            "match_status": self.match_status,
            "person_id": self.person_id,
            "score": self.score,
            "candidates": [{"person_id": p, "score": s} for p, s in self.candidates],
        }

    def recorded_on(self, victim: dict[str, Any]) -> bool:
        """Does the victim's record already say this? (Then there is nothing to send.)"""
        if "match_candidates" not in victim:
            return False  # an event's snapshot: it does not carry all of it
        candidates = [
            {"person_id": str(c["person_id"]), "score": c["score"]} for c in victim["match_candidates"] or []
        ]
        return (
            victim.get("match_status") == self.match_status
            and (str(victim["person_id"]) if victim.get("person_id") else None) == self.person_id
            and candidates == self.body()["candidates"]
        )


def decide_match(result: dict[str, Any] | None) -> VictimMatch:
    """One sure candidate links; more than one sure candidate, or only likely ones, wait for an officer
    (two registry people that both fit are for a person to tell apart); none is no match."""
    candidates = result["candidates"] if result else []
    worth_a_look = [c for c in candidates if c["decision"] in ("match", "possible")]
    sure = [c for c in worth_a_look if c["decision"] == "match"]
    best = max((float(c["score"]) for c in candidates), default=None)
    shortlist = tuple((str(c["person"]["id"]), round(float(c["score"]), 4)) for c in worth_a_look)
    if len(sure) == 1:
        return VictimMatch("matched", str(sure[0]["person"]["id"]), best, shortlist)
    if worth_a_look:
        return VictimMatch("possible", None, best, shortlist)
    return VictimMatch("no_match", None, best, ())


def needs_match(victim: dict[str, Any], changed: Iterable[str] | None) -> bool:
    """Match a victim not matched yet, or one whose identity changed since the matching; a link given
    by the client or settled by an officer stays. `changed` None: re-check whatever the matching
    decided (the full reconciliation, where the registry may have changed since)."""
    status = victim.get("match_status")
    if status in SETTLED:
        return False
    if status is None or changed is None:
        return True
    return bool(IDENTITY & set(changed))


@dataclass(frozen=True)
class VictimOutcome:
    match: VictimMatch | None  # None: leave the victim's match as it is
    reports: tuple[Report, ...]


def evaluate_victim(
    victim: dict[str, Any], result: dict[str, Any] | None, check: NikCheck, *, rematch: bool
) -> VictimOutcome:
    """The match to record (when `rematch`, from the registry's match `result`) and the identity
    findings of one victim (`check`: what the registry says of the victim's NIK)."""
    victim_id = str(victim.get("victim_id") or victim["id"])
    match = decide_match(result) if rematch else None
    nik = evaluate_nik("disaster", "victim", victim_id, victim, check)
    status: str | None
    if match is not None:
        status, shortlist = match.match_status, match.candidates
    else:
        status = victim.get("match_status")
        if status == "possible" and "match_candidates" not in victim:
            # An event of a victim awaiting review: the finding was opened, with the candidates, when
            # the match was recorded; the event does not carry them, so it says nothing new.
            return VictimOutcome(None, (nik,))
        shortlist = tuple((str(c["person_id"]), c["score"]) for c in victim.get("match_candidates") or [])
    possible = Report(
        "disaster",
        POSSIBLE_MATCH,
        "victim",
        victim_id,
        holds=status == "possible",
        detail={"candidates": [{"person_id": p, "score": s} for p, s in shortlist]}
        if status == "possible"
        else {},
    )
    return VictimOutcome(match, (possible, nik))


# --- Talking to the services ------------------------------------------------------------------------------


async def match_many(services: Services, records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The registry's match result of each record, by the record's ref (1,000 records per call)."""
    results: dict[str, dict[str, Any]] = {}
    for start in range(0, len(records), MATCH_CHUNK):
        chunk = list(records[start : start + MATCH_CHUNK])
        response = await services.registry.request(
            "POST", "/api/v1/people/match", json={"records": chunk, "top": TOP}
        )
        response.raise_for_status()
        for result in response.json()["results"]:
            results[chunk[result["index"]]["ref"]] = result
    return results


async def check_niks(services: Services, records: dict[str, dict[str, Any]]) -> dict[str, NikCheck]:
    """What the registry says of each record's NIK, by the record's ref. One bulk lookup by NIK; the
    registry's matching is asked only about names that are not written exactly as the registry writes
    them (titles, variants, typos), a few in a batch."""
    with_nik = {ref: r for ref, r in records.items() if str(r.get("nik") or "").isdigit()}
    found = await people.find_many(services, niks=[r["nik"] for r in with_nik.values()])
    checks = {ref: NikCheck(None) for ref in records}
    ask = []
    for ref, record in with_nik.items():
        holder = found.by_nik.get(record["nik"])
        if holder is None:
            continue
        name = record.get("full_name")
        if not name or not holder.full_name:
            checks[ref] = NikCheck(holder, None)
        elif _plain(name) == _plain(holder.full_name):
            checks[ref] = NikCheck(holder, True)
        else:
            checks[ref] = NikCheck(holder, None)
            ask.append({"ref": ref, "nik": record["nik"], "full_name": name})
    results = await match_many(services, ask) if ask else {}
    for asked in ask:
        candidate = nik_holder(asked["nik"], results.get(asked["ref"]))
        if candidate is not None:
            checks[asked["ref"]] = NikCheck(checks[asked["ref"]].holder, name_agrees_by_evidence(candidate))
    return checks


async def reconcile_victims(
    services: Services, victims: list[dict[str, Any]], *, changed: dict[str, list[str]] | None = None
) -> list[Report]:
    """Match the victims that need it, record the results on the disaster service, and report their
    identity findings. `victims`: the disaster's victim records (an export, or read for an event);
    `changed`: by victim id, the fields events changed (None: a full re-check)."""
    by_id = {str(v.get("victim_id") or v["id"]): v for v in victims}
    rematch = {i: needs_match(v, None if changed is None else changed.get(i, [])) for i, v in by_id.items()}
    asked = [r for i, v in by_id.items() if rematch[i] and (r := match_record(i, v)) is not None]
    results = await match_many(services, asked) if asked else {}
    checks = await check_niks(services, by_id)
    outcomes = {
        i: evaluate_victim(v, results.get(i), checks[i], rematch=rematch[i]) for i, v in by_id.items()
    }
    to_record = [
        {"victim_id": i, **o.match.body()}
        for i, o in outcomes.items()
        if o.match is not None and not o.match.recorded_on(by_id[i])
    ]
    for start in range(0, len(to_record), MATCH_CHUNK):
        response = await services.disaster.request(
            "PUT", "/api/v1/victims/matches", json={"items": to_record[start : start + MATCH_CHUNK]}
        )
        response.raise_for_status()
        for now in response.json()["items"]:
            if now["match_status"] in SETTLED:
                # Linked by the client or reviewed by an officer meanwhile: theirs stands.
                victim_id = str(now["victim_id"])
                outcomes[victim_id] = evaluate_victim(
                    {**by_id[victim_id], **now}, results.get(victim_id), checks[victim_id], rematch=False
                )
    reports = [r for o in outcomes.values() for r in o.reports]
    await send(services, reports)
    return reports


async def reconcile_distributions(services: Services, distributions: list[dict[str, Any]]) -> list[Report]:
    """`nik_disagrees_with_registry` for aid recorded with a NIK (payloads or export records)."""
    by_id = {str(d.get("distribution_id") or d["id"]): d for d in distributions}
    checks = await check_niks(services, by_id)
    reports = [evaluate_nik("disaster", "distribution", i, d, checks[i]) for i, d in by_id.items()]
    await send(services, reports)
    return reports


# --- Consumers -----------------------------------------------------------------------------------------


async def current_victims(services: Services, victim_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The victims as they are now. An event's snapshot may be old (a batch redelivered after the
    victim was corrected, or after an officer's review): judged on it, a closed finding would reopen."""
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(victim_id: str) -> dict[str, Any] | None:
        async with gate:
            return await services.disaster.get_json(f"/api/v1/victims/{victim_id}")

    found = await asyncio.gather(*(one(i) for i in victim_ids))
    return [v for v in found if v is not None]


async def on_victims(services: Services, events: list[EventEnvelope]) -> None:
    # What any event of the batch changed counts; the victim itself is read as it is now.
    changed: dict[str, set[str]] = {}
    for event in events:
        fields = IDENTITY if event.type == "victim.registered" else set(event.payload.get("changed", []))
        changed.setdefault(str(event.payload["victim_id"]), set()).update(fields)
    victims = await current_victims(services, changed)
    await reconcile_victims(services, victims, changed={k: sorted(v) for k, v in changed.items()})


async def on_distributions(services: Services, events: list[EventEnvelope]) -> None:
    # Offline batches reach here too: handlers.py expands `distributions.synced` into these.
    await reconcile_distributions(services, [e.payload for e in events])


async def carry_merge(services: Services, *, merge_id: str, merged_id: str, survivor_id: str) -> None:
    body = {"merge_id": merge_id, "merged_id": merged_id, "survivor_id": survivor_id}
    for service in (services.programs, services.disaster):
        response = await service.request("POST", "/api/v1/person-merges", json=body)
        response.raise_for_status()


async def carry_unmerge(services: Services, *, undo_id: str, merged_id: str, survivor_id: str) -> None:
    body = {"undo_id": undo_id, "merged_id": merged_id, "survivor_id": survivor_id}
    for service in (services.programs, services.disaster):
        response = await service.request("POST", "/api/v1/person-merges/undo", json=body)
        response.raise_for_status()


async def on_people_merged(services: Services, events: list[EventEnvelope]) -> None:
    """Each merge carried into the other services (the event's id names it there, so a redelivery is
    a no-op), then the survivor's records checked again, merged records and all."""
    for event in sorted(events, key=lambda e: e.occurred_at):
        survivor = str(event.payload["merged_into"])
        await carry_merge(
            services, merge_id=str(event.id), merged_id=str(event.payload["person_id"]), survivor_id=survivor
        )
        await recipients.recheck_person(services, survivor)


async def on_people_unmerged(services: Services, events: list[EventEnvelope]) -> None:
    for event in sorted(events, key=lambda e: e.occurred_at):
        merged, survivor = str(event.payload["person_id"]), str(event.payload["was_merged_into"])
        await carry_unmerge(services, undo_id=str(event.id), merged_id=merged, survivor_id=survivor)
        for person_id in (merged, survivor):
            await recipients.recheck_person(services, person_id)


CONSUMERS = {
    "victim.registered": on_victims,
    "victim.updated": on_victims,
    "distribution.recorded": on_distributions,
    "person.merged": on_people_merged,
    "person.unmerged": on_people_unmerged,
}
