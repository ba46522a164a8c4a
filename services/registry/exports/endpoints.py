from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from services.registry.exports import service
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.types import RegionCode

router = APIRouter(tags=["people"])


@router.get(
    "/people/export",
    response_class=StreamingResponse,
    summary="Export the people in your regions (NDJSON or CSV)",
    description=(
        "Streams every person in your scope (narrowed by `region`), oldest first, with the fields of "
        "`GET /people/{id}`, masked the same way without `pii:read`. Every person exported unmasked is "
        "written to the access log."
    ),
    responses={
        200: {
            "content": {
                "application/x-ndjson": {
                    "example": '{"id": "…", "nik": "6371**********01", "full_name": "…"}\n'
                },
                "text/csv": {"example": "id,nik,kk_number,full_name,...\n"},
            }
        },
        403: {"model": Problem},
    },
)
async def export_people(
    request: Request,
    principal: CurrentPrincipal,
    format: Annotated[service.ExportFormat, Query(description="ndjson (default) or csv")] = "ndjson",
    region: Annotated[RegionCode | None, Query(description="Region code prefix")] = None,
) -> StreamingResponse:
    service.check(principal)
    return StreamingResponse(
        service.stream(request.app.state.sessionmaker, principal, fmt=format, region=region),
        media_type=service.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="people.{format}"'},
    )
