import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from services.programs.attachments import service
from services.programs.attachments.schemas import AttachmentRead, RecordType
from shared.app import SessionDep
from shared.attachments import AttachmentKind, StorageDep, content_disposition
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["attachments"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such attachment, or its record is not in your scope"}
}


@router.post(
    "/attachments",
    response_model=AttachmentRead,
    status_code=201,
    summary="Attach a photo, signature or scan to an admission",
    description="Multipart form: `file`, `record_type` (`admission`), `record_id`, `kind` "
    "(`photo`, `signature` or `document`). JPEG, PNG, WebP or PDF, judged by the file's content (not its "
    "name or declared type), at most `KESSOS_ATTACHMENT_MAX_BYTES` (10 MiB by default). Who may admit to "
    "the panti may attach files to its admissions.",
    responses={
        404: {
            "model": Problem,
            "description": "The record is not in your scope (`errors` names `record_id`)",
        },
        413: {"model": Problem, "description": "The file is too large (`errors` names `file`)"},
        415: {"model": Problem, "description": "Not a JPEG, PNG, WebP or PDF (`errors` names `file`)"},
    },
)
async def upload_attachment(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    principal: CurrentPrincipal,
    response: Response,
    file: Annotated[UploadFile, File(description="The file: JPEG, PNG, WebP or PDF")],
    record_type: Annotated[RecordType, Form(description="What the file is attached to")],
    record_id: Annotated[uuid.UUID, Form(description="The admission's id")],
    kind: Annotated[AttachmentKind, Form(description="What the file shows")],
) -> AttachmentRead:
    attachment = await service.upload(
        session,
        storage,
        principal,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        file=file,
        max_bytes=request.app.state.settings.attachment_max_bytes,
    )
    response.headers["Location"] = f"/api/v1/attachments/{attachment.id}"
    return attachment


@router.get(
    "/attachments",
    response_model=Page[AttachmentRead],
    summary="The files attached to one record",
    responses={404: {"model": Problem, "description": "The record is not in your scope"}},
)
async def list_attachments(
    session: SessionDep,
    principal: CurrentPrincipal,
    record_type: RecordType,
    record_id: uuid.UUID,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AttachmentRead]:
    return await service.list_for(
        session, principal, record_type=record_type, record_id=record_id, limit=limit, cursor=cursor
    )


@router.get(
    "/attachments/{attachment_id}",
    response_model=AttachmentRead,
    summary="An attachment's description (type, size, SHA-256, who uploaded it)",
    responses=NOT_FOUND,
)
async def get_attachment(
    attachment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> AttachmentRead:
    return await service.read(session, principal, attachment_id)


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    summary="The attached file itself",
    responses={
        200: {
            "description": "The file, with its real type as Content-Type",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp", "application/pdf")
            },
        },
        **NOT_FOUND,
    },
)
async def get_attachment_content(
    attachment_id: uuid.UUID, session: SessionDep, storage: StorageDep, principal: CurrentPrincipal
) -> Response:
    attachment, data = await service.content(session, storage, principal, attachment_id)
    return Response(
        data,
        media_type=attachment.media_type,
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            # The type is the one proven at upload: no browser may guess another (a PDF run as HTML).
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
