"""programs: targeting (issue 10): eligibility rule versions, targeting runs with their registry
snapshot time and fairness denominators, ranked candidates with their reasons, and the audit trail of
officers' decisions

Revision ID: 7d3f9a2c41b8
Revises: 08701fbfc3f9
Create Date: 2026-11-23 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d3f9a2c41b8"
down_revision: str | None = "08701fbfc3f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "targeting_rules",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("condition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("priority", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("quota", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("age_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from",
            name=op.f("ck_targeting_rules_effective_order"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_targeting_rules_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_rules")),
        sa.UniqueConstraint("program_id", "version", name="uq_targeting_rules_program_version"),
        schema="programs",
    )
    op.create_table(
        "targeting_runs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("rule_id", sa.UUID(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_scanned", sa.Integer(), nullable=True),
        sa.Column("eligible_count", sa.Integer(), nullable=True),
        sa.Column("over_quota_count", sa.Integer(), nullable=True),
        sa.Column("candidate_count", sa.Integer(), nullable=True),
        sa.Column("population", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_targeting_runs_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["programs.targeting_rules.id"],
            name=op.f("fk_targeting_runs_rule_id_targeting_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_runs")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_targeting_runs_program_id"),
        "targeting_runs",
        ["program_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "targeting_candidates",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("age_group", sa.String(length=8), nullable=False),
        sa.Column("welfare_decile", sa.SmallInteger(), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decision", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolment_id", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["programs.targeting_runs.id"],
            name=op.f("fk_targeting_candidates_run_id_targeting_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "person_id", name=op.f("pk_targeting_candidates")),
        sa.UniqueConstraint("run_id", "rank", name="uq_targeting_candidates_run_rank"),
        schema="programs",
    )
    op.create_index(
        "ix_targeting_candidates_run_region",
        "targeting_candidates",
        ["run_id", "region_code"],
        unique=False,
        schema="programs",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_table(
        "targeting_decisions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("enrolment_id", sa.UUID(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["programs.targeting_runs.id"],
            name=op.f("fk_targeting_decisions_run_id_targeting_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_decisions")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_targeting_decisions_run_id"),
        "targeting_decisions",
        ["run_id"],
        unique=False,
        schema="programs",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_programs_targeting_decisions_run_id"), table_name="targeting_decisions", schema="programs"
    )
    op.drop_table("targeting_decisions", schema="programs")
    op.drop_index(
        "ix_targeting_candidates_run_region",
        table_name="targeting_candidates",
        schema="programs",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.drop_table("targeting_candidates", schema="programs")
    op.drop_index(
        op.f("ix_programs_targeting_runs_program_id"), table_name="targeting_runs", schema="programs"
    )
    op.drop_table("targeting_runs", schema="programs")
    op.drop_table("targeting_rules", schema="programs")
