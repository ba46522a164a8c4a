"""disaster: attachments (photos, signatures, scans of distributions and victims).

Revision ID: a7d3e91f5c20
Revises: 9c4d27e6a1f3
Create Date: 2026-11-23 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d3e91f5c20"
down_revision: str | None = "9c4d27e6a1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        schema="disaster",
    )
    op.create_index(
        "ix_attachments_record",
        "attachments",
        ["record_type", "record_id", "id"],
        unique=False,
        schema="disaster",
    )


def downgrade() -> None:
    op.drop_index("ix_attachments_record", table_name="attachments", schema="disaster")
    op.drop_table("attachments", schema="disaster")
