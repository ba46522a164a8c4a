import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster import bulk
from services.disaster.common import any_of
from services.disaster.db import Finding
from services.disaster.distributions.models import Distribution, DistributionLine
from shared.auth import Principal
from shared.pagination import capped_total


def readable_by(principal: Principal) -> Select[Distribution]:
    return select(Distribution).where(principal.region_filter(Distribution.region_code))


async def get(session: AsyncSession, principal: Principal, distribution_id: uuid.UUID) -> Distribution | None:
    return await session.scalar(readable_by(principal).where(Distribution.id == distribution_id))


async def lines_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DistributionLine]]:
    out: dict[uuid.UUID, list[DistributionLine]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await session.scalars(
        select(DistributionLine)
        .where(DistributionLine.distribution_id.in_(ids))
        .order_by(DistributionLine.item_code)
    )
    for line in rows:
        out[line.distribution_id].append(line)
    return out


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    disaster_id: uuid.UUID | None,
    victim_id: uuid.UUID | None,
    household_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[Sequence[Distribution], tuple[int, bool]]:
    """A page of distributions, and how many match in all (counted up to the cap)."""
    query = readable_by(principal)
    if person_id:
        query = query.where(Distribution.person_id == person_id)
    if disaster_id:
        query = query.where(Distribution.disaster_id == disaster_id)
    if victim_id:
        query = query.where(Distribution.victim_id == victim_id)
    if household_id:
        query = query.where(Distribution.household_id == household_id)
    total = await capped_total(session, query)
    if after:
        query = query.where(Distribution.id > after)
    return (await session.scalars(query.order_by(Distribution.id).limit(limit))).all(), total


async def hashes_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The content hash of each of these ids already stored (in any region: an id is an id)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Distribution.id, Distribution.content_hash).where(
            any_of(Distribution.id, ids, UUID(as_uuid=True))
        )
    )
    return {r[0]: r[1] for r in rows}


async def insert_many(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[uuid.UUID]:
    """Insert the new distributions; an id already taken (by a twin batch committed meanwhile) is
    skipped. Returns the ids inserted."""
    if not rows:
        return set()
    table = Distribution.__table__
    return set(await bulk.insert_rows(session, table, rows, on_conflict_do_nothing=True, returning="id"))  # type: ignore[arg-type]


async def insert_lines(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await bulk.insert_rows(session, DistributionLine.__table__, rows)  # type: ignore[arg-type]


async def open_findings(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Findings this service raises itself (keyed by rule and subject, so never twice)."""
    if rows:
        await session.execute(
            insert(Finding).on_conflict_do_nothing(constraint="uq_findings_rule_subject"), list(rows)
        )


async def scope_of(session: AsyncSession, distribution_id: uuid.UUID) -> Distribution | None:
    return await session.get(Distribution, distribution_id)
