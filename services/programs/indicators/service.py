"""Indicators: definitions, yearly targets, quarterly realisation with evidence. Achievement is
always computed from the realisation and the target; the mandiri indicator's realisation is itself
computed, from the registry's assessments as its events arrive."""

import calendar
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.indicators import repository
from services.programs.indicators.exceptions import ComputedIndicator, IndicatorCodeTaken
from services.programs.indicators.models import Indicator, IndicatorRealisation, IndicatorTarget
from services.programs.indicators.schemas import (
    IndicatorCreate,
    IndicatorProgress,
    IndicatorRead,
    IndicatorsReport,
    QuarterProgress,
    RealisationUpdate,
    TargetRead,
)
from services.programs.programs import permissions
from services.programs.programs import service as programs
from services.programs.scope import after_id
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.pagination import Page, encode_cursor


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    last_month = 3 * quarter
    return date(year, last_month - 2, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def achievement(direction: str, value: Decimal | None, target: Decimal | None) -> float | None:
    """up: value ÷ target × 100. down (less is better): (2 × target − value) ÷ target × 100, not below
    0 — the usual form for indicators of negative polarity in Indonesian performance reports."""
    if value is None or target is None or target == 0:
        return None
    if direction == "up":
        return round(float(value / target * 100), 2)
    return round(max(0.0, float((2 * target - value) / target * 100)), 2)


def _read(indicator: Indicator, targets: Sequence[IndicatorTarget]) -> IndicatorRead:
    return IndicatorRead(
        id=indicator.id,
        code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        direction=indicator.direction,  # type: ignore[arg-type]
        baseline=indicator.baseline,
        baseline_year=indicator.baseline_year,
        source=indicator.source,  # type: ignore[arg-type]
        region_code=indicator.region_code,
        program_id=indicator.program_id,
        targets=[TargetRead.model_validate(t) for t in targets],
        created_at=indicator.created_at,
    )


async def _get_or_raise(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID) -> Indicator:
    indicator = await repository.get(session, principal, indicator_id)
    if indicator is None:
        raise NotFound(f"no indicator {indicator_id} in your scope")
    return indicator


async def create(session: AsyncSession, principal: Principal, data: IndicatorCreate) -> IndicatorRead:
    principal.require(*permissions.PLANNERS)
    permissions.require_region(principal, data.region_code)
    if data.program_id is not None:
        try:
            await programs.get_or_raise(session, principal, data.program_id)
        except NotFound:
            raise Invalid("program_id", "no such program in your scope") from None
    if await repository.by_code(session, data.region_code, data.code):
        raise IndicatorCodeTaken(f"{data.region_code} already has indicator {data.code}")
    indicator = Indicator(id=uuid.uuid4(), **data.model_dump(), created_at=datetime.now(UTC))
    session.add(indicator)
    await session.flush()
    return _read(indicator, [])


async def read(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID) -> IndicatorRead:
    principal.require(*permissions.READERS)
    indicator = await _get_or_raise(session, principal, indicator_id)
    return _read(indicator, (await repository.targets(session, [indicator.id])).get(indicator.id, []))


async def list_(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[IndicatorRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_(session, principal, after=after_id(cursor), limit=limit + 1)
    page = rows[:limit]
    targets = await repository.targets(session, [i.id for i in page])
    return Page(
        items=[_read(i, targets.get(i.id, [])) for i in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def set_target(
    session: AsyncSession, principal: Principal, indicator_id: uuid.UUID, year: int, value: Decimal
) -> IndicatorRead:
    principal.require(*permissions.PLANNERS)
    indicator = await _get_or_raise(session, principal, indicator_id)
    row = await repository.target(session, indicator.id, year)
    if row is None:
        row = IndicatorTarget(indicator_id=indicator.id, year=year)
        session.add(row)
    row.target, row.updated_by, row.updated_at = value, principal.sub, datetime.now(UTC)
    await session.flush()
    return _read(indicator, (await repository.targets(session, [indicator.id])).get(indicator.id, []))


async def record_realisation(
    session: AsyncSession,
    principal: Principal,
    indicator_id: uuid.UUID,
    year: int,
    quarter: int,
    data: RealisationUpdate,
) -> QuarterProgress:
    principal.require(*permissions.PLANNERS)
    indicator = await _get_or_raise(session, principal, indicator_id)
    if indicator.source != "manual":
        raise ComputedIndicator(
            f"{indicator.code} is computed from registry assessments ({indicator.source})"
        )
    if quarter_bounds(year, quarter)[0] > clock.today():
        raise Invalid("quarter", f"quarter {quarter} of {year} has not started")
    row = await repository.realisation(session, indicator.id, year, quarter)
    if row is None:
        row = IndicatorRealisation(indicator_id=indicator.id, year=year, quarter=quarter)
        session.add(row)
    row.value, row.evidence = data.value, data.evidence
    row.recorded_by, row.recorded_at = principal.sub, datetime.now(UTC)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="indicator.realisation_recorded",
            source=SERVICE,
            subject=str(indicator.id),
            payload={
                "indicator_id": str(indicator.id),
                "year": year,
                "quarter": quarter,
                "value": str(data.value),
                "region_code": indicator.region_code,
            },
        ),
    )
    await session.flush()
    target = await repository.target(session, indicator.id, year)
    return QuarterProgress(
        quarter=quarter,
        value=data.value,
        achievement_percent=achievement(indicator.direction, data.value, target.target if target else None),
        evidence=data.evidence,
        computed=False,
    )


async def _computed_values(
    session: AsyncSession, indicators: Sequence[Indicator], year: int
) -> dict[uuid.UUID, dict[int, Decimal | None]]:
    """The computed indicators' values per quarter, as at the quarter's end (or today, for the
    running quarter; quarters not begun have none): one pass over the assessments for all."""
    today = clock.today()
    started = [q for q in range(1, 5) if quarter_bounds(year, q)[0] <= today]
    computed = [i for i in indicators if i.source == "ppks_mandiri"]
    if not started or not computed:
        return {}
    ends = [min(quarter_bounds(year, q)[1], today) for q in started]
    regions = sorted({i.region_code for i in computed})
    counts = await repository.mandiri_counts(session, regions, date(year, 1, 1), ends)
    return {
        i.id: {
            q: repository.percent(mandiri, assessed)
            for q, (assessed, mandiri) in zip(started, counts[i.region_code], strict=True)
        }
        for i in computed
    }


async def progress(session: AsyncSession, principal: Principal, year: int) -> IndicatorsReport:
    """Targets against realisation per quarter, for every indicator in the caller's scope."""
    principal.require(*permissions.READERS)
    indicators = await repository.list_(session, principal, after=None, limit=None)
    ids = [i.id for i in indicators]
    targets = {
        k: next((t.target for t in v if t.year == year), None)
        for k, v in (await repository.targets(session, ids)).items()
    }
    typed = await repository.realisations(session, ids, year)
    await repository.roomy(session)
    computed = await _computed_values(session, indicators, year)
    out = []
    for indicator in indicators:
        target = targets.get(indicator.id)
        quarters: list[QuarterProgress] = []
        if indicator.source == "manual":
            rows = typed.get(indicator.id, {})
            for q in range(1, 5):
                row = rows.get(q)
                value = row.value if row else None
                quarters.append(
                    QuarterProgress(
                        quarter=q,
                        value=value,
                        achievement_percent=achievement(indicator.direction, value, target),
                        evidence=row.evidence if row else None,
                        computed=False,
                    )
                )
        else:
            values = computed.get(indicator.id, {})
            for q in range(1, 5):
                value = values.get(q)
                quarters.append(
                    QuarterProgress(
                        quarter=q,
                        value=value,
                        achievement_percent=achievement(indicator.direction, value, target),
                        evidence="computed from registry PPKS assessments" if q in values else None,
                        computed=True,
                    )
                )
        latest = next((q for q in reversed(quarters) if q.value is not None), None)
        out.append(
            IndicatorProgress(
                id=indicator.id,
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                direction=indicator.direction,  # type: ignore[arg-type]
                source=indicator.source,  # type: ignore[arg-type]
                region_code=indicator.region_code,
                baseline=indicator.baseline,
                target=target,
                quarters=quarters,
                achievement_percent=latest.achievement_percent if latest else None,
            )
        )
    return IndicatorsReport(year=year, generated_at=datetime.now(UTC), indicators=out)
