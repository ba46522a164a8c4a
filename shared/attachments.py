"""What every service's attachments share: the table's columns, what a file is judged to be by its
first bytes (never by its name or the type the client claims), the size limit, and the headers a file
is served with. Each service keeps its own table and decides which of its records take attachments
and who may see them (services/*/attachments)."""

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, Request, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.errors import AppError, FieldError
from shared.storage import Storage, storage_from
from shared.types import OfficeTime

# What an attachment is for: proof that aid was handed over, a victim's or client's likeness or
# signature, a scanned document (a letter, an ID card when the original is lost).
AttachmentKind = Literal["photo", "signature", "document"]
ACCEPTED = ("image/jpeg", "image/png", "image/webp", "application/pdf")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
CHUNK = 64 * 1024


class UnsupportedMediaType(AppError):
    status = 415
    problem = "unsupported-media-type"
    title = "Unsupported file type"

    def __init__(self, detail: str):
        super().__init__(detail, errors=[FieldError(field="file", message=detail)])


class AttachmentTooLarge(AppError):
    status = 413
    problem = "payload-too-large"
    title = "The file is too large"

    def __init__(self, limit: int):
        message = f"a file may have at most {limit} bytes ({limit / 1024 / 1024:.1f} MiB)"
        super().__init__(message, errors=[FieldError(field="file", message=message)])


def sniff(head: bytes) -> str | None:
    """The media type the file's first bytes prove, among the accepted ones; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


async def read_upload(upload: UploadFile, limit: int) -> tuple[bytes, str]:
    """The whole file and its proven media type. Reads at most one chunk past the limit, so a huge
    file costs no more memory than an allowed one."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise AttachmentTooLarge(limit)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise UnsupportedMediaType("the file is empty")
    media_type = sniff(data[:16])
    if media_type is None:
        raise UnsupportedMediaType(
            "the file is not a JPEG, PNG or WebP image or a PDF (judged by its content, not its name)"
        )
    return data, media_type


def clean_filename(name: str | None, media_type: str) -> str:
    """The client's file name, kept for people to recognise the file: only its last part, without
    control characters, at most 200 characters, with the extension of what the file really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base).strip(" .") or "attachment"
    return f"{stem[:190]}.{EXTENSIONS[media_type]}"


def content_disposition(filename: str) -> str:
    """`attachment`, so a browser downloads rather than renders; the name both as plain ASCII and as
    RFC 5987 UTF-8 for names with other letters."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip()
    if not ascii_name or ascii_name.startswith("."):  # a name all in other letters: keep the extension
        ascii_name = "attachment" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class AttachmentMixin:
    """One file linked to one record. Never changed once stored: the row is the upload's audit (who,
    when, the file's SHA-256)."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(20))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    # Where the bytes are in the store (shared/storage.py); built from ids, never from the file name.
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    kind: AttachmentKind
    media_type: str
    size_bytes: int
    sha256: str
    filename: str
    uploaded_by: str
    created_at: OfficeTime


def _storage(request: Request) -> Storage:
    # One store per app, made on first use (an S3 client is costly to build, cheap to share).
    store: Storage | None = getattr(request.app.state, "attachment_storage", None)
    if store is None:
        store = storage_from(request.app.state.settings)
        request.app.state.attachment_storage = store
    return store


StorageDep = Annotated[Storage, Depends(_storage)]
