"""disaster: victims matched against the registry (score, candidates, an officer's review) and registry
merges carried into the service (which rows were re-pointed, so that an undo puts them back).

Revision ID: 8aafef77050e
Revises: e9140651b445
Create Date: 2026-11-23 17:48:14.711721
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8aafef77050e"
down_revision: str | None = "e9140651b445"
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
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_person_merges_merged_id"),
        "person_merges",
        ["merged_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_person_merges_survivor_id"),
        "person_merges",
        ["survivor_id"],
        unique=False,
        schema="disaster",
    )
    op.add_column("victims", sa.Column("match_score", sa.Float(), nullable=True), schema="disaster")
    op.add_column(
        "victims",
        sa.Column("match_candidates", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="disaster",
    )
    op.add_column(
        "victims", sa.Column("match_reviewed_by", sa.String(length=200), nullable=True), schema="disaster"
    )
    op.add_column(
        "victims",
        sa.Column("match_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        schema="disaster",
    )
    op.add_column("victims", sa.Column("match_review_reason", sa.Text(), nullable=True), schema="disaster")


def downgrade() -> None:
    op.drop_column("victims", "match_review_reason", schema="disaster")
    op.drop_column("victims", "match_reviewed_at", schema="disaster")
    op.drop_column("victims", "match_reviewed_by", schema="disaster")
    op.drop_column("victims", "match_candidates", schema="disaster")
    op.drop_column("victims", "match_score", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_person_merges_survivor_id"), table_name="person_merges", schema="disaster"
    )
    op.drop_index(op.f("ix_disaster_person_merges_merged_id"), table_name="person_merges", schema="disaster")
    op.drop_table("person_merges", schema="disaster")
