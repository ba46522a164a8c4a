import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from services.registry.imports import service
from services.registry.imports.schemas import ImportRead
from services.registry.imports.upload import MultipartFile
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["imports"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The feed: CSV with a header row (DOMAIN.md's import contract)",
                        }
                    },
                }
            }
        },
    }
}


def _wake_runner(request: Request) -> None:
    runner = getattr(request.app.state, "import_runner", None)
    if runner is not None:
        runner.wake()


@router.post(
    "/imports",
    response_model=ImportRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a DTKS-style feed (CSV) to import",
    description=(
        "Stores the file and answers at once; the registry processes it in the background. Poll "
        "`GET /imports/{id}` for progress. Columns: `id_dtks, nomor_nik, nomor_kk, nama, tempat_lahir, "
        "tanggal_lahir, jenis_kelamin, hubungan_keluarga, nama_ibu_kandung, alamat, rt, rw, kode_wilayah, "
        "desil, status_disabilitas` in any order (`id_dtks` and `nama` required; other columns are kept "
        "as attributes). An import is an upsert on `id_dtks`: a file imported twice changes nothing the "
        "second time. At most 500 MB."
    ),
    openapi_extra=_UPLOAD_BODY,
    responses={
        403: {"model": Problem, "description": "Only admins and provincial officers import feeds"},
        413: {"model": Problem, "description": "The file is larger than 500 MB"},
        422: {"model": Problem, "description": "`file` is missing, not a CSV, or lacks id_dtks/nama"},
    },
)
async def upload(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    background: BackgroundTasks,
) -> ImportRead:
    declared = request.headers.get("content-length")
    service.may_upload(principal, int(declared) if declared and declared.isdigit() else None)
    upload = MultipartFile(request, "file")
    filename = await upload.open()
    record = await service.store(session, principal, filename=filename, content=upload.chunks())
    response.headers["Location"] = f"/api/v1/imports/{record.id}"
    background.add_task(_wake_runner, request)  # runs after the response, so after the commit
    return service.to_read(record)


@router.get(
    "/imports/{import_id}",
    response_model=ImportRead,
    summary="An import's status and counts",
    responses={404: {"model": Problem, "description": "No such import that you may see"}},
)
async def get_import(import_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> ImportRead:
    return await service.read(session, principal, import_id)


@router.get(
    "/imports/{import_id}/errors",
    response_class=StreamingResponse,
    summary="The rows an import rejected, with line numbers and reasons (CSV)",
    description=(
        "Columns `line, id_dtks, severity, reason`, by line number. `severity=warning` lists the rows "
        "written with a warning instead (an invalid NIK left out, say), `all` both."
    ),
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "line,id_dtks,severity,reason\n7,630000000006,rejected,"
                    "kode_wilayah 63.71.01.9999 is not a Kemendagri region code\n"
                }
            }
        },
        404: {"model": Problem, "description": "No such import that you may see"},
    },
)
async def get_import_errors(
    import_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    severity: Annotated[
        service.Severity, Query(description="rejected (default), warning or all")
    ] = "rejected",
) -> StreamingResponse:
    await service.get_or_raise(session, principal, import_id)
    return StreamingResponse(
        service.issues_csv(request.app.state.sessionmaker, import_id, severity),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
