import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds.models import PpksAssessmentView
from services.programs.indicators.models import Indicator, IndicatorRealisation, IndicatorTarget
from shared.auth import Principal


def in_region(column, region: str):  # type: ignore[no-untyped-def]
    return (column == region) | column.startswith(region + ".", autoescape=True)


async def get(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID) -> Indicator | None:
    return await session.scalar(
        select(Indicator).where(Indicator.id == indicator_id, principal.region_filter(Indicator.region_code))
    )


async def by_code(session: AsyncSession, region_code: str, code: str) -> Indicator | None:
    return await session.scalar(
        select(Indicator).where(Indicator.region_code == region_code, Indicator.code == code)
    )


async def list_(
    session: AsyncSession, principal: Principal, *, after: uuid.UUID | None, limit: int | None
) -> Sequence[Indicator]:
    query = select(Indicator).where(principal.region_filter(Indicator.region_code))
    if after:
        query = query.where(Indicator.id > after)
    query = query.order_by(Indicator.id) if limit else query.order_by(Indicator.region_code, Indicator.code)
    if limit:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def targets(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[IndicatorTarget]]:
    rows = await session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id.in_(ids)).order_by(IndicatorTarget.year)
    )
    out: dict[uuid.UUID, list[IndicatorTarget]] = {}
    for row in rows:
        out.setdefault(row.indicator_id, []).append(row)
    return out


async def target(session: AsyncSession, indicator_id: uuid.UUID, year: int) -> IndicatorTarget | None:
    return await session.get(IndicatorTarget, (indicator_id, year))


async def realisation(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, quarter: int
) -> IndicatorRealisation | None:
    return await session.get(IndicatorRealisation, (indicator_id, year, quarter))


async def realisations(
    session: AsyncSession, ids: Sequence[uuid.UUID], year: int
) -> dict[uuid.UUID, dict[int, IndicatorRealisation]]:
    rows = await session.scalars(
        select(IndicatorRealisation).where(
            IndicatorRealisation.indicator_id.in_(ids), IndicatorRealisation.year == year
        )
    )
    out: dict[uuid.UUID, dict[int, IndicatorRealisation]] = {}
    for row in rows:
        out.setdefault(row.indicator_id, {})[row.quarter] = row
    return out


async def roomy(session: AsyncSession) -> None:
    """Give this transaction's report queries memory to hash and sort a province in RAM."""
    await session.execute(text("SET LOCAL work_mem = '64MB'"))


async def mandiri_counts(
    session: AsyncSession, regions: Sequence[str], year_start: date, ends: Sequence[date]
) -> dict[str, list[tuple[int, int]]]:
    """For each region and each day in `ends`: (people with an assessment open at some time between
    the year's start and that day, those of them resolved as independent in that span). One pass
    for all regions: people with one assessment are counted row by row; the few with several
    (`person_multiple`) are grouped by person so that each counts once."""
    year_end = max(ends)
    a = PpksAssessmentView
    where = and_(
        or_(*[in_region(a.region_code, r) for r in regions]),
        a.assessed_on <= year_end,
        or_(a.resolved_on.is_(None), a.resolved_on >= year_start),
    )
    independent = and_(a.status == "resolved_independent", a.resolved_on >= year_start)
    single_columns = []
    for region in regions:
        here = in_region(a.region_code, region)
        for end in ends:
            single_columns.append(func.count().filter(here, a.assessed_on <= end))
            single_columns.append(func.count().filter(here, independent, a.resolved_on <= end))
    singles = (
        await session.execute(select(*single_columns).where(where, a.person_multiple.is_(False)))
    ).one()

    # One row per person with several assessments, carrying per region the first day they were
    # open and the first day they were resolved as independent.
    person_columns: list[Any] = []
    for region in regions:
        here = in_region(a.region_code, region)
        person_columns.append(func.min(a.assessed_on).filter(here))
        person_columns.append(func.min(a.resolved_on).filter(here, independent))
    per_person = (
        select(a.person_id, *[c.label(f"c{i}") for i, c in enumerate(person_columns)])
        .where(where, a.person_multiple.is_(True))
        .group_by(a.person_id)
        .subquery()
    )
    multiple_columns = []
    for r in range(len(regions)):
        first, mandiri = per_person.c[f"c{2 * r}"], per_person.c[f"c{2 * r + 1}"]
        for end in ends:
            multiple_columns.append(func.count().filter(first <= end))
            multiple_columns.append(func.count().filter(mandiri <= end))
    multiples = (await session.execute(select(*multiple_columns).select_from(per_person))).one()
    out: dict[str, list[tuple[int, int]]] = {}
    width = 2 * len(ends)
    for r, region in enumerate(regions):
        out[region] = [
            (
                int(singles[r * width + 2 * i]) + int(multiples[r * width + 2 * i]),
                int(singles[r * width + 2 * i + 1]) + int(multiples[r * width + 2 * i + 1]),
            )
            for i in range(len(ends))
        ]
    return out


def percent(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.0001"))
