"""programs: registry merges carried into the service (which admissions, enrolments, benefits, aid and
projections were re-pointed to the survivor, so that an undo puts them back).

Revision ID: 08701fbfc3f9
Revises: 0ee8ca2d5873
Create Date: 2026-11-23 17:49:04.950913
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "08701fbfc3f9"
down_revision: str | None = "0ee8ca2d5873"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_merges",
        sa.Column("merge_id", sa.UUID(), nullable=False),
        sa.Column("merged_id", sa.UUID(), nullable=False),
        sa.Column("survivor_id", sa.UUID(), nullable=False),
        sa.Column("repointed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("kept", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("merged_by", sa.String(length=200), nullable=False),
        sa.Column("undo_id", sa.UUID(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.Column("restored", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("merge_id", name=op.f("pk_person_merges")),
        sa.UniqueConstraint("undo_id", name=op.f("uq_person_merges_undo_id")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_person_merges_merged_id"),
        "person_merges",
        ["merged_id"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_person_merges_survivor_id"),
        "person_merges",
        ["survivor_id"],
        unique=False,
        schema="programs",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_programs_person_merges_survivor_id"), table_name="person_merges", schema="programs"
    )
    op.drop_index(op.f("ix_programs_person_merges_merged_id"), table_name="person_merges", schema="programs")
    op.drop_table("person_merges", schema="programs")
