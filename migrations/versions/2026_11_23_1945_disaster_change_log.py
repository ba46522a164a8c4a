"""disaster: a change log for the delta feed (`GET /api/v1/changes`), written by triggers on victims,
evacuation sites, site stays and stock balances in the writing transaction, stamped with its
transaction id (see shared/changes.py).

Revision ID: 58a445c1e673
Revises: a7d3e91f5c20
Create Date: 2026-11-23 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.changes import drop_trigger_sql, trigger_function_sql, trigger_sql

revision: str = "58a445c1e673"
down_revision: str | None = "a7d3e91f5c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "disaster"
# table, entity name in the feed, the column that makes a record gone once set
SYNCED = [("victims", "victim", None), ("evacuation_sites", "site", None)]

# A check-in or check-out changes the victim (`site_id`) and the site (headcount); a stock balance has
# no id or region of its own: it changes the warehouse's stock, in the warehouse's region.
RELATED = [
    """
CREATE OR REPLACE FUNCTION disaster.log_stay_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stay disaster.site_stays;
BEGIN
    IF TG_OP = 'DELETE' THEN stay := OLD; ELSE stay := NEW; END IF;
    INSERT INTO disaster.change_log (entity, entity_id, op, region_code)
    SELECT 'victim', v.id, 'upsert', v.region_code FROM disaster.victims v WHERE v.id = stay.victim_id
    UNION ALL
    SELECT 'site', s.id, 'upsert', s.region_code FROM disaster.evacuation_sites s WHERE s.id = stay.site_id;
    RETURN NULL;
END
$$""",
    """
CREATE OR REPLACE FUNCTION disaster.log_stock_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    warehouse uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN warehouse := OLD.warehouse_id; ELSE warehouse := NEW.warehouse_id; END IF;
    INSERT INTO disaster.change_log (entity, entity_id, op, region_code)
    SELECT 'stock', w.id, 'upsert', w.region_code FROM disaster.warehouses w WHERE w.id = warehouse;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER log_change_write AFTER INSERT OR UPDATE OR DELETE ON disaster.site_stays"
    " FOR EACH ROW EXECUTE FUNCTION disaster.log_stay_change()",
    "CREATE TRIGGER log_change_write AFTER INSERT OR UPDATE OR DELETE ON disaster.stock_balances"
    " FOR EACH ROW EXECUTE FUNCTION disaster.log_stock_change()",
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
    for table, entity, gone in SYNCED:
        for statement in trigger_sql(SCHEMA, table, entity, gone):
            op.execute(statement)
    for statement in RELATED:
        op.execute(statement)


def downgrade() -> None:
    for table in ("site_stays", "stock_balances"):
        op.execute(f"DROP TRIGGER IF EXISTS log_change_write ON {SCHEMA}.{table}")
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.log_stay_change()")
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.log_stock_change()")
    for table, *_ in SYNCED:
        for statement in drop_trigger_sql(SCHEMA, table):
            op.execute(statement)
    op.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.log_change()")
    op.drop_index("ix_change_log_xid_id", table_name="change_log", schema=SCHEMA)
    op.drop_table("change_log", schema=SCHEMA)
