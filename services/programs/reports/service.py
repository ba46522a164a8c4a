"""The reports office staff take to their meetings: SPM achievement and indicator progress, as JSON
or as spreadsheets."""

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.indicators import repository as indicators_repository
from services.programs.indicators import service as indicators
from services.programs.indicators.schemas import IndicatorsReport
from services.programs.reference import service as reference
from services.programs.reports import repository
from services.programs.reports.export import Cell
from services.programs.reports.schemas import SpmOverall, SpmReport, SpmServiceFigure, Weighting
from shared import clock
from shared.auth import Principal

READERS = ("provincial_officer", "regency_officer", "viewer")


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100 / whole


def _weighted(coverage: float | None, quality: float | None, w: Weighting) -> float | None:
    if coverage is None:
        return None
    capped = min(100.0, coverage)
    if quality is None:
        return capped
    return w.coverage * capped + w.quality * quality


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _shown(value: float | None) -> float | None:
    """Figures are computed unrounded and rounded once, for display."""
    return None if value is None else round(value, 2)


async def spm(session: AsyncSession, principal: Principal, year: int, region: str | None) -> SpmReport:
    principal.require(*READERS)
    start, end = date(year, 1, 1), date(year, 12, 31)
    zone = clock.office_zone()
    weights = Weighting.model_validate((await reference.spm_weighting(session)).model_dump())
    await indicators_repository.roomy(session)
    needing = await repository.needing_by_assessment(session, principal, region, start, end)
    served = await repository.served_in_panti(session, principal, region, start, end)
    conditions = await reference.victim_conditions(session)
    figures = []
    coverages: list[float] = []
    qualities: list[float | None] = []
    for svc in await repository.spm_services(session):
        if svc.disaster_level:
            need, done = await repository.victims(
                session,
                principal,
                region,
                svc.disaster_level,
                conditions,
                datetime(year, 1, 1, tzinfo=zone),
                datetime(year + 1, 1, 1, tzinfo=zone),
            )
            full: int | None = None
        else:
            need = needing.get(svc.code, 0)
            done, full = served.get(svc.code, (0, 0))
        coverage = _percent(done, need)
        quality = _percent(full, done) if full is not None else None
        if coverage is not None:
            coverages.append(min(100.0, coverage))
            qualities.append(quality)
        figures.append(
            SpmServiceFigure(
                code=svc.code,
                name=svc.name,
                needing=need,
                served=done,
                fully_served=full,
                coverage_percent=_shown(coverage),
                quality_percent=_shown(quality),
                achievement_percent=_shown(_weighted(coverage, quality, weights)),
            )
        )
    coverage_all, quality_all = _mean(coverages), _mean(qualities)
    return SpmReport(
        year=year,
        region=region,
        generated_at=datetime.now(UTC),
        weighting=weights,
        services=figures,
        overall=SpmOverall(
            needing=sum(f.needing for f in figures),
            served=sum(f.served for f in figures),
            coverage_percent=_shown(coverage_all),
            quality_percent=_shown(quality_all),
            achievement_percent=_shown(_weighted(coverage_all, quality_all, weights)),
        ),
    )


SPM_HEADER = (
    "year",
    "region",
    "service_code",
    "service",
    "needing",
    "served",
    "fully_served",
    "coverage_percent",
    "quality_percent",
    "achievement_percent",
)


def spm_rows(report: SpmReport) -> list[list[Cell]]:
    region = report.region or "all"
    rows: list[list[Cell]] = [
        [
            report.year,
            region,
            f.code,
            f.name,
            f.needing,
            f.served,
            f.fully_served,
            f.coverage_percent,
            f.quality_percent,
            f.achievement_percent,
        ]
        for f in report.services
    ]
    o = report.overall
    rows.append(
        [
            report.year,
            region,
            "overall",
            f"Overall (coverage {report.weighting.coverage:g}, quality {report.weighting.quality:g})",
            o.needing,
            o.served,
            None,
            o.coverage_percent,
            o.quality_percent,
            o.achievement_percent,
        ]
    )
    return rows


async def indicator_progress(session: AsyncSession, principal: Principal, year: int) -> IndicatorsReport:
    principal.require(*READERS)
    return await indicators.progress(session, principal, year)


INDICATOR_HEADER = (
    "year",
    "region",
    "code",
    "indicator",
    "unit",
    "direction",
    "source",
    "baseline",
    "target",
    "quarter",
    "realisation",
    "achievement_percent",
    "evidence",
)


def indicator_rows(report: IndicatorsReport) -> list[list[Cell]]:
    return [
        [
            report.year,
            i.region_code,
            i.code,
            i.name,
            i.unit,
            i.direction,
            i.source,
            i.baseline,
            i.target,
            q.quarter,
            q.value,
            q.achievement_percent,
            q.evidence,
        ]
        for i in report.indicators
        for q in i.quarters
    ]
