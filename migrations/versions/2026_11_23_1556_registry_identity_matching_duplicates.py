"""registry: identity matching (model parameters) and duplicates (scans and their partitions,
candidate pairs and their trail, merges with what they changed, aliases of merged records)

Revision ID: 62c70960a405
Revises: 220824cf6563
Create Date: 2026-11-23 15:56:13.454045
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "62c70960a405"
down_revision: str | None = "220824cf6563"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_scans",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("region", sa.String(length=13), nullable=True),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'running'"), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column(
            "requester_regions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("model_id", sa.UUID(), nullable=True),
        sa.Column("partitions_total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_scans")),
        schema="registry",
    )
    op.create_table(
        "matching_models",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("estimated_from", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_models")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_matching_models_created_at"),
        "matching_models",
        ["created_at"],
        unique=False,
        schema="registry",
    )
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("person_a", sa.UUID(), nullable=False),
        sa.Column("person_b", sa.UUID(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), server_default=sa.text("'open'"), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scan_id", sa.UUID(), nullable=True),
        sa.Column("partition", sa.String(length=13), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("person_a < person_b", name=op.f("ck_duplicate_pairs_ordered")),
        sa.ForeignKeyConstraint(
            ["person_a"], ["registry.people.id"], name=op.f("fk_duplicate_pairs_person_a_people")
        ),
        sa.ForeignKeyConstraint(
            ["person_b"], ["registry.people.id"], name=op.f("fk_duplicate_pairs_person_b_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pairs")),
        sa.UniqueConstraint("person_a", "person_b", name="uq_duplicate_pairs_people"),
        schema="registry",
    )
    op.create_index(
        "ix_duplicate_pairs_partition",
        "duplicate_pairs",
        ["partition"],
        unique=False,
        schema="registry",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_duplicate_pairs_status_score",
        "duplicate_pairs",
        ["status", "score"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_duplicate_pairs_person_b"),
        "duplicate_pairs",
        ["person_b"],
        unique=False,
        schema="registry",
    )
    op.create_table(
        "duplicate_scan_partitions",
        sa.Column("scan_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("people", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("compared", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("pairs", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("runs", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["registry.duplicate_scans.id"],
            name=op.f("fk_duplicate_scan_partitions_scan_id_duplicate_scans"),
        ),
        sa.PrimaryKeyConstraint("scan_id", "code", name=op.f("pk_duplicate_scan_partitions")),
        schema="registry",
    )
    op.create_table(
        "duplicate_pair_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("pair_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["registry.duplicate_pairs.id"],
            name=op.f("fk_duplicate_pair_events_pair_id_duplicate_pairs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pair_events")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_duplicate_pair_events_pair_id"),
        "duplicate_pair_events",
        ["pair_id"],
        unique=False,
        schema="registry",
    )
    op.create_table(
        "person_merges",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("pair_id", sa.UUID(), nullable=False),
        sa.Column("survivor_id", sa.UUID(), nullable=False),
        sa.Column("merged_id", sa.UUID(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["registry.people.id"], name=op.f("fk_person_merges_merged_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["registry.duplicate_pairs.id"],
            name=op.f("fk_person_merges_pair_id_duplicate_pairs"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["registry.people.id"], name=op.f("fk_person_merges_survivor_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_person_merges_merged_id"),
        "person_merges",
        ["merged_id"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_person_merges_pair_id"),
        "person_merges",
        ["pair_id"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_person_merges_survivor_id"),
        "person_merges",
        ["survivor_id"],
        unique=False,
        schema="registry",
    )
    op.create_table(
        "person_aliases",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("merge_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["merge_id"], ["registry.person_merges.id"], name=op.f("fk_person_aliases_merge_id_person_merges")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry.people.id"], name=op.f("fk_person_aliases_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_aliases")),
        schema="registry",
    )
    op.create_index(
        "ix_person_aliases_kind_value", "person_aliases", ["kind", "value"], unique=False, schema="registry"
    )
    op.create_index(
        op.f("ix_registry_person_aliases_merge_id"),
        "person_aliases",
        ["merge_id"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_person_aliases_person_id"),
        "person_aliases",
        ["person_id"],
        unique=False,
        schema="registry",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_registry_person_aliases_person_id"), table_name="person_aliases", schema="registry"
    )
    op.drop_index(op.f("ix_registry_person_aliases_merge_id"), table_name="person_aliases", schema="registry")
    op.drop_index("ix_person_aliases_kind_value", table_name="person_aliases", schema="registry")
    op.drop_table("person_aliases", schema="registry")
    op.drop_index(
        op.f("ix_registry_person_merges_survivor_id"), table_name="person_merges", schema="registry"
    )
    op.drop_index(op.f("ix_registry_person_merges_pair_id"), table_name="person_merges", schema="registry")
    op.drop_index(op.f("ix_registry_person_merges_merged_id"), table_name="person_merges", schema="registry")
    op.drop_table("person_merges", schema="registry")
    op.drop_index(
        op.f("ix_registry_duplicate_pair_events_pair_id"),
        table_name="duplicate_pair_events",
        schema="registry",
    )
    op.drop_table("duplicate_pair_events", schema="registry")
    op.drop_table("duplicate_scan_partitions", schema="registry")
    op.drop_index(
        op.f("ix_registry_duplicate_pairs_person_b"), table_name="duplicate_pairs", schema="registry"
    )
    op.drop_index("ix_duplicate_pairs_status_score", table_name="duplicate_pairs", schema="registry")
    op.drop_index(
        "ix_duplicate_pairs_partition",
        table_name="duplicate_pairs",
        schema="registry",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_table("duplicate_pairs", schema="registry")
    op.drop_index(
        op.f("ix_registry_matching_models_created_at"), table_name="matching_models", schema="registry"
    )
    op.drop_table("matching_models", schema="registry")
    op.drop_table("duplicate_scans", schema="registry")
