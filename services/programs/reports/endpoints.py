from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.programs.indicators.schemas import IndicatorsReport
from services.programs.reports import service
from services.programs.reports.export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from services.programs.reports.schemas import ReportFormat, SpmReport
from shared.app import SessionDep
from shared.auth import CurrentPrincipal

router = APIRouter(tags=["reports"])
YearQuery = Annotated[int, Query(ge=2000, le=2100, description="The report's year", examples=[2026])]
FormatQuery = Annotated[ReportFormat, Query(description="json (default), csv or xlsx")]
SPREADSHEETS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "JSON, or a spreadsheet with `format=csv|xlsx`",
    }
}


def _file(name: str, fmt: str, header: Any, rows: Any) -> Response:
    if fmt == "csv":
        body, media = to_csv(header, rows), CSV_MEDIA_TYPE
    else:
        body, media = to_xlsx(name, header, rows), XLSX_MEDIA_TYPE
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


@router.get(
    "/reports/spm",
    response_model=SpmReport,
    summary="SPM achievement for the five provincial services",
    description="For each service: people needing it in the year (registry assessments; for service 5 "
    "the victims of province-level disasters), people served (a basic need met in the year; victims: "
    "relief received), and the percentages; plus the overall figure, weighted by the configurable "
    "`spm_weighting` (coverage and quality). Counts stay within your regions.",
    responses=SPREADSHEETS,
)
async def spm_report(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: YearQuery,
    region: Annotated[
        str | None, Query(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$", examples=["63.71"])
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    report = await service.spm(session, principal, year, region)
    if format == "json":
        return report
    suffix = f"-{region}" if region else ""
    return _file(f"spm-{year}{suffix}", format, service.SPM_HEADER, service.spm_rows(report))


@router.get(
    "/reports/indicators",
    response_model=IndicatorsReport,
    summary="Indicator targets against realisation, per quarter",
    description="Achievement is computed from each quarter's value and the year's target "
    "(direction down: (2 × target − value) ÷ target × 100).",
    responses=SPREADSHEETS,
)
async def indicators_report(
    session: SessionDep, principal: CurrentPrincipal, year: YearQuery, format: FormatQuery = "json"
) -> Any:
    report = await service.indicator_progress(session, principal, year)
    if format == "json":
        return report
    return _file(f"indicators-{year}", format, service.INDICATOR_HEADER, service.indicator_rows(report))
