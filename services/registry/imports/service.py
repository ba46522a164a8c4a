"""Rules for imports: who may upload, what an upload must look like, who may read an import.
The rows themselves are processed by imports/runner.py."""

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.registry.exports.cells import spreadsheet_safe
from services.registry.imports import permissions, repository
from services.registry.imports.exceptions import PayloadTooLarge
from services.registry.imports.models import Import
from services.registry.imports.parsing import MAX_HEADER_BYTES, FeedError, check_head
from services.registry.imports.schemas import ImportRead
from shared.auth import Principal
from shared.errors import Invalid, NotFound

MAX_UPLOAD_BYTES = 500 * 1024 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
ISSUES_PAGE = 5000
Severity = Literal["rejected", "warning", "all"]
_TOO_LARGE = f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it and upload the parts"


def to_read(record: Import) -> ImportRead:
    rate = None
    if record.started_at is not None:
        end = record.finished_at or datetime.now(UTC)
        seconds = (end - record.started_at).total_seconds()
        rate = round(record.rows_read / seconds, 1) if seconds > 0 else None
    return ImportRead(
        id=record.id,
        kind=record.kind,
        filename=record.filename,
        status=record.status,  # type: ignore[arg-type]
        uploaded_by=record.uploaded_by,
        size_bytes=record.size_bytes,
        rows_read=record.rows_read,
        inserted=record.inserted,
        updated=record.updated,
        unchanged=record.unchanged,
        rejected=record.rejected,
        warnings=record.warnings,
        rows_per_second=rate,
        error=record.error,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
    )


def may_upload(principal: Principal, declared_size: int | None) -> None:
    """Refuses before the body is read: the wrong role, or a Content-Length over the limit."""
    permissions.require_import(principal)
    if declared_size is not None and declared_size > MAX_UPLOAD_BYTES + 64 * 1024:  # + multipart framing
        raise PayloadTooLarge(_TOO_LARGE)


async def store(
    session: AsyncSession,
    principal: Principal,
    *,
    filename: str | None,
    content: AsyncIterator[bytes],
    claim_token: uuid.UUID | None = None,
    claimed_by: str | None = None,
) -> Import:
    """Checks the upload's header and stores the file durably, in pieces, with its import record.
    With a claim token the import is created already running (the terminal import processes it
    itself); without one it is queued for the registry's runners."""
    permissions.require_import(principal)
    pieces: list[bytes] = []
    held = 0  # bytes in `pieces`
    record: Import | None = None
    size = 0
    seq = 0
    async for piece in content:
        size += len(piece)
        if size > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(_TOO_LARGE)
        pieces.append(piece)
        held += len(piece)
        if record is None:
            head = b"".join(pieces)
            if b"\n" not in head and len(head) < MAX_HEADER_BYTES:
                continue
            record = await _create(session, principal, filename, head, claim_token, claimed_by)
        if held >= CHUNK_BYTES:
            # One allocation per stored piece (pieces of the same size reuse the same memory).
            data = b"".join(pieces)
            await repository.add_chunk(session, record.id, seq, data)
            pieces, held, seq = [], 0, seq + 1
            del data
    if record is None:
        record = await _create(session, principal, filename, b"".join(pieces), claim_token, claimed_by)
    if pieces:
        await repository.add_chunk(session, record.id, seq, b"".join(pieces))
        seq += 1
    record.size_bytes = size
    record.chunk_count = seq
    await session.flush()
    return record


async def _create(
    session: AsyncSession,
    principal: Principal,
    filename: str | None,
    head: bytes,
    claim_token: uuid.UUID | None,
    claimed_by: str | None,
) -> Import:
    try:
        check_head(head)
    except FeedError as exc:
        raise Invalid("file", str(exc)) from None
    now = datetime.now(UTC)
    record = Import(
        id=uuid.uuid4(),
        kind="dtks",
        filename=filename,
        status="running" if claim_token else "queued",
        uploaded_by=principal.sub,
        uploader_roles=sorted(principal.roles),
        uploader_regions=[] if principal.unscoped else list(principal.regions),
        size_bytes=0,
        chunk_count=0,
        rows_read=0,
        inserted=0,
        updated=0,
        unchanged=0,
        rejected=0,
        warnings=0,
        attempts=1 if claim_token else 0,
        claim_token=claim_token,
        claimed_by=claimed_by,
        heartbeat_at=now if claim_token else None,
        started_at=now if claim_token else None,
        created_at=now,
        extra={},
    )
    repository.add(session, record)
    await session.flush()
    return record


async def get_or_raise(session: AsyncSession, principal: Principal, import_id: uuid.UUID) -> Import:
    permissions.require_read(principal)
    record = await repository.get(session, principal, import_id)
    if record is None:
        raise NotFound(f"no import {import_id} that you may see")
    return record


async def read(session: AsyncSession, principal: Principal, import_id: uuid.UUID) -> ImportRead:
    return to_read(await get_or_raise(session, principal, import_id))


def csv_line(values: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([spreadsheet_safe(v) for v in values])
    return out.getvalue()


async def issues_csv(
    sessionmaker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, severity: Severity
) -> AsyncIterator[str]:
    """The rows of an import that were rejected (or warned about), as CSV, streamed by line number.
    The caller has checked that the import is readable (get_or_raise)."""
    severities = ["rejected", "warning"] if severity == "all" else [severity]
    yield csv_line(["line", "id_dtks", "severity", "reason"])
    after = 0
    while True:
        async with sessionmaker() as session:
            page = await repository.issues(
                session, import_id, severities=severities, after_line=after, limit=ISSUES_PAGE
            )
        if not page:
            return
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for issue in page:
            writer.writerow(
                [
                    issue.line,
                    spreadsheet_safe(issue.id_dtks or ""),
                    issue.severity,
                    spreadsheet_safe(issue.reason),
                ]
            )
        yield out.getvalue()
        after = page[-1].line
        if len(page) < ISSUES_PAGE:
            return
