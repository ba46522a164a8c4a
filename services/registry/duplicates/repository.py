"""Queries for scans, candidate pairs, merges and aliases."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.registry.db import Finding
from services.registry.duplicates.models import (
    DuplicatePair,
    DuplicateScan,
    Merge,
    PairEvent,
    PersonAlias,
    ScanPartition,
)
from services.registry.people.models import Person
from shared.auth import Principal

WRITE_CHUNK = 2000


# ---- scans


def add(session: AsyncSession, *rows: Any) -> None:
    session.add_all(rows)


async def scan(session: AsyncSession, scan_id: uuid.UUID, *, lock: bool = False) -> DuplicateScan | None:
    query = select(DuplicateScan).where(DuplicateScan.id == scan_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def partition(
    session: AsyncSession, scan_id: uuid.UUID, code: str, *, lock: bool = False
) -> ScanPartition | None:
    query = select(ScanPartition).where(ScanPartition.scan_id == scan_id, ScanPartition.code == code)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def scan_totals(session: AsyncSession, scan_id: uuid.UUID) -> tuple[int, int, int]:
    """(partitions done, people scanned, pairs found)."""
    row = (
        await session.execute(
            select(
                func.count().filter(ScanPartition.status == "done"),
                func.coalesce(func.sum(ScanPartition.people), 0),
                func.coalesce(func.sum(ScanPartition.pairs), 0),
            ).where(ScanPartition.scan_id == scan_id)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


@dataclass(frozen=True)
class FoundPair:
    person_a: uuid.UUID
    person_b: uuid.UUID
    score: float
    decision: str
    evidence: dict[str, Any]


async def replace_partition_pairs(
    session: AsyncSession, *, scan_id: uuid.UUID, code: str, pairs: Sequence[FoundPair], actor: str
) -> int:
    """The partition's open pairs become exactly `pairs`: new ones are inserted (with a `found`
    event), those found again are updated, open ones this partition no longer finds are removed.
    A pair already judged (same_person, different_people) is never touched: it is not proposed again.
    Returns how many pairs are new."""
    now = datetime.now(UTC)
    kept: list[uuid.UUID] = []
    new: list[tuple[uuid.UUID, str]] = []
    for start in range(0, len(pairs), WRITE_CHUNK):
        chunk = pairs[start : start + WRITE_CHUNK]
        values = insert(DuplicatePair).values(
            [
                {
                    "id": uuid.uuid4(),
                    "person_a": p.person_a,
                    "person_b": p.person_b,
                    "score": p.score,
                    "decision": p.decision,
                    "status": "open",
                    "evidence": p.evidence,
                    "scan_id": scan_id,
                    "partition": code,
                    "found_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for p in chunk
            ]
        )
        statement = values.on_conflict_do_update(
            constraint="uq_duplicate_pairs_people",
            set_={
                "score": values.excluded.score,
                "decision": values.excluded.decision,
                "evidence": values.excluded.evidence,
                "scan_id": values.excluded.scan_id,
                "partition": values.excluded.partition,
                "updated_at": now,
            },
            where=DuplicatePair.status == "open",
        ).returning(DuplicatePair.id, DuplicatePair.decision, DuplicatePair.found_at == now)
        for pair_id, decision, inserted in await session.execute(statement):
            kept.append(pair_id)
            if inserted:
                new.append((pair_id, decision))
    stale = select(DuplicatePair.id).where(
        DuplicatePair.partition == code, DuplicatePair.status == "open", DuplicatePair.id.not_in(kept)
    )
    stale_ids = list((await session.scalars(stale)).all())
    for start in range(0, len(stale_ids), WRITE_CHUNK):
        gone = stale_ids[start : start + WRITE_CHUNK]
        await session.execute(delete(PairEvent).where(PairEvent.pair_id.in_(gone)))
        await session.execute(delete(DuplicatePair).where(DuplicatePair.id.in_(gone)))
    for start in range(0, len(new), WRITE_CHUNK):
        await session.execute(
            insert(PairEvent).values(
                [
                    {
                        "pair_id": pair_id,
                        "action": "found",
                        "actor": actor,
                        "at": now,
                        "from_status": None,
                        "to_status": "open",
                        "detail": {"scan_id": str(scan_id), "partition": code, "decision": decision},
                    }
                    for pair_id, decision in new[start : start + WRITE_CHUNK]
                ]
            )
        )
    return len(new)


async def open_nik_shared(
    session: AsyncSession, shared: dict[uuid.UUID, tuple[str, list[uuid.UUID]]]
) -> None:
    """The registry's finding `nik_shared` on each person whose NIK another, clearly different person
    carries too (keyed by rule and person, so re-scans never add a second)."""
    now = datetime.now(UTC)
    for person_id, (region_code, others) in shared.items():
        statement = insert(Finding).values(
            id=uuid.uuid4(),
            rule="nik_shared",
            subject_type="person",
            subject_id=person_id,
            status="open",
            detail={"shared_with": sorted(str(o) for o in others)},
            region_code=region_code,
            opened_at=now,
            updated_at=now,
        )
        await session.execute(
            statement.on_conflict_do_update(
                constraint="uq_findings_rule_subject",
                set_={
                    "detail": statement.excluded.detail,
                    "updated_at": now,
                    "status": "open",
                    "closed_at": None,
                },
                where=Finding.status != "resolved",
            )
        )


async def nik_shared_findings(session: AsyncSession, person_ids: Sequence[uuid.UUID]) -> list[Finding]:
    query = select(Finding).where(
        Finding.rule == "nik_shared", Finding.subject_id.in_(list(person_ids)), Finding.status == "open"
    )
    return list((await session.scalars(query.with_for_update())).all())


async def findings_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Finding]:
    return list((await session.scalars(select(Finding).where(Finding.id.in_(list(ids))))).all())


# ---- pairs

A = aliased(Person, name="person_a")
B = aliased(Person, name="person_b")


def _readable(principal: Principal) -> Any:
    """Pairs whose two people the caller may both see: a pair never shows someone out of scope."""
    return (
        select(DuplicatePair, A, B)
        .join(A, A.id == DuplicatePair.person_a)
        .join(B, B.id == DuplicatePair.person_b)
        .where(principal.region_filter(A.region_code), principal.region_filter(B.region_code))
    )


async def get(
    session: AsyncSession, principal: Principal, pair_id: uuid.UUID, *, lock: bool = False
) -> tuple[DuplicatePair, Person, Person] | None:
    query = _readable(principal).where(DuplicatePair.id == pair_id)
    if lock:
        query = query.with_for_update(of=DuplicatePair)
    row = (await session.execute(query)).first()
    return (row[0], row[1], row[2]) if row else None


async def search(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    min_score: float | None,
    region: str | None,
    after: tuple[float, uuid.UUID] | None,
    limit: int,
) -> list[tuple[DuplicatePair, Person, Person]]:
    query = _readable(principal)
    if min_score is not None:
        query = query.where(DuplicatePair.score >= min_score)
    if status:
        query = query.where(DuplicatePair.status == status)
    if status == "open":
        # A pair whose record was merged (through another pair) is no longer a question.
        query = query.where(A.status != "merged", B.status != "merged")
    if region:
        query = query.where(
            or_(
                A.region_code == region,
                A.region_code.startswith(region + ".", autoescape=True),
                B.region_code == region,
                B.region_code.startswith(region + ".", autoescape=True),
            )
        )
    if after:
        score, last = after
        query = query.where(
            or_(DuplicatePair.score < score, and_(DuplicatePair.score == score, DuplicatePair.id > last))
        )
    rows = await session.execute(query.order_by(DuplicatePair.score.desc(), DuplicatePair.id).limit(limit))
    return [(r[0], r[1], r[2]) for r in rows]


async def trail(session: AsyncSession, pair_id: uuid.UUID) -> list[PairEvent]:
    query = select(PairEvent).where(PairEvent.pair_id == pair_id).order_by(PairEvent.id)
    return list((await session.scalars(query)).all())


async def rejected_partners(
    session: AsyncSession, person_ids: Sequence[uuid.UUID] | set[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each person, the people an officer judged to be someone else."""
    ids = list(person_ids)
    query = select(DuplicatePair.person_a, DuplicatePair.person_b).where(
        DuplicatePair.status == "different_people",
        or_(DuplicatePair.person_a.in_(ids), DuplicatePair.person_b.in_(ids)),
    )
    out: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for a, b in await session.execute(query):
        out[a].add(b)
        out[b].add(a)
    return out


# ---- merges


async def lock_people(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Both people of a pair, locked in id order (two merges touching one person never deadlock)."""
    query = select(Person).where(Person.id.in_(sorted(ids))).order_by(Person.id).with_for_update()
    return {p.id: p for p in (await session.scalars(query)).all()}


async def active_merge(session: AsyncSession, pair_id: uuid.UUID) -> Merge | None:
    query = (
        select(Merge)
        .where(Merge.pair_id == pair_id, Merge.undone_at.is_(None))
        .order_by(Merge.at.desc())
        .limit(1)
        .with_for_update()
    )
    return await session.scalar(query)


async def survivor_of(session: AsyncSession, pair_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    query = select(Merge.pair_id, Merge.survivor_id).where(
        Merge.pair_id.in_(list(pair_ids)), Merge.undone_at.is_(None)
    )
    return {pair_id: survivor for pair_id, survivor in await session.execute(query)}


async def delete_aliases(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    await session.execute(delete(PersonAlias).where(PersonAlias.id.in_(list(ids))))


async def repoint(
    session: AsyncSession, model: Any, ids: Sequence[uuid.UUID | int], *, person_id: uuid.UUID, **values: Any
) -> None:
    if ids:
        await session.execute(
            update(model).where(model.id.in_(list(ids))).values(person_id=person_id, **values)
        )


async def rows_of(session: AsyncSession, model: Any, person_id: uuid.UUID) -> list[Any]:
    return list((await session.scalars(select(model).where(model.person_id == person_id))).all())


async def ids_of(session: AsyncSession, model: Any, person_id: uuid.UUID) -> list[Any]:
    return list((await session.scalars(select(model.id).where(model.person_id == person_id))).all())
