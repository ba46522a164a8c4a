"""registry: a change log for the delta feed (`GET /api/v1/changes`), written by triggers on people and
households in the writing transaction, stamped with its transaction id (see shared/changes.py).

Revision ID: 09053aee5e54
Revises: 5e1c0b7a9d24
Create Date: 2026-11-23 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.changes import drop_trigger_sql, trigger_function_sql, trigger_sql

revision: str = "09053aee5e54"
down_revision: str | None = "5e1c0b7a9d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "registry"
# table, entity name in the feed, the column that makes a record gone once set
SYNCED = [("people", "person", "merged_into"), ("households", "household", None)]


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
    for table, entity, gone in SYNCED:
        for statement in trigger_sql(SCHEMA, table, entity, gone):
            op.execute(statement)


def downgrade() -> None:
    for table, *_ in SYNCED:
        for statement in drop_trigger_sql(SCHEMA, table):
            op.execute(statement)
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.log_change()")
    op.drop_index("ix_change_log_xid_id", table_name="change_log", schema=SCHEMA)
    op.drop_table("change_log", schema=SCHEMA)
