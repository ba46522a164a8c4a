"""programs: a change log for the delta feed (`GET /api/v1/changes`), written by triggers on
institutions, admissions and enrolments in the writing transaction, stamped with its transaction id
(see shared/changes.py).

Revision ID: 75904fe81abf
Revises: c5e82b4f1d93
Create Date: 2026-11-23 19:46:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.changes import drop_trigger_sql, trigger_function_sql, trigger_sql

revision: str = "75904fe81abf"
down_revision: str | None = "c5e82b4f1d93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "programs"
# table, entity name in the feed, the column that makes a record gone once set, the column naming the
# record's institution (an institution operator's scope)
SYNCED = [
    ("institutions", "institution", None, "id"),
    ("admissions", "admission", None, "institution_id"),
    ("enrolments", "enrolment", None, None),
]


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "xid",
            sa.BigInteger(),
            server_default=sa.text("pg_current_xact_id()::text::bigint"),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("op", sa.String(length=9), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("institution_id", sa.UUID(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
        schema=SCHEMA,
    )
    op.create_index("ix_change_log_xid_id", "change_log", ["xid", "id"], unique=False, schema=SCHEMA)
    op.execute(trigger_function_sql(SCHEMA))
    for table, entity, gone, institution in SYNCED:
        for statement in trigger_sql(SCHEMA, table, entity, gone, institution):
            op.execute(statement)


def downgrade() -> None:
    for table, *_ in SYNCED:
        for statement in drop_trigger_sql(SCHEMA, table):
            op.execute(statement)
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.log_change()")
    op.drop_index("ix_change_log_xid_id", table_name="change_log", schema=SCHEMA)
    op.drop_table("change_log", schema=SCHEMA)
