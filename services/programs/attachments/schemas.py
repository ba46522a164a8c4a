from typing import Literal

from shared.attachments import AttachmentRead

# The programs records a file may be attached to.
RecordType = Literal["admission"]

__all__ = ["AttachmentRead", "RecordType"]
