from sqlalchemy import Index

from services.disaster.db import Base
from shared.attachments import AttachmentMixin


class Attachment(AttachmentMixin, Base):
    """A file attached to a distribution or a victim."""

    __table_args__ = (Index("ix_attachments_record", "record_type", "record_id", "id"),)
