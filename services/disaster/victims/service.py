"""Disaster victims: registered once per disaster however many phones send them, with or without
documents; missing → found; a condition that moves the headcounts and the reports."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import (
    Outcome,
    after_id,
    age_group,
    check_if_match,
    content_hash,
    etag,
    inside,
    mask_number,
    settle_duplicates,
)
from services.disaster.db import OutboxEvent, envelope, publish_many
from services.disaster.disasters import service as disasters
from services.disaster.disasters.exceptions import DisasterClosed
from services.disaster.disasters.models import Disaster
from services.disaster.privacy import log as access_log
from services.disaster.victims import repository
from services.disaster.victims.exceptions import (
    ConditionChange,
    IdInUse,
    NotAwaitingReview,
    NotMissing,
    VictimAlreadyRegistered,
)
from services.disaster.victims.models import Victim, VictimRef
from services.disaster.victims.schemas import (
    MatchReview,
    MatchReviewRead,
    VictimCreate,
    VictimFound,
    VictimMatch,
    VictimMatchesRecorded,
    VictimMatchItem,
    VictimMatchRecorded,
    VictimRead,
    VictimSyncRecord,
    VictimUpdate,
)
from shared import clock
from shared.auth import Principal
from shared.errors import FieldError, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, encode_cursor

RECORDERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
# Phones' clocks drift; a time a little ahead of ours is not an error.
CLOCK_SKEW = timedelta(minutes=5)
# Conditions in which a person is not (or no longer) among the living people at a site.
GONE = ("meninggal", "hilang")


def to_read(victim: Victim, site_id: uuid.UUID | None, principal: Principal) -> VictimRead:
    pii = principal.can_read_pii
    return VictimRead(
        id=victim.id,
        disaster_id=victim.disaster_id,
        household_id=victim.household_id,
        full_name=victim.full_name,
        sex=victim.sex,  # type: ignore[arg-type]
        nik=victim.nik if pii else mask_number(victim.nik),
        kk_number=victim.kk_number if pii else mask_number(victim.kk_number),
        birth_date=victim.birth_date if pii else None,
        age_group=age_group(victim.birth_date, clock.today()),  # type: ignore[arg-type]
        condition=victim.condition,  # type: ignore[arg-type]
        pregnant=victim.pregnant if pii else None,
        disability=victim.disability if pii else None,
        region_code=victim.region_code,
        person_id=victim.person_id,
        match_status=victim.match_status,
        match_candidates=victim.match_candidates,  # type: ignore[arg-type]
        match_review=_review(victim),
        found_on=victim.found_on,
        found_place=victim.found_place,
        site_id=site_id,
        registered_at=victim.registered_at,
        recorded_by=victim.recorded_by,
        updated_at=victim.updated_at,
    )


def _review(victim: Victim) -> MatchReviewRead | None:
    if victim.match_reviewed_at is None or victim.match_status not in ("confirmed", "rejected"):
        return None
    return MatchReviewRead(
        decision=victim.match_status,  # type: ignore[arg-type]
        by=victim.match_reviewed_by or "",
        at=victim.match_reviewed_at,
        reason=victim.match_review_reason or "",
    )


def event(kind: str, victim: Victim | dict[str, Any], disaster: Disaster, **extra: Any) -> EventEnvelope:
    """victim.registered / victim.updated: the programs service counts these for SPM service 5 (victims
    of a province-level disaster for the province, of a regency-level one for the regency)."""
    v = victim if isinstance(victim, dict) else {c: getattr(victim, c) for c in _EVENT_COLUMNS}
    return envelope(
        f"victim.{kind}",
        str(v["id"]),
        payload={
            "victim_id": str(v["id"]),
            "disaster_id": str(disaster.id),
            "disaster_level": disaster.level,
            "person_id": str(v["person_id"]) if v["person_id"] else None,
            "nik": v["nik"],
            "full_name": v["full_name"],
            "condition": v["condition"],
            "region_code": v["region_code"],
            "registered_at": v["registered_at"].isoformat(),
            "household_id": str(v["household_id"]) if v["household_id"] else None,
            "sex": v["sex"],
            # For identity matching against the registry (issue 4) and age-based counts.
            "birth_date": v["birth_date"].isoformat() if v["birth_date"] else None,
            "kk_number": v["kk_number"],
            "match_status": v["match_status"],
            "found_on": v["found_on"].isoformat() if v["found_on"] else None,
            **extra,
        },
    )


_EVENT_COLUMNS = (
    "id",
    "person_id",
    "nik",
    "full_name",
    "condition",
    "region_code",
    "registered_at",
    "household_id",
    "sex",
    "birth_date",
    "kk_number",
    "match_status",
    "found_on",
)


# --- Registering: one record (POST) or a batch (offline sync), by the same rules ----------------------


async def register_many(
    session: AsyncSession, principal: Principal, records: Sequence[tuple[int, VictimCreate]]
) -> tuple[list[Outcome], dict[uuid.UUID, dict[str, Any]]]:
    """Register each record that is new and valid; tell, for each, whether it was created, already
    there (same id, same content) or refused, and why. All in the caller's transaction: a batch cut
    off half-way leaves nothing, and sent again it ends as if it had gone through once. Returns the
    outcomes in the records' order and the rows of the victims created."""
    now = datetime.now(UTC)
    today = clock.today()
    outcomes: list[Outcome] = []
    hashes: list[str] = []
    first_of: dict[uuid.UUID, int] = {}
    duplicates: list[tuple[int, int]] = []
    for position, (index, record) in enumerate(records):
        record_id = record.id or uuid.uuid4()
        outcome = Outcome(index=index, id=record_id)
        outcomes.append(outcome)
        hashes.append(content_hash(record))
        if record_id in first_of:
            duplicates.append((first_of[record_id], position))
            outcome.outcome = "already_had"  # settled below, once the first one's fate is known
            continue
        first_of[record_id] = position
        registered_at = record.registered_at or now
        if registered_at > now + CLOCK_SKEW:
            outcome.refuse(Invalid, "registered_at", "registered_at cannot be in the future")
        if record.birth_date and record.birth_date > today:
            outcome.refuse(Invalid, "birth_date", "birth_date cannot be in the future")
        if record.pregnant and record.sex != "F":
            outcome.refuse(Invalid, "pregnant", "only a woman (sex F) can be pregnant")
        if not principal.covers_region(record.region_code):
            outcome.refuse(Forbidden, "region_code", f"region {record.region_code} is outside your regions")

    # Records already here are answered first, whatever else holds now (the disaster may have closed
    # since): the same content is "already had"; the same id with other content is refused.
    known = await repository.hashes_of(session, [outcomes[p].id for p in first_of.values()])  # type: ignore[misc]
    for position in first_of.values():
        outcome = outcomes[position]
        if outcome.id in known:
            outcome.outcome, outcome.refusal = "created", None
            _already(outcome, known[outcome.id], hashes[position])

    live = [p for p in first_of.values() if outcomes[p].open]
    found = await disasters.readable_many(session, principal, list({records[p][1].disaster_id for p in live}))
    for position in live:
        record, outcome = records[position][1], outcomes[position]
        disaster = found.get(record.disaster_id)
        if disaster is None:
            outcome.refuse(NotFound, "disaster_id", f"no disaster {record.disaster_id} in your regions")
            continue
        if disaster.status == "closed":
            outcome.refuse(
                DisasterClosed, "disaster_id", f"{disaster.name} is closed; it takes no new victims"
            )
        if not inside(record.region_code, disaster.region_codes):
            outcome.refuse(
                Invalid,
                "region_code",
                f"{record.region_code} is not among the regions {disaster.name} affects "
                f"({', '.join(disaster.region_codes)}); add it to the disaster first",
            )
        if clock.local_date(record.registered_at or now) < disaster.started_on:
            outcome.refuse(Invalid, "registered_at", f"the disaster started on {disaster.started_on}")

    rows = []
    for position in first_of.values():
        if outcomes[position].open:
            record = records[position][1]
            rows.append(_row(outcomes[position].id, record, principal, now, hashes[position]))  # type: ignore[arg-type]
    inserted = await repository.insert_new(session, rows)
    skipped = [r for r in rows if r["id"] not in inserted]
    if skipped:
        # Taken meanwhile: by the same id (a twin batch committed first) or by the same NIK.
        again = await repository.hashes_of(session, [r["id"] for r in skipped])
        holders = await repository.holders_of_nik(
            session, [(r["disaster_id"], r["nik"]) for r in skipped if r["id"] not in again and r["nik"]]
        )
        for row in skipped:
            outcome = outcomes[first_of[row["id"]]]
            if row["id"] in again:
                _already(outcome, again[row["id"]], row["content_hash"])
            else:
                holder = holders.get((row["disaster_id"], row["nik"]))
                outcome.refuse(
                    VictimAlreadyRegistered,
                    "nik",
                    f"NIK {mask_number(row['nik'])} is already registered for this disaster "
                    f"as victim {holder}",
                )
    for first, later in duplicates:
        settle_duplicates(outcomes[first], outcomes[later], hashes[first] == hashes[later])

    created = {r["id"]: r for r in rows if r["id"] in inserted}
    await publish_many(session, [event("registered", r, found[r["disaster_id"]]) for r in created.values()])
    return outcomes, created


def _already(outcome: Outcome, stored_hash: str | None, sent_hash: str) -> None:
    if stored_hash == sent_hash:
        outcome.outcome = "already_had"
    else:
        outcome.refuse(IdInUse, "id", f"id {outcome.id} was already used for a different victim record")


def _row(
    victim_id: uuid.UUID, record: VictimCreate, principal: Principal, now: datetime, digest: str
) -> dict[str, Any]:
    return {
        "id": victim_id,
        "disaster_id": record.disaster_id,
        "household_id": record.household_id,
        "kk_number": record.kk_number,
        "nik": record.nik,
        "full_name": record.full_name,
        "sex": record.sex,
        "birth_date": record.birth_date,
        "condition": record.condition,
        "pregnant": record.pregnant,
        "disability": record.disability,
        "region_code": record.region_code,
        "person_id": record.person_id,
        "match_status": "client_linked" if record.person_id else None,
        "found_on": None,
        "found_place": None,
        "registered_at": record.registered_at or now,
        "recorded_by": principal.sub,
        "content_hash": digest,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


async def register(session: AsyncSession, principal: Principal, data: VictimCreate) -> tuple[int, VictimRead]:
    """201 and the new victim; 200 and the stored one when the same record (same id) comes again."""
    principal.require(*RECORDERS)
    outcomes, created = await register_many(session, principal, [(0, data)])
    outcome = outcomes[0]
    if outcome.refusal:
        outcome.refusal.raise_()
    assert outcome.id is not None
    if outcome.outcome == "created":
        await session.flush()
        return 201, to_read(Victim(**created[outcome.id]), None, principal)
    return 200, await read(session, principal, outcome.id)


async def sync(
    session: AsyncSession, principal: Principal, records: Sequence[tuple[int, VictimSyncRecord]]
) -> list[Outcome]:
    principal.require(*RECORDERS)
    outcomes, _ = await register_many(session, principal, records)
    return outcomes


# --- Reading ----------------------------------------------------------------------------------------


async def get_row_or_raise(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Victim, uuid.UUID | None]:
    row = await repository.get(session, principal, victim_id, for_update=for_update)
    if row is None:
        raise NotFound(f"no victim {victim_id} in your regions")
    return row


async def read(session: AsyncSession, principal: Principal, victim_id: uuid.UUID) -> VictimRead:
    principal.require(*READERS)
    victim, site_id = await get_row_or_raise(session, principal, victim_id)
    access_log.unmasked(session, principal, [("victim", victim.id, victim.person_id)], "read")
    return to_read(victim, site_id, principal)


async def read_with_etag(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID
) -> tuple[VictimRead, str]:
    principal.require(*READERS)
    victim, site_id = await get_row_or_raise(session, principal, victim_id)
    access_log.unmasked(session, principal, [("victim", victim.id, victim.person_id)], "read")
    return to_read(victim, site_id, principal), etag(victim.id, victim.version)


async def refs(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, VictimRef]:
    """The victims among `ids` that the principal may read."""
    return await repository.refs(session, principal, ids)


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    disaster_id: uuid.UUID | None,
    condition: str | None,
    household_id: uuid.UUID | None,
    site_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[VictimRead]:
    principal.require(*READERS)
    rows, (total, more) = await repository.list_(
        session,
        principal,
        disaster_id=disaster_id,
        condition=condition,
        household_id=household_id,
        site_id=site_id,
        after=after_id(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    access_log.unmasked(session, principal, [("victim", v.id, v.person_id) for v, _ in page], "search")
    return Page(
        items=[to_read(v, s, principal) for v, s in page],
        next_cursor=encode_cursor([page[-1][0].id]) if len(rows) > limit else None,
        total=total,
        total_is_lower_bound=more,
    )


# --- Changing ---------------------------------------------------------------------------------------


async def _changed(
    session: AsyncSession, victim: Victim, disaster: Disaster, changed: list[str], now: datetime
) -> None:
    victim.version += 1
    victim.updated_at = now
    publish(session, OutboxEvent, event("updated", victim, disaster, changed=changed))
    await session.flush()


async def set_condition(
    session: AsyncSession, principal: Principal, victim: Victim, condition: str, now: datetime
) -> None:
    """The side effects of a new condition: a dead or missing person leaves the site they were at."""
    victim.condition = condition
    if condition in GONE:
        await repository.close_open_stay(session, victim.id, at=now, by=principal.sub)


async def update(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, data: VictimUpdate, if_match: str
) -> tuple[VictimRead, str]:
    principal.require(*RECORDERS)
    victim, site_id = await get_row_or_raise(session, principal, victim_id, for_update=True)
    check_if_match(if_match, victim.id, victim.version, "victim")
    disaster = await disasters.get_or_raise(session, principal, victim.disaster_id)
    if disaster.status == "closed":
        disasters.ensure_open(disaster)
    given = data.model_dump(include=data.model_fields_set)
    for required in ("full_name", "sex", "condition", "pregnant", "disability"):
        if required in given and given[required] is None:
            raise Invalid(required, f"{required} cannot be emptied")
    now = datetime.now(UTC)
    changed = [name for name, value in given.items() if getattr(victim, name) != value]
    if "condition" in changed and victim.condition == "hilang":
        raise ConditionChange(
            "a missing victim is found through POST /victims/{id}/found, with the date and place",
            errors=[FieldError(field="condition", message="use /found for a missing victim")],
        )
    if given.get("birth_date") and given["birth_date"] > clock.today():
        raise Invalid("birth_date", "birth_date cannot be in the future")
    if given.get("pregnant") and given.get("sex", victim.sex) != "F":
        raise Invalid("pregnant", "only a woman (sex F) can be pregnant")
    if "nik" in changed and given["nik"] is not None:
        holder = await repository.nik_holder(session, victim.disaster_id, given["nik"], other_than=victim.id)
        if holder is not None:
            raise VictimAlreadyRegistered(
                f"this NIK is already registered for this disaster as victim {holder}",
                errors=[FieldError(field="nik", message="already registered for this disaster")],
            )
    if not changed:
        return to_read(victim, site_id, principal), etag(victim.id, victim.version)
    for name in changed:
        if name == "condition":
            await set_condition(session, principal, victim, given[name], now)
            if given[name] in GONE:
                site_id = None
        else:
            setattr(victim, name, given[name])
    if "person_id" in changed:
        victim.match_status = "client_linked" if victim.person_id else None
    elif victim.match_status == "rejected" and set(changed) & set(IDENTITY):
        victim.match_status = None
        changed.append("match_status")
    await _changed(session, victim, disaster, changed, now)
    return to_read(victim, site_id, principal), etag(victim.id, victim.version)


async def found(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, data: VictimFound
) -> VictimRead:
    principal.require(*RECORDERS)
    victim, site_id = await get_row_or_raise(session, principal, victim_id, for_update=True)
    if victim.condition != "hilang":
        raise NotMissing(
            f"{victim.full_name} is recorded as {victim.condition}, not hilang",
            errors=[FieldError(field="condition", message=f"the victim is {victim.condition}")],
        )
    disaster = await disasters.get_or_raise(session, principal, victim.disaster_id)
    if data.found_on > clock.today():
        raise Invalid("found_on", "found_on cannot be in the future")
    if data.found_on < disaster.started_on:
        raise Invalid("found_on", f"the disaster started on {disaster.started_on}")
    now = datetime.now(UTC)
    await set_condition(session, principal, victim, data.condition, now)
    victim.found_on, victim.found_place = data.found_on, data.found_place
    await _changed(session, victim, disaster, ["condition", "found_on", "found_place"], now)
    return to_read(victim, site_id, principal)


# --- Identity matching: the worker's result, an officer's review -----------------------------------

# Who settles a possible match: officers who answer for the victims' data, not field staff.
REVIEWERS = ("provincial_officer", "regency_officer")
POSSIBLE_MATCH = "victim_possible_match"
# What the worker's matching never overrides: a link given by the field client, or an officer's review.
SETTLED = ("client_linked", "confirmed", "rejected")
# The fields identity matching reads: an officer's rejection was of the candidates for the victim as
# then written, so a change to one of them lets the matching look again.
IDENTITY = ("nik", "full_name", "birth_date", "sex", "kk_number", "region_code")


def _check_match(data: VictimMatch, prefix: str = "") -> None:
    if data.match_status == "matched" and data.person_id is None:
        raise Invalid(f"{prefix}person_id", "person_id is required when match_status is matched")
    if data.match_status != "matched" and data.person_id is not None:
        raise Invalid(f"{prefix}person_id", "person_id is given only when match_status is matched")
    if data.match_status == "possible" and not data.candidates:
        raise Invalid(f"{prefix}candidates", "a possible match needs its candidates")


def _apply_match(victim: Victim, data: VictimMatch) -> list[str]:
    """Set the result on the victim; the fields that changed (none for a link the client gave or an
    officer's review, which the matching never overrides)."""
    if victim.match_status in SETTLED:
        return []
    wanted = {
        "person_id": data.person_id,
        "match_status": data.match_status,
        "match_score": data.score,
        "match_candidates": [c.model_dump(mode="json") for c in data.candidates] or None,
    }
    changed = [name for name, value in wanted.items() if getattr(victim, name) != value]
    for name in changed:
        setattr(victim, name, wanted[name])
    return changed


async def record_match(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, data: VictimMatch
) -> VictimRead:
    """The registry's identity matching made of a victim (worker only). Recording the same result
    again changes nothing; a link given by the client or settled by an officer is left as it is."""
    principal.require_exactly("service")
    _check_match(data)
    victim, site_id = await get_row_or_raise(session, principal, victim_id, for_update=True)
    changed = _apply_match(victim, data)
    if changed:
        disaster = await disasters.get_or_raise(session, principal, victim.disaster_id)
        await _changed(session, victim, disaster, changed, datetime.now(UTC))
    return to_read(victim, site_id, principal)


async def record_matches(
    session: AsyncSession, principal: Principal, items: Sequence[VictimMatchItem]
) -> VictimMatchesRecorded:
    """Many results at once, in one transaction (a worker batch): each as `record_match` does it."""
    principal.require_exactly("service")
    for index, item in enumerate(items):
        _check_match(item, prefix=f"items[{index}].")
    victims = await repository.lock_many(session, [i.victim_id for i in items])
    found = await disasters.readable_many(session, principal, list({v.disaster_id for v in victims.values()}))
    now = datetime.now(UTC)
    answers: list[VictimMatchRecorded] = []
    events: list[EventEnvelope] = []
    for item in items:
        victim = victims.get(item.victim_id)
        if victim is None:
            continue
        changed = _apply_match(victim, item)
        if changed:
            victim.version += 1
            victim.updated_at = now
            events.append(event("updated", victim, found[victim.disaster_id], changed=changed))
        answers.append(
            VictimMatchRecorded(
                victim_id=victim.id,
                match_status=victim.match_status,
                person_id=victim.person_id,
                match_candidates=victim.match_candidates,  # type: ignore[arg-type]
                changed=bool(changed),
            )
        )
    await publish_many(session, events)
    await session.flush()
    unknown = sorted({i.victim_id for i in items} - set(victims), key=str)
    return VictimMatchesRecorded(items=answers, unknown_victims=unknown)


async def review_match(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, data: MatchReview
) -> VictimRead:
    """An officer settles a possible match: confirming a candidate links the victim to them,
    rejecting says none of them is the victim. Either way the finding is resolved with the reason."""
    principal.require(*REVIEWERS)
    victim, site_id = await get_row_or_raise(session, principal, victim_id, for_update=True)
    if victim.match_status != "possible":
        raise NotAwaitingReview(
            f"the victim's match is {victim.match_status or 'not made yet'}, not possible",
            errors=[FieldError(field="decision", message="only a possible match is reviewed")],
        )
    candidates = {str(c["person_id"]) for c in victim.match_candidates or []}
    if data.decision == "confirm":
        if data.person_id is None:
            raise Invalid("person_id", "name the candidate you confirm")
        if str(data.person_id) not in candidates:
            raise Invalid("person_id", "not one of the victim's candidates")
    elif data.person_id is not None:
        raise Invalid("person_id", "a rejection names no person")
    now = datetime.now(UTC)
    victim.person_id = data.person_id
    victim.match_status = "confirmed" if data.decision == "confirm" else "rejected"
    victim.match_reviewed_by, victim.match_reviewed_at = principal.sub, now
    victim.match_review_reason = data.reason
    await repository.resolve_finding(
        session, rule=POSSIBLE_MATCH, subject_id=victim.id, by=principal.sub, reason=data.reason, at=now
    )
    disaster = await disasters.get_or_raise(session, principal, victim.disaster_id)
    await _changed(session, victim, disaster, ["person_id", "match_status"], now)
    return to_read(victim, site_id, principal)


async def subject_scope(session: AsyncSession, victim_id: uuid.UUID) -> str | None:
    victim = await repository.scope_of(session, victim_id)
    return victim.region_code if victim else None


# --- For other domains (distributions) --------------------------------------------------------------


async def household_members(
    session: AsyncSession, keys: Iterable[tuple[uuid.UUID, uuid.UUID]], principal: Principal | None = None
) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """(disaster, household) → members alive and accounted for; only households with a member the
    principal may read, when one is given."""
    return await repository.households(session, keys, principal)


async def by_identity(
    session: AsyncSession,
    *,
    niks: Iterable[tuple[uuid.UUID, str]],
    person_ids: Iterable[tuple[uuid.UUID, uuid.UUID]],
) -> tuple[dict[tuple[uuid.UUID, str], VictimRef], dict[tuple[uuid.UUID, uuid.UUID], VictimRef]]:
    return await repository.by_identity(session, niks=niks, person_ids=person_ids)
