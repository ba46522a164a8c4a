from shared.attachments import AttachmentTooLarge, UnsupportedMediaType
from shared.errors import AppError


class AttachmentFileMissing(AppError):
    # The row is there but the store has lost the bytes: ours to fix, not the caller's.
    status = 500
    problem = "attachment-file-missing"
    title = "The attachment's file is missing from storage"


__all__ = ["AttachmentFileMissing", "AttachmentTooLarge", "UnsupportedMediaType"]
