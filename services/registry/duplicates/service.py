"""Rules for duplicates: asking for a scan (partitioned by region, run by the worker), listing the
candidate pairs, and an officer's decision on a pair (merge, or two people), each audited and undoable."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.db import SERVICE, OutboxEvent
from services.registry.duplicates import merging, permissions, repository
from services.registry.duplicates.exceptions import (
    CannotUndo,
    PairAlreadyResolved,
    PairNotFound,
    ScanNotFound,
)
from services.registry.duplicates.models import DuplicatePair, DuplicateScan, PairEvent, ScanPartition
from services.registry.duplicates.schemas import (
    PairEventRead,
    PairRead,
    PairSide,
    ResolveRequest,
    ScanRead,
)
from services.registry.history import service as history
from services.registry.matching import repository as matching_repository
from services.registry.matching import service as matching
from services.registry.matching.schemas import Evidence
from services.registry.matching.settings import settings
from services.registry.people.models import Person
from services.registry.regions import service as regions
from shared.auth import Principal
from shared.errors import Forbidden, Invalid
from shared.events import EventEnvelope, publish
from shared.pagination import Page, decode_cursor, encode_cursor

SCAN_REQUESTED = "duplicates.scan_requested"


# ---- scans


async def partitions_for(session: AsyncSession, principal: Principal, region: str | None) -> list[str]:
    """One partition per regency; a regency bigger than the configured size, one per district; a
    district or village asked for, itself."""
    if region and len(region) >= 8:
        return [region]
    limit = settings().partition_people
    codes: list[str] = []
    for code, people in await matching_repository.region_sizes(session, principal, region, 5):
        if people <= limit:
            codes.append(code)
        else:
            codes.extend(c for c, _ in await matching_repository.region_sizes(session, principal, code, 8))
    return codes


async def request_scan(session: AsyncSession, principal: Principal, region: str | None) -> ScanRead:
    permissions.require_review(principal)
    if region is not None:
        if not await regions.exists(session, region):
            raise Invalid("region", f"{region} is not a Kemendagri region code")
        if not principal.covers_region(region):
            raise Forbidden(f"region {region} is outside your regions")
    codes = await partitions_for(session, principal, region)
    _, model_row = await matching.current_model(session)
    now = datetime.now(UTC)
    scan = DuplicateScan(
        id=uuid.uuid4(),
        region=region,
        status="running" if codes else "done",
        requested_by=principal.sub,
        requester_regions=[] if principal.unscoped else list(principal.regions),
        model_id=model_row.id if model_row else None,
        partitions_total=len(codes),
        created_at=now,
        finished_at=None if codes else now,
    )
    repository.add(session, scan)
    await session.flush()
    repository.add(session, *(ScanPartition(scan_id=scan.id, code=c, status="pending") for c in codes))
    if codes:
        publish(
            session,
            OutboxEvent,
            EventEnvelope(
                type=SCAN_REQUESTED,
                source=SERVICE,
                subject=str(scan.id),
                payload={"scan_id": str(scan.id), "region": region, "partitions": codes},
            ),
        )
    await session.flush()
    return await _scan_read(session, scan)


async def _scan_read(session: AsyncSession, scan: DuplicateScan) -> ScanRead:
    done, people, pairs = await repository.scan_totals(session, scan.id)
    return ScanRead(
        id=scan.id,
        region=scan.region,
        status=scan.status,  # type: ignore[arg-type]
        partitions_total=scan.partitions_total,
        partitions_done=done,
        progress=round(done / scan.partitions_total, 4) if scan.partitions_total else 1.0,
        people_scanned=people,
        pairs_found=pairs,
        requested_by=scan.requested_by,
        model_id=scan.model_id,
        created_at=scan.created_at,
        finished_at=scan.finished_at,
    )


async def read_scan(session: AsyncSession, principal: Principal, scan_id: uuid.UUID) -> ScanRead:
    permissions.require_read(principal)
    scan = await repository.scan(session, scan_id)
    # A scan is visible to whoever may see its whole region.
    if scan is None or not (
        principal.unscoped
        or (scan.region and principal.covers_region(scan.region))
        or (
            not scan.region
            and scan.requester_regions
            and all(principal.covers_region(r) for r in scan.requester_regions)
        )
    ):
        raise ScanNotFound(f"no scan {scan_id} that you may see")
    return await _scan_read(session, scan)


# ---- pairs


def _side(person: Person) -> PairSide:
    return PairSide(
        person_id=person.id,
        id_dtks=person.id_dtks,
        full_name=person.full_name,
        region_code=person.region_code,
        status=person.status,
    )


def _read(
    pair: DuplicatePair,
    a: Person,
    b: Person,
    survivor: uuid.UUID | None = None,
    trail: list[PairEvent] | None = None,
) -> PairRead:
    return PairRead(
        id=pair.id,
        score=pair.score,
        decision=pair.decision,  # type: ignore[arg-type]
        status=pair.status,  # type: ignore[arg-type]
        a=_side(a),
        b=_side(b),
        evidence=Evidence.model_validate(pair.evidence),
        found_at=pair.found_at,
        updated_at=pair.updated_at,
        resolved_by=pair.resolved_by,
        resolved_at=pair.resolved_at,
        survivor_id=survivor,
        trail=[PairEventRead.model_validate(e) for e in trail] if trail is not None else None,
    )


async def list_pairs(
    session: AsyncSession,
    principal: Principal,
    *,
    min_score: float | None,
    status: str | None,
    region: str | None,
    limit: int,
    cursor: str | None,
) -> Page[PairRead]:
    permissions.require_read(principal)
    raw = decode_cursor(cursor, 2)
    try:
        after = (float(raw[0]), uuid.UUID(raw[1])) if raw else None
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None
    rows = await repository.search(
        session,
        principal,
        status=status,
        min_score=min_score,
        region=region,
        after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    survivors = await repository.survivor_of(session, [p.id for p, _, _ in page if p.status == "same_person"])
    next_cursor = encode_cursor([repr(page[-1][0].score), page[-1][0].id]) if len(rows) > limit else None
    return Page(items=[_read(p, a, b, survivors.get(p.id)) for p, a, b in page], next_cursor=next_cursor)


async def read_pair(session: AsyncSession, principal: Principal, pair_id: uuid.UUID) -> PairRead:
    permissions.require_read(principal)
    found = await repository.get(session, principal, pair_id)
    if found is None:
        raise PairNotFound(f"no duplicate pair {pair_id} in your regions")
    pair, a, b = found
    survivors = await repository.survivor_of(session, [pair.id])
    return _read(pair, a, b, survivors.get(pair.id), await repository.trail(session, pair.id))


def _trail(
    session: AsyncSession,
    pair: DuplicatePair,
    principal: Principal,
    action: str,
    before: str,
    **detail: object,
) -> None:
    repository.add(
        session,
        PairEvent(
            pair_id=pair.id,
            action=action,
            actor=principal.sub,
            at=datetime.now(UTC),
            from_status=before,
            to_status=pair.status,
            detail={k: v for k, v in detail.items() if v is not None},
        ),
    )


async def resolve(
    session: AsyncSession, principal: Principal, pair_id: uuid.UUID, body: ResolveRequest
) -> PairRead:
    permissions.require_review(principal)
    found = await repository.get(session, principal, pair_id, lock=True)
    if found is None:
        raise PairNotFound(f"no duplicate pair {pair_id} in your regions")
    pair, a, b = found
    if pair.status != "open":
        raise PairAlreadyResolved(f"this pair was already resolved as {pair.status} by {pair.resolved_by}")
    people = await repository.lock_people(session, [a.id, b.id])
    a, b = people[a.id], people[b.id]
    for person in (a, b):
        if person.status == "merged":
            raise PairAlreadyResolved(f"{person.id} was merged into {person.merged_into} meanwhile")
    now = datetime.now(UTC)
    survivor_id = None
    if body.decision == "same_person":
        if body.survivor_id is not None and body.survivor_id not in (a.id, b.id):
            raise Invalid("survivor_id", "the survivor must be one of the pair's two people")
        survivor = (
            (a if body.survivor_id == a.id else b) if body.survivor_id else merging.choose_survivor(a, b)
        )
        other = b if survivor is a else a
        pair.status = "same_person"
        record = await merging.merge(session, pair=pair, survivor=survivor, other=other, actor=principal.sub)
        survivor_id = survivor.id
        detail = {"survivor_id": str(survivor.id), "merged_id": str(other.id), "merge_id": str(record.id)}
    else:
        pair.status = "different_people"
        for me, them in ((a, b), (b, a)):
            history.record(
                session,
                entity_type="person",
                entity_id=me.id,
                person_id=me.id,
                action="not_duplicate",
                actor=principal.sub,
                before=None,
                after={"different_from": str(them.id), "pair_id": str(pair.id)},
            )
        detail = {}
    pair.resolved_by, pair.resolved_at, pair.updated_at = principal.sub, now, now
    pair.version += 1
    _trail(session, pair, principal, body.decision, "open", note=body.note, **detail)
    await session.flush()
    return _read(pair, a, b, survivor_id, await repository.trail(session, pair.id))


async def undo(session: AsyncSession, principal: Principal, pair_id: uuid.UUID, note: str | None) -> PairRead:
    permissions.require_review(principal)
    found = await repository.get(session, principal, pair_id, lock=True)
    if found is None:
        raise PairNotFound(f"no duplicate pair {pair_id} in your regions")
    pair, a, b = found
    before = pair.status
    detail: dict[str, object] = {}
    if before == "same_person":
        record = await repository.active_merge(session, pair.id)
        if record is None:
            raise CannotUndo("no merge of this pair to undo")
        kept = await merging.unmerge(session, record=record, actor=principal.sub)
        detail = {"merge_id": str(record.id), "kept_changed_since": kept or None}
    elif before == "different_people":
        for me, them in ((a, b), (b, a)):
            history.record(
                session,
                entity_type="person",
                entity_id=me.id,
                person_id=me.id,
                action="not_duplicate_undone",
                actor=principal.sub,
                before={"different_from": str(them.id), "pair_id": str(pair.id)},
                after=None,
            )
    else:
        raise CannotUndo("the pair is open: there is no decision to undo")
    now = datetime.now(UTC)
    pair.status, pair.resolved_by, pair.resolved_at, pair.updated_at = "open", None, None, now
    pair.version += 1
    _trail(session, pair, principal, "undo", before, note=note, **detail)
    await session.flush()
    await session.refresh(a)
    await session.refresh(b)
    return _read(pair, a, b, None, await repository.trail(session, pair.id))
