"""The programs side of other services' events: idempotent upserts into projections, newest event
wins. Only the worker (role `service`) calls these."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds import repository
from services.programs.feeds.models import (
    DisasterVictimView,
    PpksAssessmentView,
    PsksRoleView,
    ReliefReceiptView,
)
from services.programs.feeds.schemas import (
    DistributionFeed,
    DistributionFeedBatch,
    FeedBatchResult,
    FeedResult,
    PpksAssessmentFeed,
    PsksRoleFeed,
    VictimFeed,
)
from shared.auth import Principal


async def _apply(
    session: AsyncSession,
    principal: Principal,
    model: repository.Model,
    key: str,
    record_id: uuid.UUID,
    values: dict[str, object],
) -> FeedResult:
    principal.require_exactly("service")
    occurred_at = values.pop("occurred_at")
    applied, current = await repository.upsert(
        session, model, key, {key: record_id, **values, "event_occurred_at": occurred_at}
    )
    return FeedResult(id=record_id, applied=applied, event_occurred_at=current)


async def ppks_assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, data: PpksAssessmentFeed
) -> FeedResult:
    principal.require_exactly("service")
    # An update may move the assessment to another person (a registry merge): both people's
    # `person_multiple` flags are recomputed, under their locks.
    previous = await repository.assessment_person(session, assessment_id)
    people = {data.person_id} | ({previous} if previous else set())
    await repository.lock_people(session, people)  # all at once, in order: no deadlock
    previous = await repository.assessment_person(session, assessment_id)  # settled under the locks
    if previous is not None and previous not in people:  # moved meanwhile (very rare)
        people.add(previous)
        await repository.lock_people(session, {previous})
    result = await _apply(
        session, principal, PpksAssessmentView, "assessment_id", assessment_id, data.model_dump()
    )
    if result.applied:
        await repository.refresh_person_multiple(session, people)
    return result


async def psks_role(
    session: AsyncSession, principal: Principal, role_id: uuid.UUID, data: PsksRoleFeed
) -> FeedResult:
    return await _apply(session, principal, PsksRoleView, "role_id", role_id, data.model_dump())


async def victim(
    session: AsyncSession, principal: Principal, victim_id: uuid.UUID, data: VictimFeed
) -> FeedResult:
    return await _apply(session, principal, DisasterVictimView, "victim_id", victim_id, data.model_dump())


async def distributions(
    session: AsyncSession, principal: Principal, batch: DistributionFeedBatch
) -> FeedBatchResult:
    """Many distributions at once (an offline batch, or the worker's batch of events): the newest
    event per distribution, in one statement per thousand."""
    principal.require_exactly("service")
    newest: dict[uuid.UUID, dict[str, object]] = {}
    for item in batch.items:
        held = newest.get(item.distribution_id)
        if held is None or held["event_occurred_at"] <= item.occurred_at:  # type: ignore[operator]
            values = item.model_dump()
            values["event_occurred_at"] = values.pop("occurred_at")
            newest[item.distribution_id] = values
    rows = list(newest.values())
    applied = 0
    for start in range(0, len(rows), 1000):
        applied += await repository.upsert_many(
            session, ReliefReceiptView, "distribution_id", rows[start : start + 1000]
        )
    return FeedBatchResult(received=len(batch.items), applied=applied)


async def distribution(
    session: AsyncSession, principal: Principal, distribution_id: uuid.UUID, data: DistributionFeed
) -> FeedResult:
    return await _apply(
        session, principal, ReliefReceiptView, "distribution_id", distribution_id, data.model_dump()
    )
