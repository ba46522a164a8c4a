"""One partition of a duplicate scan, run inside the registry when the worker asks: read the
partition's people (and those elsewhere who share a NIK or KK with them), link them in a thread,
store the pairs worth an officer's look, flag NIKs shared by different people."""

import asyncio
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.duplicates import repository
from services.registry.duplicates.exceptions import ScanNotFound
from services.registry.duplicates.repository import FoundPair
from services.registry.duplicates.schemas import PartitionRead
from services.registry.matching import linkage
from services.registry.matching import repository as matching_repository
from services.registry.matching import service as matching
from services.registry.matching.model import NIK_SHARED
from services.registry.matching.settings import settings
from shared.auth import Principal


async def run_partition(
    session: AsyncSession, principal: Principal, scan_id: uuid.UUID, code: str
) -> PartitionRead:
    """Idempotent: a partition run again replaces its pairs (repository.replace_partition_pairs)."""
    principal.require_exactly("service")
    # Locked: two deliveries of one partition's job run one after the other, never interleaved.
    part = await repository.partition(session, scan_id, code, lock=True)
    if part is None:
        raise ScanNotFound(f"no partition {code} in scan {scan_id}")
    started = time.perf_counter()
    thresholds = settings().thresholds()
    model, _ = await matching.current_model(session)
    inside = await matching_repository.region_people(session, code)
    outside = await matching_repository.sharing_identifiers(
        session,
        code,
        sorted({r.nik for r in inside if r.nik}),
        sorted({r.kk_number for r in inside if r.kk_number}),
    )
    rows = inside + outside
    records = [matching.rec_of_row(r) for r in rows]
    linked = await asyncio.to_thread(
        linkage.link, records, model, inside=len(inside), keep_from=thresholds.possible
    )
    found: dict[tuple[uuid.UUID, uuid.UUID], FoundPair] = {}
    shared: dict[uuid.UUID, tuple[str, list[uuid.UUID]]] = {}
    for pair in linked.pairs:
        x, y = records[pair.i], records[pair.j]
        if x.ref > y.ref:
            x, y = y, x
        evidence = matching.evidence_of(model, pair.levels, x, y, pair.flags, matching.log_odds(pair.score))
        found[(x.ref, y.ref)] = FoundPair(
            person_a=x.ref,
            person_b=y.ref,
            score=round(pair.score, 6),
            decision=thresholds.decide(pair.score, pair.flags),
            evidence=evidence.model_dump(mode="json"),
        )
        if NIK_SHARED in pair.flags:
            for me, other in ((x, y), (y, x)):
                shared.setdefault(me.ref, (me.region, []))[1].append(other.ref)
    await repository.replace_partition_pairs(
        session, scan_id=scan_id, code=code, pairs=list(found.values()), actor=principal.sub
    )
    if shared:
        await repository.open_nik_shared(session, shared)
    part.status = "done"
    part.people = len(inside)
    part.compared = linked.compared
    part.pairs = len(found)
    part.runs += 1
    part.seconds = round(time.perf_counter() - started, 2)
    part.finished_at = datetime.now(UTC)
    await session.flush()
    # The scan row is locked before counting, so that of two partitions finishing together the
    # second sees the first's commit and marks the scan done.
    scan = await repository.scan(session, scan_id, lock=True)
    if scan is not None and scan.finished_at is None:
        done, _, _ = await repository.scan_totals(session, scan_id)
        if done >= scan.partitions_total:
            scan.status, scan.finished_at = "done", datetime.now(UTC)
    await session.flush()
    return PartitionRead.model_validate(part)
