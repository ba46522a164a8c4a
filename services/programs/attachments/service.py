"""Attach a file to an admission, and give it back only to who may see that admission.

The admission decides: who may admit to the panti (officers of its region, its own operators) may
attach files, who may read the admission may read its files; an admission outside the caller's scope,
and so its files, does not exist for them (404)."""

import hashlib
import uuid

import structlog
from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.attachments import repository
from services.programs.attachments.exceptions import AttachmentFileMissing
from services.programs.attachments.models import Attachment
from services.programs.attachments.schemas import AttachmentRead, RecordType
from services.programs.institutions import permissions
from services.programs.institutions import repository as institution_rows
from shared.attachments import AttachmentKind, clean_filename, read_upload
from shared.auth import Principal
from shared.errors import FieldError, NotFound
from shared.pagination import Page, after_uuid, encode_cursor
from shared.storage import Storage, StoredFileMissing

log = structlog.get_logger()

WRITERS: dict[str, tuple[str, ...]] = {"admission": permissions.OPERATORS}


async def _check_record(
    session: AsyncSession, principal: Principal, record_type: RecordType, record_id: uuid.UUID
) -> None:
    """Raises NotFound unless the admission exists and the caller may read it. Only its scope is
    looked at: reading a file is not reading the admission."""
    principal.require(*permissions.READERS)
    if await institution_rows.get_admission(session, principal, record_id) is None:
        raise NotFound(f"no {record_type} {record_id} in your scope")


async def upload(
    session: AsyncSession,
    storage: Storage,
    principal: Principal,
    *,
    record_type: RecordType,
    record_id: uuid.UUID,
    kind: AttachmentKind,
    file: UploadFile,
    max_bytes: int,
) -> AttachmentRead:
    principal.require(*WRITERS[record_type])
    try:
        await _check_record(session, principal, record_type, record_id)
    except NotFound:
        message = f"no {record_type} {record_id} in your scope"
        raise NotFound(message, errors=[FieldError(field="record_id", message=message)]) from None
    data, media_type = await read_upload(file, max_bytes)
    attachment_id = uuid.uuid4()
    attachment = Attachment(
        id=attachment_id,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        media_type=media_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=clean_filename(file.filename, media_type),
        storage_key=f"programs/{record_type}/{record_id}/{attachment_id}",
        uploaded_by=principal.sub,
    )
    # The row first (a database refusal stores no file), then the bytes: should the commit fail after
    # that, an unreferenced file is left in the store, which nobody can reach and harms nothing.
    await repository.add(session, attachment)
    await storage.put(attachment.storage_key, data, media_type)
    log.info(
        "attachment_uploaded",
        attachment_id=str(attachment_id),
        record_type=record_type,
        record_id=str(record_id),
        kind=kind,
        size_bytes=len(data),
        sha256=attachment.sha256,
        uploaded_by=principal.sub,
    )
    return AttachmentRead.model_validate(attachment)


async def _visible(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> Attachment:
    attachment = await repository.get(session, attachment_id)
    if attachment is not None:
        try:
            await _check_record(session, principal, attachment.record_type, attachment.record_id)  # type: ignore[arg-type]
            return attachment
        except NotFound:
            pass
    raise NotFound(f"no attachment {attachment_id} in your scope")


async def read(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> AttachmentRead:
    return AttachmentRead.model_validate(await _visible(session, principal, attachment_id))


async def content(
    session: AsyncSession, storage: Storage, principal: Principal, attachment_id: uuid.UUID
) -> tuple[AttachmentRead, bytes]:
    attachment = await _visible(session, principal, attachment_id)
    try:
        data = await storage.get(attachment.storage_key)
    except StoredFileMissing:
        log.error("attachment_file_missing", attachment_id=str(attachment_id), key=attachment.storage_key)
        raise AttachmentFileMissing(f"the file of attachment {attachment_id} is missing") from None
    return AttachmentRead.model_validate(attachment), data


async def list_for(
    session: AsyncSession,
    principal: Principal,
    *,
    record_type: RecordType,
    record_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[AttachmentRead]:
    await _check_record(session, principal, record_type, record_id)
    rows = await repository.list_for(
        session, record_type, record_id, after=after_uuid(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[AttachmentRead.model_validate(a) for a in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )
