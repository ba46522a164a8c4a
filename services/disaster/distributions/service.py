"""Aid handed out in the field: all items of a record or none, never more than the stock, never more
than the recipient's entitlement unless the officer overrides it with a reason, once per
Idempotency-Key (online) or per client id (offline batches) however often a phone retries.

One set of rules serves both: `record_many` takes a batch (the offline sync) and the online POST is a
batch of one."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import Outcome, after_id, content_hash, mask_number, settle_duplicates
from services.disaster.db import IdempotencyKey, envelope, publish_many
from services.disaster.disasters import service as disasters
from services.disaster.disasters.exceptions import DisasterClosed
from services.disaster.disasters.models import Disaster
from services.disaster.distributions import repository
from services.disaster.distributions.exceptions import (
    ConcurrentBatch,
    EntitlementExceeded,
    IdInUse,
    RecipientGone,
)
from services.disaster.distributions.models import Distribution, DistributionLine
from services.disaster.distributions.schemas import (
    DistributionCreate,
    DistributionLineRead,
    DistributionRead,
    DistributionSyncRecord,
)
from services.disaster.entitlements import service as entitlements
from services.disaster.privacy import log as access_log
from services.disaster.sites import service as sites
from services.disaster.sites.exceptions import SiteClosed
from services.disaster.victims import service as victims
from services.disaster.victims.models import VictimRef
from services.disaster.warehouses import service as warehouses
from services.disaster.warehouses.exceptions import InsufficientStock
from services.disaster.warehouses.models import Warehouse
from shared import clock, idempotency
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.pagination import Page, encode_cursor

RECORDERS = ("provincial_officer", "regency_officer", "field_officer")
READERS = ("provincial_officer", "regency_officer", "field_officer", "viewer")
ROUTE = "POST /api/v1/distributions"
# Phones' clocks drift; a time a little ahead of ours is not an error.
CLOCK_SKEW = timedelta(minutes=5)
# One outbox row per so many synced distributions: the worker checks each of them, in one job.
EVENT_CHUNK = 200
OVERRIDE_RULE = "entitlement_override"

Source = Literal["api", "sync"]


def to_read(d: Distribution, lines: Sequence[DistributionLine], principal: Principal) -> DistributionRead:
    return DistributionRead(
        id=d.id,
        disaster_id=d.disaster_id,
        warehouse_id=d.warehouse_id,
        site_id=d.site_id,
        victim_id=d.victim_id,
        household_id=d.household_id,
        person_id=d.person_id,
        nik=d.nik if principal.can_read_pii else mask_number(d.nik),
        full_name=d.full_name,
        region_code=d.region_code,
        items=[DistributionLineRead(item_code=line.item_code, quantity=line.quantity) for line in lines],
        override_reason=d.override_reason,
        recorded_by=d.recorded_by,
        source=d.source,  # type: ignore[arg-type]
        distributed_at=d.distributed_at,
        created_at=d.created_at,
    )


def recipient_problem(data: DistributionCreate) -> tuple[str, str] | None:
    """A recipient is a registered victim or household, a registry id, or a NIK and a name as written
    in the field. Returns (field, message) when none is given properly."""
    if data.victim_id or data.household_id or data.person_id:
        return None
    if data.nik is None and data.full_name is None:
        return "person_id", "give victim_id, household_id or person_id, or nik and full_name"
    if data.nik is None:
        return "nik", "without victim_id, household_id or person_id, give nik with full_name"
    if data.full_name is None:
        return "full_name", "without victim_id, household_id or person_id, give full_name with nik"
    return None


@dataclass
class Candidate:
    """One record on its way through the checks."""

    position: int
    record: DistributionCreate
    outcome: Outcome
    digest: str | None
    distributed_at: datetime
    lines: list[tuple[str, Decimal]]
    disaster: Disaster | None = None
    warehouse: Warehouse | None = None
    victim: VictimRef | None = None
    household_id: uuid.UUID | None = None
    group: str = ""
    # Entitlements are checked when the recipient is a registered victim or household.
    checked: bool = False
    excess: list[entitlements.Excess] = field(default_factory=list)


async def record_many(
    session: AsyncSession,
    principal: Principal,
    records: Sequence[tuple[int, DistributionCreate]],
    *,
    source: Source,
) -> tuple[list[Outcome], dict[uuid.UUID, tuple[Distribution, list[DistributionLine]]]]:
    """Record each valid record, all in the caller's transaction, and say for each what became of it:
    created, already had (sync: same id, same content) or refused and why. Set-based: a handful of
    queries whatever the batch's size. Returns the outcomes in the records' order and what was created."""
    now = datetime.now(UTC)
    candidates: list[Candidate] = []
    first_of: dict[uuid.UUID, int] = {}
    duplicates: list[tuple[int, int]] = []
    for position, (index, record) in enumerate(records):
        record_id = record.id if isinstance(record, DistributionSyncRecord) else uuid.uuid4()
        outcome = Outcome(index=index, id=record_id)
        candidate = Candidate(
            position=position,
            record=record,
            outcome=outcome,
            digest=content_hash(record) if source == "sync" else None,
            distributed_at=record.distributed_at or now,
            lines=[(i.item_code, i.quantity) for i in record.items],
        )
        candidates.append(candidate)
        if record_id in first_of:
            duplicates.append((first_of[record_id], position))
            outcome.outcome = "already_had"  # settled at the end, from the first one's fate
            continue
        first_of[record_id] = position
        if candidate.distributed_at > now + CLOCK_SKEW:
            outcome.refuse(Invalid, "distributed_at", "distributed_at cannot be in the future")
        problem = recipient_problem(record)
        if problem:
            outcome.refuse(Invalid, *problem)

    if source == "sync":
        # A record stored once stays stored: it is answered first, whatever else holds now (the stock
        # may be gone, the disaster closed), and needs no more checks (a batch sent again costs
        # little). What is not here yet is looked at again after the locks, below.
        await _known(session, [candidates[p] for p in first_of.values()], settled=True)
    live = [candidates[p] for p in first_of.values() if candidates[p].outcome.open]
    await _look_up(session, principal, live, now)
    live = [c for c in live if c.outcome.open]

    # Locks, always in this order and each sorted: the recipients' entitlements, then the balances.
    await entitlements.lock(session, {(c.disaster.id, c.group) for c in live if c.checked and c.disaster})
    held = await warehouses.lock_balances(
        session, [(c.warehouse.id, item) for c in live if c.warehouse for item, _ in c.lines]
    )
    if source == "sync":
        # Read again after the locks: a twin batch that held them has committed by now, and is seen.
        await _known(session, live)
        live = [c for c in live if c.outcome.open]
    checked = [c for c in live if c.checked and c.disaster]
    book = await entitlements.book(
        session,
        {c.disaster.id: c.disaster for c in checked if c.disaster}.values(),
        {(c.disaster.id, c.group) for c in checked if c.disaster},
    )
    members = await victims.household_members(
        session, {(c.disaster.id, c.household_id) for c in checked if c.disaster and c.household_id}
    )

    # In the records' order: what the warehouse still holds and what the recipient may still get.
    remaining = dict(held)
    for c in live:
        assert c.disaster is not None and c.warehouse is not None
        short = next(
            (
                (i, item, qty)
                for i, (item, qty) in enumerate(c.lines)
                if remaining[(c.warehouse.id, item)] < qty
            ),
            None,
        )
        if short:
            index, item, qty = short
            c.outcome.refuse(
                InsufficientStock,
                f"items.{index}.quantity",
                f"{c.warehouse.name} holds {_n(remaining[(c.warehouse.id, item)])} of {item}, less than the "
                f"{_n(qty)} asked; nothing was distributed",
            )
            continue
        week = entitlements.week_of(c.disaster, c.distributed_at)
        if c.checked:
            size = members.get((c.disaster.id, c.household_id), 1) if c.household_id else 1
            c.excess = book.excess(c.disaster, c.group, size, week, c.lines, _who(c))
            if c.excess and not c.record.override_reason:
                c.outcome.refuse(
                    EntitlementExceeded,
                    f"items.{c.excess[0].index}.quantity",
                    "; ".join(e.message for e in c.excess)
                    + ". Send override_reason to hand it out anyway (it will be reviewed)",
                )
                continue
            if c.excess:
                c.outcome.finding = OVERRIDE_RULE
            book.give(c.disaster, c.group, week, c.lines)
        for item, qty in c.lines:
            remaining[(c.warehouse.id, item)] -= qty

    accepted = [c for c in live if c.outcome.open]
    created = await _write(session, principal, accepted, source, now)
    for first, later in duplicates:
        settle_duplicates(
            candidates[first].outcome,
            candidates[later].outcome,
            candidates[first].digest == candidates[later].digest,
        )
    return [c.outcome for c in candidates], created


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _who(c: Candidate) -> str:
    if c.household_id:
        return f"household {c.household_id}"
    return f"victim {c.victim.full_name}" if c.victim else "the recipient"


async def _known(session: AsyncSession, candidates: list[Candidate], *, settled: bool = False) -> None:
    """Answer the records already stored. `settled`: over any refusal found before (what is stored
    was accepted once, and stays)."""
    known = await repository.hashes_of(session, [c.outcome.id for c in candidates])  # type: ignore[misc]
    for c in candidates:
        if c.outcome.id in known:
            if settled:
                c.outcome.outcome, c.outcome.refusal = "created", None
            _already(c.outcome, known[c.outcome.id], c.digest)


def _already(outcome: Outcome, stored: str | None, sent: str | None) -> None:
    if stored is not None and stored == sent:
        outcome.outcome = "already_had"
    else:
        outcome.refuse(IdInUse, "id", f"id {outcome.id} was already used for a different distribution")


async def _look_up(session: AsyncSession, principal: Principal, live: list[Candidate], now: datetime) -> None:
    """Everything the records point to, a query per kind: disaster, warehouse, items, site, victim,
    household. Refuses the records whose references are unknown, out of scope or do not fit."""
    found_disasters = await disasters.readable_many(
        session, principal, list({c.record.disaster_id for c in live})
    )
    found_warehouses = await warehouses.readable_many(
        session, principal, list({c.record.warehouse_id for c in live})
    )
    items = await warehouses.known_items(session, list({item for c in live for item, _ in c.lines}))
    found_sites = await sites.readable_many(
        session, principal, [c.record.site_id for c in live if c.record.site_id]
    )
    found_victims = await victims.refs(
        session, principal, [c.record.victim_id for c in live if c.record.victim_id]
    )
    households = await victims.household_members(
        session,
        {
            (c.record.disaster_id, c.record.household_id)
            for c in live
            if c.record.household_id and not c.record.victim_id
        },
        principal,
    )
    for c in live:
        record, outcome = c.record, c.outcome
        c.disaster = found_disasters.get(record.disaster_id)
        c.warehouse = found_warehouses.get(record.warehouse_id)
        if c.disaster is None:
            outcome.refuse(NotFound, "disaster_id", f"no disaster {record.disaster_id} in your regions")
            continue
        if c.disaster.status == "closed":
            outcome.refuse(
                DisasterClosed, "disaster_id", f"{c.disaster.name} is closed; it takes no new records"
            )
        if c.warehouse is None:
            outcome.refuse(NotFound, "warehouse_id", f"no warehouse {record.warehouse_id} in your regions")
        if clock.local_date(c.distributed_at) < c.disaster.started_on:
            outcome.refuse(Invalid, "distributed_at", f"the disaster started on {c.disaster.started_on}")
        unknown = [item for item, _ in c.lines if item not in items]
        if unknown:
            outcome.refuse(Invalid, "items", f"not in the item catalogue: {', '.join(unknown)}")
        if record.site_id:
            site = found_sites.get(record.site_id)
            if site is None:
                outcome.refuse(NotFound, "site_id", f"no evacuation site {record.site_id} in your regions")
            elif site.disaster_id != c.disaster.id:
                outcome.refuse(Invalid, "site_id", "the site belongs to another disaster")
            elif site.status == "closed":
                outcome.refuse(SiteClosed, "site_id", f"{site.name} is closed")
        if record.victim_id:
            victim = found_victims.get(record.victim_id)
            if victim is None:
                outcome.refuse(NotFound, "victim_id", f"no victim {record.victim_id} in your regions")
            elif victim.disaster_id != c.disaster.id:
                outcome.refuse(Invalid, "victim_id", "the victim was registered for another disaster")
            elif victim.condition in victims.GONE:
                outcome.refuse(
                    RecipientGone,
                    "victim_id",
                    f"{victim.full_name} is recorded as {victim.condition}; aid for the family goes to "
                    "their household (household_id)",
                )
            elif record.household_id and record.household_id != victim.household_id:
                outcome.refuse(
                    Invalid, "household_id", f"{victim.full_name} is not in household {record.household_id}"
                )
            c.victim = victim
        elif record.household_id and (c.disaster.id, record.household_id) not in households:
            outcome.refuse(
                Invalid,
                "household_id",
                f"no victim of this disaster in your regions is in household {record.household_id}",
            )
    # A person or NIK who is a registered victim of the disaster counts as that victim.
    open_ = [c for c in live if c.outcome.open and c.victim is None and not c.record.household_id]
    by_nik, by_person = await victims.by_identity(
        session,
        niks=[(c.record.disaster_id, c.record.nik) for c in open_ if c.record.nik],
        person_ids=[(c.record.disaster_id, c.record.person_id) for c in open_ if c.record.person_id],
    )
    for c in live:
        record = c.record
        if c.victim is None and not record.household_id:
            c.victim = (
                by_person.get((record.disaster_id, record.person_id)) if record.person_id else None
            ) or (by_nik.get((record.disaster_id, record.nik)) if record.nik else None)
        c.household_id = record.household_id or (c.victim.household_id if c.victim else None)
        c.checked = c.victim is not None or c.household_id is not None
        if c.household_id:
            c.group = f"household:{c.household_id}"
        elif c.victim:
            c.group = f"victim:{c.victim.id}"
        elif record.person_id:
            c.group = f"person:{record.person_id}"
        else:
            c.group = f"nik:{record.nik}"


async def _write(
    session: AsyncSession, principal: Principal, accepted: list[Candidate], source: Source, now: datetime
) -> dict[uuid.UUID, tuple[Distribution, list[DistributionLine]]]:
    """Everything the accepted records leave behind, a statement per table. Returns the records (for
    the online POST's answer; empty for a batch)."""
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    deltas: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    for c in accepted:
        assert c.disaster is not None and c.warehouse is not None and c.outcome.id is not None
        record, victim = c.record, c.victim if c.record.victim_id else None
        rows.append(
            {
                "id": c.outcome.id,
                "disaster_id": c.disaster.id,
                "warehouse_id": c.warehouse.id,
                "site_id": record.site_id,
                "victim_id": record.victim_id,
                "household_id": c.household_id,
                # The recipient as the worker will look them up: from the victim when not given.
                "person_id": record.person_id or (victim.person_id if victim else None),
                "nik": record.nik or (victim.nik if victim else None),
                "full_name": record.full_name or (victim.full_name if victim else None),
                "region_code": c.warehouse.region_code,
                "entitlement_group": c.group,
                "override_reason": record.override_reason,
                "recorded_by": principal.sub,
                "distributed_at": c.distributed_at,
                "source": source,
                "content_hash": c.digest,
                "created_at": now,
            }
        )
        for item, qty in sorted(c.lines):
            lines.append({"distribution_id": c.outcome.id, "item_code": item, "quantity": qty})
            movements.append(
                {
                    "warehouse_id": c.warehouse.id,
                    "item_code": item,
                    "kind": "distribution",
                    "quantity": -qty,
                    "reference_id": c.outcome.id,
                    "recorded_by": principal.sub,
                    "recorded_at": now,
                }
            )
            deltas[(c.warehouse.id, item)] -= qty
        if c.outcome.finding:
            findings.append(
                {
                    "id": uuid.uuid4(),
                    "rule": OVERRIDE_RULE,
                    "subject_type": "distribution",
                    "subject_id": c.outcome.id,
                    "status": "open",
                    "detail": {
                        "override_reason": record.override_reason,
                        "recorded_by": principal.sub,
                        "excess": [{"item_code": e.item_code, "message": e.message} for e in c.excess],
                    },
                    "region_code": c.warehouse.region_code,
                    "opened_at": now,
                    "updated_at": now,
                }
            )
    inserted = await repository.insert_many(session, rows)
    if len(inserted) != len(rows):
        # Only a batch sending some of the same ids for other recipients at the same moment gets here.
        raise ConcurrentBatch(
            "another batch recorded some of these ids meanwhile; nothing was recorded, send again"
        )
    await repository.insert_lines(session, lines)
    await warehouses.record_movements(session, movements)
    if not await warehouses.apply_deltas(session, deltas):  # the locks make this unreachable
        raise InsufficientStock("the stock changed while recording; nothing was distributed, send again")
    await repository.open_findings(session, findings)
    payloads = _payloads(rows, lines)
    if source == "api":
        events = [envelope("distribution.recorded", p["distribution_id"], p) for p in payloads]
    else:
        events = []
        for start in range(0, len(payloads), EVENT_CHUNK):
            chunk = payloads[start : start + EVENT_CHUNK]
            batch_id = str(uuid.uuid4())
            events.append(
                envelope(
                    "distributions.synced",
                    batch_id,
                    {"batch_id": batch_id, "count": len(chunk), "distributions": chunk},
                )
            )
    await publish_many(session, events)
    if source == "sync":
        return {}  # the batch answers with outcomes only
    by_id: dict[uuid.UUID, list[DistributionLine]] = defaultdict(list)
    for line in lines:
        by_id[line["distribution_id"]].append(DistributionLine(**line))
    return {row["id"]: (Distribution(**row), by_id[row["id"]]) for row in rows}


def _payloads(rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_id[line["distribution_id"]].append(line)
    return [_payload(row, by_id[row["id"]]) for row in rows]


def _payload(row: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """What the worker needs to check a recipient (keys of `distribution.recorded`, kept stable)."""

    def text(value: object) -> str | None:
        return str(value) if value is not None else None

    return {
        "distribution_id": str(row["id"]),
        "disaster_id": str(row["disaster_id"]),
        "person_id": text(row["person_id"]),
        "nik": row["nik"],
        "full_name": row["full_name"],
        "region_code": row["region_code"],
        "distributed_at": row["distributed_at"].isoformat(),
        "items": [{"item_code": line["item_code"], "quantity": str(line["quantity"])} for line in lines],
        "victim_id": text(row["victim_id"]),
        "household_id": text(row["household_id"]),
        "site_id": text(row["site_id"]),
        "warehouse_id": str(row["warehouse_id"]),
        "source": row["source"],
        "override_reason": row["override_reason"],
    }


# --- The online POST: a batch of one ----------------------------------------------------------------


async def record(
    session: AsyncSession, principal: Principal, data: DistributionCreate, idempotency_key: str | None
) -> tuple[int, dict[str, Any]]:
    """Returns (status, body): 201 and the new record, or the first answer for a replayed key."""
    principal.require(*RECORDERS)
    problem = recipient_problem(data)
    if problem:
        raise Invalid(*problem)
    if idempotency_key:
        replay = await idempotency.claim(
            session,
            IdempotencyKey,
            key=idempotency_key,
            owner=principal.sub,
            route=ROUTE,
            body_hash=idempotency.request_hash(data.model_dump(mode="json")),
        )
        if replay is not None:
            return replay
    outcomes, created = await record_many(session, principal, [(0, data)], source="api")
    outcome = outcomes[0]
    if outcome.refusal:
        outcome.refusal.raise_()
    assert outcome.id is not None
    distribution, lines = created[outcome.id]
    body = to_read(distribution, lines, principal).model_dump(mode="json")
    if idempotency_key:
        await idempotency.remember(
            session, IdempotencyKey, key=idempotency_key, owner=principal.sub, status_code=201, response=body
        )
    return 201, body


async def sync(
    session: AsyncSession, principal: Principal, records: Sequence[tuple[int, DistributionSyncRecord]]
) -> list[Outcome]:
    principal.require(*RECORDERS)
    outcomes, _ = await record_many(session, principal, records, source="sync")
    return outcomes


# --- Reading ----------------------------------------------------------------------------------------


async def read(session: AsyncSession, principal: Principal, distribution_id: uuid.UUID) -> DistributionRead:
    principal.require(*READERS)
    distribution = await repository.get(session, principal, distribution_id)
    if distribution is None:
        raise NotFound(f"no distribution {distribution_id} in your regions")
    lines = await repository.lines_of(session, [distribution.id])
    access_log.unmasked(
        session, principal, [("distribution", distribution.id, distribution.person_id)], "read"
    )
    return to_read(distribution, lines[distribution.id], principal)


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    disaster_id: uuid.UUID | None,
    victim_id: uuid.UUID | None,
    household_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[DistributionRead]:
    principal.require(*READERS)
    rows, (total, more) = await repository.list_(
        session,
        principal,
        person_id=person_id,
        disaster_id=disaster_id,
        victim_id=victim_id,
        household_id=household_id,
        after=after_id(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    lines = await repository.lines_of(session, [d.id for d in page])
    access_log.unmasked(session, principal, [("distribution", d.id, d.person_id) for d in page], "search")
    return Page(
        items=[to_read(d, lines[d.id], principal) for d in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
        total=total,
        total_is_lower_bound=more,
    )


async def subject_scope(session: AsyncSession, distribution_id: uuid.UUID) -> str | None:
    distribution = await repository.scope_of(session, distribution_id)
    return distribution.region_code if distribution else None
