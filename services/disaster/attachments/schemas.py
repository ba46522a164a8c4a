from typing import Literal

from shared.attachments import AttachmentRead

# The disaster records a file may be attached to.
RecordType = Literal["distribution", "victim"]

__all__ = ["AttachmentRead", "RecordType"]
