import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Integer, SmallInteger, String, bindparam, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.programs.models import Enrolment, Program
from services.programs.targeting.models import (
    TargetingCandidate,
    TargetingDecision,
    TargetingRule,
    TargetingRun,
)
from shared.auth import Principal


async def lock_program(session: AsyncSession, program_id: uuid.UUID) -> None:
    """Serialise rule versions of one program (the next version number is read, then written)."""
    await session.execute(select(Program.id).where(Program.id == program_id).with_for_update())


async def latest_version(session: AsyncSession, program_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.coalesce(func.max(TargetingRule.version), 0)).where(
                TargetingRule.program_id == program_id
            )
        )
        or 0
    )


async def rules(session: AsyncSession, program_id: uuid.UUID) -> Sequence[TargetingRule]:
    return (
        await session.scalars(
            select(TargetingRule)
            .where(TargetingRule.program_id == program_id)
            .order_by(TargetingRule.version)
        )
    ).all()


async def rule_version(session: AsyncSession, program_id: uuid.UUID, version: int) -> TargetingRule | None:
    return await session.scalar(
        select(TargetingRule).where(TargetingRule.program_id == program_id, TargetingRule.version == version)
    )


async def rule_in_effect(session: AsyncSession, program_id: uuid.UUID, on: date) -> TargetingRule | None:
    """The newest version whose period covers the day."""
    return await session.scalar(
        select(TargetingRule)
        .where(
            TargetingRule.program_id == program_id,
            TargetingRule.effective_from <= on,
            or_(TargetingRule.effective_to.is_(None), TargetingRule.effective_to >= on),
        )
        .order_by(TargetingRule.version.desc())
        .limit(1)
    )


async def get_run(session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False) -> TargetingRun | None:
    query = select(TargetingRun).where(TargetingRun.id == run_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def runs_of(session: AsyncSession, program_id: uuid.UUID) -> Sequence[TargetingRun]:
    return (
        await session.scalars(
            select(TargetingRun)
            .where(TargetingRun.program_id == program_id)
            .order_by(TargetingRun.requested_at.desc(), TargetingRun.id)
        )
    ).all()


async def clear_candidates(session: AsyncSession, run_id: uuid.UUID) -> None:
    await session.execute(delete(TargetingCandidate).where(TargetingCandidate.run_id == run_id))


_ADD_CANDIDATES = text(
    """
    INSERT INTO programs.targeting_candidates
        (run_id, person_id, rank, region_code, sex, age_group, welfare_decile, reasons, decision)
    SELECT :run_id, u.person_id, u.rank, u.region_code, u.sex, u.age_group, u.welfare_decile,
           u.reasons::jsonb, 'pending'
    FROM unnest(:person_ids, :ranks, :regions, :sexes, :age_groups, :deciles, :reasons)
         AS u(person_id, rank, region_code, sex, age_group, welfare_decile, reasons)
    ON CONFLICT DO NOTHING
    """
).bindparams(
    bindparam("run_id", type_=UUID(as_uuid=True)),
    bindparam("person_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("ranks", type_=ARRAY(Integer)),
    bindparam("regions", type_=ARRAY(String)),
    bindparam("sexes", type_=ARRAY(String)),
    bindparam("age_groups", type_=ARRAY(String)),
    bindparam("deciles", type_=ARRAY(SmallInteger)),
    bindparam("reasons", type_=ARRAY(String)),
)


async def add_candidates(session: AsyncSession, run_id: uuid.UUID, columns: dict[str, list[Any]]) -> None:
    """One statement for a whole batch (arrays unnested), idempotent: a batch sent twice (the worker
    retried) lands once. `reasons` are JSON texts."""
    await session.execute(_ADD_CANDIDATES, {"run_id": run_id, **columns})


async def candidate_count(session: AsyncSession, run_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(TargetingCandidate.run_id == run_id)) or 0)


async def candidates(
    session: AsyncSession,
    principal: Principal,
    run_id: uuid.UUID,
    *,
    decision: str | None,
    after_rank: int | None,
    limit: int,
) -> Sequence[TargetingCandidate]:
    query = select(TargetingCandidate).where(
        TargetingCandidate.run_id == run_id, principal.region_filter(TargetingCandidate.region_code)
    )
    if decision:
        query = query.where(TargetingCandidate.decision == decision)
    if after_rank is not None:
        query = query.where(TargetingCandidate.rank > after_rank)
    return (await session.scalars(query.order_by(TargetingCandidate.rank).limit(limit))).all()


async def candidate(
    session: AsyncSession, run_id: uuid.UUID, person_id: uuid.UUID, *, lock: bool = False
) -> TargetingCandidate | None:
    query = select(TargetingCandidate).where(
        TargetingCandidate.run_id == run_id, TargetingCandidate.person_id == person_id
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def add_decision(session: AsyncSession, decision: TargetingDecision) -> None:
    session.add(decision)


async def decisions(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID
) -> Sequence[TargetingDecision]:
    # A decision is in scope where its candidate is.
    return (
        await session.scalars(
            select(TargetingDecision)
            .join(
                TargetingCandidate,
                (TargetingCandidate.run_id == TargetingDecision.run_id)
                & (TargetingCandidate.person_id == TargetingDecision.person_id),
            )
            .where(
                TargetingDecision.run_id == run_id, principal.region_filter(TargetingCandidate.region_code)
            )
            .order_by(TargetingDecision.decided_at, TargetingDecision.id)
        )
    ).all()


async def candidate_cells(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID
) -> Sequence[tuple[str, str | None, str, int, int]]:
    """(district, sex, age group, candidates, accepted) of the run, in the caller's scope."""
    district = func.left(TargetingCandidate.region_code, 8)
    rows = await session.execute(
        select(
            district,
            TargetingCandidate.sex,
            TargetingCandidate.age_group,
            func.count(),
            func.count().filter(TargetingCandidate.decision == "accepted"),
        )
        .where(TargetingCandidate.run_id == run_id, principal.region_filter(TargetingCandidate.region_code))
        .group_by(district, TargetingCandidate.sex, TargetingCandidate.age_group)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


async def enrolled_people(
    session: AsyncSession, program_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.execute(
        select(Enrolment.program_id, Enrolment.person_id)
        .where(Enrolment.program_id.in_(program_ids))
        .distinct()
    )
    out: dict[uuid.UUID, list[uuid.UUID]] = {p: [] for p in program_ids}
    for program_id, person_id in rows:
        out[program_id].append(person_id)
    return out
