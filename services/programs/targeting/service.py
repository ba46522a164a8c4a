"""Targeting: a program's eligibility rule as data, runs that compute the candidate list in the worker,
explanations, officers' decisions (accepted candidates become real enrolments), fairness figures."""

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.programs import service as programs_service
from services.programs.programs.schemas import EnrolmentCreate
from services.programs.targeting import permissions, repository
from services.programs.targeting.exceptions import (
    AlreadyAccepted,
    NoRuleInEffect,
    RunAlreadyComputed,
    RunNotReady,
)
from services.programs.targeting.models import (
    TargetingCandidate,
    TargetingDecision,
    TargetingRule,
    TargetingRun,
)
from services.programs.targeting.schemas import (
    AcceptCandidate,
    BulkAccept,
    BulkResult,
    CandidateBatch,
    CandidateRead,
    DecisionRead,
    EnrolledPeople,
    Explanation,
    FairnessRead,
    FairnessRow,
    ReasonRead,
    Refusal,
    RuleCreate,
    RuleRead,
    RunCreate,
    RunOutcome,
    RunRead,
    RunSpec,
)
from shared import clock
from shared import targeting_rules as rules
from shared.auth import Principal
from shared.errors import AppError, Forbidden, Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, after_int, encode_cursor

RUN_REQUESTED = "targeting_run.requested"
RUN_FINISHED = "targeting_run.finished"
CANDIDATE_DECIDED = "targeting_candidate.decided"
# The four-fifths rule: a group selected at under 0.8 (or over 1.25) times the overall rate stands out.
FAIR_LOW, FAIR_HIGH = 0.8, 1.25

# The registry's targeting record of one person, or None when the registry does not know them.
PersonLookup = Callable[[uuid.UUID], Awaitable[dict[str, Any] | None]]


# ---- rules ----------------------------------------------------------------------------------------


def check_rule(data: RuleCreate) -> None:
    """Every rule part the evaluator could not run is a 422 naming it."""
    try:
        rules.validate_condition(data.condition)
        rules.validate_priority(data.priority)
        rules.validate_quota(data.quota)
    except rules.RuleError as exc:
        raise Invalid(exc.path, exc.message) from None
    if data.effective_to is not None and data.effective_to < data.effective_from:
        raise Invalid("effective_to", "effective_to cannot be before effective_from")


async def create_rule(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, data: RuleCreate
) -> RuleRead:
    principal.require(*permissions.PLANNERS)
    program = await programs_service.get_or_raise(session, principal, program_id)
    check_rule(data)
    await repository.lock_program(session, program.id)
    rule = TargetingRule(
        id=uuid.uuid4(),
        program_id=program.id,
        version=await repository.latest_version(session, program.id) + 1,
        description=data.description,
        condition=data.condition,
        priority=data.priority,
        quota=data.quota,
        age_on=data.age_on or data.effective_from,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        created_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(rule)
    await session.flush()
    return RuleRead.model_validate(rule)


async def list_rules(session: AsyncSession, principal: Principal, program_id: uuid.UUID) -> list[RuleRead]:
    principal.require(*permissions.READERS)
    program = await programs_service.get_or_raise(session, principal, program_id)
    return [RuleRead.model_validate(r) for r in await repository.rules(session, program.id)]


# ---- runs -----------------------------------------------------------------------------------------


async def request_run(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, data: RunCreate
) -> RunRead:
    principal.require(*permissions.PLANNERS)
    program = await programs_service.get_or_raise(session, principal, program_id)
    region = data.region_code or program.region_code
    if not (region == program.region_code or region.startswith(program.region_code + ".")):
        raise Invalid("region_code", f"the program serves {program.region_code} only")
    if not principal.covers_region(region):
        raise Forbidden(f"region_code {region} is outside your regions")
    if data.rule_version is not None:
        rule = await repository.rule_version(session, program.id, data.rule_version)
        if rule is None:
            raise Invalid("rule_version", f"the program has no rule version {data.rule_version}")
    else:
        on = data.as_of or clock.today()
        rule = await repository.rule_in_effect(session, program.id, on)
        if rule is None:
            raise NoRuleInEffect(f"no targeting rule of program {program.code} is in effect on {on}")
    run = TargetingRun(
        id=uuid.uuid4(),
        program_id=program.id,
        rule_id=rule.id,
        rule_version=rule.version,
        region_code=region,
        status="requested",
        requested_by=principal.sub,
        requested_at=datetime.now(UTC),
    )
    session.add(run)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type=RUN_REQUESTED,
            source=SERVICE,
            subject=str(run.id),
            payload={"run_id": str(run.id), "program_id": str(program.id), "rule_version": rule.version},
        ),
    )
    await session.flush()
    return RunRead.model_validate(run)


async def _visible_run(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> TargetingRun:
    run = await repository.get_run(session, run_id)
    if run is None or not permissions.sees_region(principal, run.region_code):
        raise NotFound(f"no targeting run {run_id} in your scope")
    return run


async def get_run(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> RunRead:
    principal.require(*permissions.READERS)
    return RunRead.model_validate(await _visible_run(session, principal, run_id))


async def list_runs(session: AsyncSession, principal: Principal, program_id: uuid.UUID) -> list[RunRead]:
    principal.require(*permissions.READERS)
    program = await programs_service.get_or_raise(session, principal, program_id)
    return [RunRead.model_validate(r) for r in await repository.runs_of(session, program.id)]


def _reasons(reasons: list[dict[str, Any]], principal: Principal) -> list[ReasonRead]:
    """Ages, disability and PPKS are specific personal data: without pii:read, only whether the
    condition was met shows, not the person's value."""
    return [
        ReasonRead(
            **{**r, "actual": None} if r["attribute"] in rules.SENSITIVE and not principal.can_read_pii else r
        )
        for r in reasons
    ]


def _candidate(row: TargetingCandidate, condition: dict[str, Any], principal: Principal) -> CandidateRead:
    return CandidateRead(
        person_id=row.person_id,
        rank=row.rank,
        region_code=row.region_code,
        sex=row.sex,
        age_group=row.age_group,
        welfare_decile=row.welfare_decile,
        reasons=_reasons(rules.expand(condition, row.reasons), principal),
        decision=row.decision,  # type: ignore[arg-type]
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        enrolment_id=row.enrolment_id,
    )


async def list_candidates(
    session: AsyncSession,
    principal: Principal,
    run_id: uuid.UUID,
    *,
    decision: str | None,
    limit: int,
    cursor: str | None,
) -> Page[CandidateRead]:
    principal.require(*permissions.READERS)
    run = await _visible_run(session, principal, run_id)
    rows = await repository.candidates(
        session, principal, run.id, decision=decision, after_rank=after_int(cursor), limit=limit + 1
    )
    page = rows[:limit]
    condition = (await _rule_of(session, run)).condition
    return Page(
        items=[_candidate(r, condition, principal) for r in page],
        next_cursor=encode_cursor([page[-1].rank]) if len(rows) > limit else None,
    )


async def _rule_of(session: AsyncSession, run: TargetingRun) -> TargetingRule:
    rule = await session.get(TargetingRule, run.rule_id)
    assert rule is not None  # a run's rule is never deleted (foreign key)
    return rule


async def explain(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, person_id: uuid.UUID, lookup: PersonLookup
) -> Explanation:
    principal.require(*permissions.READERS)
    run = await _visible_run(session, principal, run_id)
    row = await repository.candidate(session, run.id, person_id)
    if row is not None and principal.covers_region(row.region_code):
        return Explanation(
            run_id=run.id,
            person_id=person_id,
            qualified=True,
            candidate=True,
            rank=row.rank,
            decision=row.decision,  # type: ignore[arg-type]
            reasons=_reasons(rules.expand((await _rule_of(session, run)).condition, row.reasons), principal),
            note=f"a candidate at rank {row.rank} of the run",
            registry_changed_since_run=None,
        )
    if run.status != "completed":
        raise RunNotReady(f"run {run.id} is {run.status}")
    person = await lookup(person_id)
    # A person outside the caller's regions is as unknown to them as one the registry lacks.
    if person is None or not principal.covers_region(person.get("region")):
        raise NotFound(f"no person {person_id} in your scope")
    changed = _changed_since(person, run)
    if person.get("status") != "active":
        return _not_candidate(
            run, person_id, [], f"not active in the registry ({person.get('status')})", changed
        )
    region = person.get("region") or ""
    if not (region == run.region_code or region.startswith(run.region_code + ".")):
        return _not_candidate(
            run, person_id, [], f"registered in {region}, outside the run's {run.region_code}", changed
        )
    rule = await _rule_of(session, run)
    named = rules.programs_named(rule.condition)
    enrolled: frozenset[str] = frozenset()
    if named:
        by_program = await repository.enrolled_people(session, [uuid.UUID(p) for p in named])
        enrolled = frozenset(str(p) for p, people in by_program.items() if person_id in people)
    qualified, reasons = rules.explain(rule.condition, person, enrolled, rule.age_on)
    listed = _reasons([r.as_dict() for r in reasons], principal)
    if not qualified:
        note = "does not meet the rule: the conditions listed are not met"
        return _not_candidate(run, person_id, listed, note, changed)
    quota = rule.quota
    key = rules.quota_region(region, quota) if quota else ""
    if quota and not changed and rules.quota_limit(key, quota) is not None:
        note = (
            f"meets the rule but was left out: the quota of {key} ({rules.quota_limit(key, quota)}) was full"
        )
    elif changed:
        note = "meets the rule now; the registry record changed after the run's snapshot"
    else:
        note = "meets the rule now but was not on the list: their enrolments changed after the run"
    return _not_candidate(run, person_id, listed, note, changed, qualified=True)


def _changed_since(person: dict[str, Any], run: TargetingRun) -> bool | None:
    updated = person.get("updated_at")
    if not updated or run.snapshot_at is None:
        return None
    return datetime.fromisoformat(updated) > run.snapshot_at


def _not_candidate(
    run: TargetingRun,
    person_id: uuid.UUID,
    reasons: list[ReasonRead],
    note: str,
    changed: bool | None,
    *,
    qualified: bool = False,
) -> Explanation:
    return Explanation(
        run_id=run.id,
        person_id=person_id,
        qualified=qualified,
        candidate=False,
        rank=None,
        decision=None,
        reasons=reasons,
        note=note,
        registry_changed_since_run=changed,
    )


# ---- decisions ------------------------------------------------------------------------------------


async def _decidable(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, person_id: uuid.UUID
) -> tuple[TargetingRun, TargetingCandidate]:
    principal.require(*permissions.PLANNERS)
    run = await _visible_run(session, principal, run_id)
    if run.status != "completed":
        raise RunNotReady(f"run {run.id} is {run.status}")
    row = await repository.candidate(session, run.id, person_id, lock=True)
    if row is None or not principal.covers_region(row.region_code):
        raise NotFound(f"person {person_id} is not a candidate of run {run.id} in your scope")
    return run, row


def _record(
    session: AsyncSession,
    principal: Principal,
    run: TargetingRun,
    row: TargetingCandidate,
    reason: str | None,
) -> None:
    now = datetime.now(UTC)
    row.decision_reason, row.decided_by, row.decided_at = reason, principal.sub, now
    session.add(
        TargetingDecision(
            id=uuid.uuid4(),
            run_id=run.id,
            person_id=row.person_id,
            action=row.decision,
            reason=reason,
            enrolment_id=row.enrolment_id,
            decided_by=principal.sub,
            decided_at=now,
        )
    )
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type=CANDIDATE_DECIDED,
            source=SERVICE,
            subject=f"{run.id}/{row.person_id}",
            payload={
                "run_id": str(run.id),
                "program_id": str(run.program_id),
                "person_id": str(row.person_id),
                "region_code": row.region_code,
                "decision": row.decision,
                "enrolment_id": str(row.enrolment_id) if row.enrolment_id else None,
            },
        ),
    )


async def _accept(
    session: AsyncSession,
    principal: Principal,
    run: TargetingRun,
    row: TargetingCandidate,
    data: AcceptCandidate,
) -> CandidateRead:
    if row.decision == "accepted":
        raise AlreadyAccepted(
            f"accepted by {row.decided_by} at {row.decided_at} (enrolment {row.enrolment_id})"
        )
    # A real enrolment, with every rule of enrolments (period in the program's year, no overlap).
    enrolment = await programs_service.enrol(
        session,
        principal,
        run.program_id,
        EnrolmentCreate(
            person_id=row.person_id,
            region_code=row.region_code,
            period_start=data.period_start,
            period_end=data.period_end,
        ),
    )
    row.decision, row.enrolment_id = "accepted", enrolment.id
    _record(session, principal, run, row, None)
    await session.flush()
    return _candidate(row, (await _rule_of(session, run)).condition, principal)


async def accept(
    session: AsyncSession,
    principal: Principal,
    run_id: uuid.UUID,
    person_id: uuid.UUID,
    data: AcceptCandidate,
) -> CandidateRead:
    run, row = await _decidable(session, principal, run_id, person_id)
    return await _accept(session, principal, run, row, data)


async def accept_many(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, data: BulkAccept
) -> BulkResult:
    """Each person on their own: one already enrolled is refused with its reason, the rest go in."""
    principal.require(*permissions.PLANNERS)
    run = await _visible_run(session, principal, run_id)
    if run.status != "completed":
        raise RunNotReady(f"run {run.id} is {run.status}")
    accepted, refused = [], []
    for person_id in dict.fromkeys(data.person_ids):
        try:
            async with session.begin_nested():
                _, row = await _decidable(session, principal, run_id, person_id)
                accepted.append(await _accept(session, principal, run, row, data))
        except AppError as exc:
            refused.append(Refusal(person_id=person_id, problem=exc.problem, detail=exc.detail))
    return BulkResult(accepted=accepted, refused=refused)


async def exclude(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, person_id: uuid.UUID, reason: str
) -> CandidateRead:
    run, row = await _decidable(session, principal, run_id, person_id)
    if row.decision == "accepted":
        raise AlreadyAccepted(f"enrolled as {row.enrolment_id}: end the enrolment instead")
    row.decision = "excluded"
    _record(session, principal, run, row, reason)
    await session.flush()
    return _candidate(row, (await _rule_of(session, run)).condition, principal)


async def decisions(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> list[DecisionRead]:
    principal.require(*permissions.READERS)
    run = await _visible_run(session, principal, run_id)
    return [DecisionRead.model_validate(d) for d in await repository.decisions(session, principal, run.id)]


# ---- fairness -------------------------------------------------------------------------------------


def _row(group: str, counts: list[int], overall_rate: float | None) -> FairnessRow:
    population, eligible, candidates, accepted = counts
    rate = candidates / eligible if eligible else None
    ratio = rate / overall_rate if rate is not None and overall_rate else None
    return FairnessRow(
        group=group,
        population=population,
        eligible=eligible,
        candidates=candidates,
        accepted=accepted,
        candidate_rate=round(rate, 4) if rate is not None else None,
        selection_ratio=round(ratio, 4) if ratio is not None else None,
        flagged=ratio is not None and not FAIR_LOW <= ratio <= FAIR_HIGH,
    )


async def fairness(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> FairnessRead:
    principal.require(*permissions.READERS)
    run = await _visible_run(session, principal, run_id)
    if run.status != "completed":
        raise RunNotReady(f"run {run.id} is {run.status}")
    cells: dict[tuple[str, str, str], list[int]] = {}
    for district, sex, age_group, population, eligible in run.population or []:
        if principal.covers_region(district):
            cells[(district, sex or "unknown", age_group)] = [population, eligible, 0, 0]
    for district, sex, age_group, candidates, accepted in await repository.candidate_cells(
        session, principal, run.id
    ):
        cell = cells.setdefault((district, sex or "unknown", age_group), [0, 0, 0, 0])
        cell[2], cell[3] = candidates, accepted
    total = [sum(c[i] for c in cells.values()) for i in range(4)]
    overall_rate = total[2] / total[1] if total[1] else None

    def by(index: Callable[[tuple[str, str, str]], str]) -> list[FairnessRow]:
        groups: dict[str, list[int]] = {}
        for key, counts in cells.items():
            sums = groups.setdefault(index(key), [0, 0, 0, 0])
            for i in range(4):
                sums[i] += counts[i]
        return [_row(g, groups[g], overall_rate) for g in sorted(groups)]

    return FairnessRead(
        run_id=run.id,
        overall=_row("all", total, overall_rate),
        by_region=by(lambda k: k[0][:5]),
        by_sex=by(lambda k: k[1]),
        by_age_group=by(lambda k: k[2]),
    )


# ---- the worker's side ----------------------------------------------------------------------------


async def spec(session: AsyncSession, principal: Principal, run_id: uuid.UUID, *, start: bool) -> RunSpec:
    """What the worker needs to compute a run. `start` marks it computing and drops anything a
    killed earlier attempt wrote, so a redelivered request computes the list once, from scratch."""
    principal.require_exactly("service")
    run = await repository.get_run(session, run_id, lock=start)
    if run is None:
        raise NotFound(f"no targeting run {run_id}")
    if start:
        if run.status == "completed":
            raise RunAlreadyComputed(f"run {run.id} completed at {run.completed_at}")
        await repository.clear_candidates(session, run.id)
        run.status, run.error = "computing", None
        await session.flush()
    rule = await _rule_of(session, run)
    return RunSpec(
        run_id=run.id,
        program_id=run.program_id,
        region_code=run.region_code,
        status=run.status,  # type: ignore[arg-type]
        rule_version=rule.version,
        condition=rule.condition,
        priority=rule.priority,
        quota=rule.quota,
        age_on=rule.age_on,
    )


async def _computing(session: AsyncSession, run_id: uuid.UUID) -> TargetingRun:
    run = await repository.get_run(session, run_id, lock=True)
    if run is None:
        raise NotFound(f"no targeting run {run_id}")
    if run.status == "completed":
        raise RunAlreadyComputed(f"run {run.id} completed at {run.completed_at}")
    return run


async def add_candidates(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, batch: CandidateBatch
) -> int:
    principal.require_exactly("service")
    run = await _computing(session, run_id)
    for c in batch.candidates:
        if not (c.region_code == run.region_code or c.region_code.startswith(run.region_code + ".")):
            raise Invalid("candidates", f"person {c.person_id} is registered outside {run.region_code}")
    rows = batch.candidates
    await repository.add_candidates(
        session,
        run.id,
        {
            "person_ids": [c.person_id for c in rows],
            "ranks": [c.rank for c in rows],
            "regions": [c.region_code for c in rows],
            "sexes": [c.sex for c in rows],
            "age_groups": [c.age_group for c in rows],
            "deciles": [c.welfare_decile for c in rows],
            "reasons": [json.dumps(c.reasons) for c in rows],
        },
    )
    return len(batch.candidates)


async def finish(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, outcome: RunOutcome
) -> RunRead:
    principal.require_exactly("service")
    run = await _computing(session, run_id)
    if outcome.status == "completed":
        landed = await repository.candidate_count(session, run.id)
        if landed != outcome.candidate_count:  # a lost batch must not pass for a complete list
            raise Invalid("candidate_count", f"{landed} candidates landed, not {outcome.candidate_count}")
    run.status, run.error = outcome.status, outcome.error
    run.snapshot_at = outcome.snapshot_at
    run.people_scanned, run.eligible_count = outcome.people_scanned, outcome.eligible_count
    run.over_quota_count, run.candidate_count = outcome.over_quota_count, outcome.candidate_count
    run.population = outcome.population
    run.completed_at = datetime.now(UTC)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type=RUN_FINISHED,
            source=SERVICE,
            subject=str(run.id),
            payload={
                "run_id": str(run.id),
                "program_id": str(run.program_id),
                "status": outcome.status,
                "candidates": outcome.candidate_count,
                "eligible": outcome.eligible_count,
            },
        ),
    )
    await session.flush()
    return RunRead.model_validate(run)


async def enrolled(
    session: AsyncSession, principal: Principal, program_ids: list[uuid.UUID]
) -> EnrolledPeople:
    principal.require_exactly("service")
    found = await repository.enrolled_people(session, program_ids)
    return EnrolledPeople(programs={str(p): people for p, people in found.items()})
