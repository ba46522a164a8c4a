"""programs: attachments (photos, signed letters, scans of admissions).

Revision ID: c5e82b4f1d93
Revises: 3b8e51d0c7a2
Create Date: 2026-11-23 19:31:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e82b4f1d93"
down_revision: str | None = "3b8e51d0c7a2"
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
        schema="programs",
    )
    op.create_index(
        "ix_attachments_record",
        "attachments",
        ["record_type", "record_id", "id"],
        unique=False,
        schema="programs",
    )


def downgrade() -> None:
    op.drop_index("ix_attachments_record", table_name="attachments", schema="programs")
    op.drop_table("attachments", schema="programs")
