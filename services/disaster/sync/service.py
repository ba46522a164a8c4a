"""Offline field capture: a batch of records a phone kept for hours, each with its own id. Every record
gets an outcome (created, already had, rejected and why); a rejected record does not stop the others;
the batch is one transaction, so a batch cut off half-way leaves nothing and sent again ends exactly
as if it had gone through once, and a batch sent twice changes nothing the second time."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.common import Outcome
from services.disaster.distributions import service as distributions
from services.disaster.distributions.schemas import DistributionSyncRecord
from services.disaster.sync.schemas import RecordOutcome, SyncResult
from services.disaster.victims import service as victims
from services.disaster.victims.schemas import VictimSyncRecord
from shared.auth import Principal
from shared.errors import PROBLEM_BASE, Invalid

M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: Sequence[dict[str, Any]]) -> tuple[list[tuple[int, M]], list[RecordOutcome]]:
    """Each record on its own: one that does not parse is rejected, naming its first bad field."""
    adapter = TypeAdapter(model)
    good: list[tuple[int, M]] = []
    bad: list[RecordOutcome] = []
    for index, record in enumerate(raw):
        try:
            good.append((index, adapter.validate_python(record)))
        except ValidationError as exc:
            errors = exc.errors()
            # An unreadable id first: without it the phone cannot tell which record this is.
            error = next((e for e in errors if e["loc"][:1] == ("id",)), errors[0])
            field = ".".join(str(p) for p in error["loc"]) or "record"
            try:
                record_id = uuid.UUID(str(record.get("id")))
            except ValueError:
                record_id = None
            bad.append(
                RecordOutcome(
                    index=index,
                    id=record_id,
                    outcome="rejected",
                    reason=f"{field}: {error['msg']}",
                    field=field,
                    problem=PROBLEM_BASE + Invalid.problem,
                )
            )
    return good, bad


def _result(outcomes: Sequence[Outcome], bad: Sequence[RecordOutcome]) -> SyncResult:
    results = list(bad)
    for o in outcomes:
        refusal = o.refusal
        results.append(
            RecordOutcome(
                index=o.index,
                id=o.id,
                outcome=o.outcome,
                reason=refusal.reason if refusal else None,
                field=refusal.field if refusal else None,
                problem=PROBLEM_BASE + refusal.error.problem if refusal else None,
                finding=o.finding,
            )
        )
    results.sort(key=lambda r: r.index)
    counts = {
        kind: sum(1 for r in results if r.outcome == kind) for kind in ("created", "already_had", "rejected")
    }
    return SyncResult(**counts, results=results)


async def _run(
    session: AsyncSession,
    principal: Principal,
    model: type[M],
    raw: Sequence[dict[str, Any]],
    apply: Callable[[AsyncSession, Principal, list[tuple[int, M]]], Awaitable[list[Outcome]]],
) -> SyncResult:
    good, bad = _parse(model, raw)
    outcomes = await apply(session, principal, good) if good else []
    await session.flush()
    return _result(outcomes, bad)


async def sync_distributions(
    session: AsyncSession, principal: Principal, raw: Sequence[dict[str, Any]]
) -> SyncResult:
    principal.require(*distributions.RECORDERS)
    return await _run(session, principal, DistributionSyncRecord, raw, distributions.sync)


async def sync_victims(
    session: AsyncSession, principal: Principal, raw: Sequence[dict[str, Any]]
) -> SyncResult:
    principal.require(*victims.RECORDERS)
    return await _run(session, principal, VictimSyncRecord, raw, victims.sync)
