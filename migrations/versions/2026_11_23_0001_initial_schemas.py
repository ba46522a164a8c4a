"""initial schemas

Revision ID: 564c2e1b863d
Revises:
Create Date: 2026-11-23 14:58:43.245220
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "564c2e1b863d"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCHEMAS = ("registry", "programs", "disaster", "worker")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    # Trigram indexes for typo-tolerant name search.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_access_log_person_id"), "access_log", ["person_id"], unique=False, schema="registry"
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("institution_id", sa.UUID(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("rule", "subject_id", name="uq_findings_rule_subject"),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_findings_region_code"), "findings", ["region_code"], unique=False, schema="registry"
    )
    op.create_index(
        op.f("ix_registry_findings_subject_id"), "findings", ["subject_id"], unique=False, schema="registry"
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="registry",
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["created_at"],
        unique=False,
        schema="registry",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("kk_number", sa.String(length=16), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_place", sa.String(length=100), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        schema="registry",
    )
    op.create_index(
        "ix_people_created_at_id", "people", ["created_at", "id"], unique=False, schema="registry"
    )
    op.create_index(
        "ix_people_full_name_trgm",
        "people",
        ["full_name"],
        unique=False,
        schema="registry",
        postgresql_using="gin",
        postgresql_ops={"full_name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_people_region_code_pattern",
        "people",
        ["region_code"],
        unique=False,
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index(
        op.f("ix_registry_people_kk_number"), "people", ["kk_number"], unique=False, schema="registry"
    )
    op.create_index(op.f("ix_registry_people_nik"), "people", ["nik"], unique=False, schema="registry")
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_code", sa.String(length=13), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_regions_parent_code"), "regions", ["parent_code"], unique=False, schema="registry"
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("institution_id", sa.UUID(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("rule", "subject_id", name="uq_findings_rule_subject"),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_findings_region_code"), "findings", ["region_code"], unique=False, schema="programs"
    )
    op.create_index(
        op.f("ix_programs_findings_subject_id"), "findings", ["subject_id"], unique=False, schema="programs"
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_institutions_capacity_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_institutions_region_code"),
        "institutions",
        ["region_code"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="programs",
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["created_at"],
        unique=False,
        schema="programs",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.create_table(
        "admissions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column("discharge_outcome", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["programs.institutions.id"],
            name=op.f("fk_admissions_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admissions")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_admissions_institution_id"),
        "admissions",
        ["institution_id"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_admissions_person_id"), "admissions", ["person_id"], unique=False, schema="programs"
    )
    op.create_index(
        "uq_admissions_active_person",
        "admissions",
        ["person_id"],
        unique=True,
        schema="programs",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "disasters",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("region_codes", postgresql.ARRAY(sa.String(length=13)), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'emergency'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disasters")),
        schema="disaster",
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("institution_id", sa.UUID(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("rule", "subject_id", name="uq_findings_rule_subject"),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_findings_region_code"), "findings", ["region_code"], unique=False, schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_findings_subject_id"), "findings", ["subject_id"], unique=False, schema="disaster"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", "owner", name=op.f("pk_idempotency_keys")),
        schema="disaster",
    )
    op.create_table(
        "items",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_items")),
        schema="disaster",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="disaster",
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["created_at"],
        unique=False,
        schema="disaster",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.create_table(
        "warehouses",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_warehouses_region_code"),
        "warehouses",
        ["region_code"],
        unique=False,
        schema="disaster",
    )
    op.create_table(
        "distributions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=False),
        sa.Column("warehouse_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["disaster_id"], ["disaster.disasters.id"], name=op.f("fk_distributions_disaster_id_disasters")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["disaster.warehouses.id"],
            name=op.f("fk_distributions_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distributions")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_distributions_disaster_id"),
        "distributions",
        ["disaster_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_distributions_nik"), "distributions", ["nik"], unique=False, schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_distributions_person_id"),
        "distributions",
        ["person_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_distributions_region_code"),
        "distributions",
        ["region_code"],
        unique=False,
        schema="disaster",
    )
    op.create_table(
        "stock_balances",
        sa.Column("warehouse_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_balances_never_negative")),
        sa.ForeignKeyConstraint(
            ["item_code"], ["disaster.items.code"], name=op.f("fk_stock_balances_item_code_items")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["disaster.warehouses.id"],
            name=op.f("fk_stock_balances_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("warehouse_id", "item_code", name=op.f("pk_stock_balances")),
        schema="disaster",
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("warehouse_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("reference_id", sa.UUID(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"], ["disaster.items.code"], name=op.f("fk_stock_movements_item_code_items")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["disaster.warehouses.id"],
            name=op.f("fk_stock_movements_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_stock_movements_warehouse_id"),
        "stock_movements",
        ["warehouse_id"],
        unique=False,
        schema="disaster",
    )
    op.create_table(
        "distribution_lines",
        sa.Column("distribution_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["distribution_id"],
            ["disaster.distributions.id"],
            name=op.f("fk_distribution_lines_distribution_id_distributions"),
        ),
        sa.ForeignKeyConstraint(
            ["item_code"], ["disaster.items.code"], name=op.f("fk_distribution_lines_item_code_items")
        ),
        sa.PrimaryKeyConstraint("distribution_id", "item_code", name=op.f("pk_distribution_lines")),
        schema="disaster",
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
        schema="worker",
    )
    _seed_items()


# The starting relief item catalogue (BNPB Perka 7/2008 units), frozen here as of this revision.
ITEMS = [
    ("beras", "Beras", "kg"),
    ("air_minum", "Air minum", "L"),
    ("air_bersih", "Air bersih", "L"),
    ("paket_keluarga", "Paket keluarga (family kit)", "paket"),
    ("makanan_siap_saji", "Makanan siap saji", "paket"),
    ("tenda", "Tenda", "unit"),
    ("selimut", "Selimut", "lembar"),
    ("kasur", "Kasur lipat", "unit"),
    ("perlengkapan_bayi", "Perlengkapan bayi", "paket"),
    ("sandang", "Sandang (pakaian)", "paket"),
]


def _seed_items() -> None:
    items = sa.table("items", sa.column("code"), sa.column("name"), sa.column("unit"), schema="disaster")
    op.bulk_insert(items, [{"code": c, "name": n, "unit": u} for c, n, u in ITEMS])


def downgrade() -> None:
    op.drop_table("processed_events", schema="worker")
    op.drop_table("distribution_lines", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_stock_movements_warehouse_id"), table_name="stock_movements", schema="disaster"
    )
    op.drop_table("stock_movements", schema="disaster")
    op.drop_table("stock_balances", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_distributions_region_code"), table_name="distributions", schema="disaster"
    )
    op.drop_index(op.f("ix_disaster_distributions_person_id"), table_name="distributions", schema="disaster")
    op.drop_index(op.f("ix_disaster_distributions_nik"), table_name="distributions", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_distributions_disaster_id"), table_name="distributions", schema="disaster"
    )
    op.drop_table("distributions", schema="disaster")
    op.drop_index(op.f("ix_disaster_warehouses_region_code"), table_name="warehouses", schema="disaster")
    op.drop_table("warehouses", schema="disaster")
    op.drop_index(
        "ix_outbox_pending",
        table_name="outbox",
        schema="disaster",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.drop_table("outbox", schema="disaster")
    op.drop_table("items", schema="disaster")
    op.drop_table("idempotency_keys", schema="disaster")
    op.drop_index(op.f("ix_disaster_findings_subject_id"), table_name="findings", schema="disaster")
    op.drop_index(op.f("ix_disaster_findings_region_code"), table_name="findings", schema="disaster")
    op.drop_table("findings", schema="disaster")
    op.drop_table("disasters", schema="disaster")
    op.drop_index(
        "uq_admissions_active_person",
        table_name="admissions",
        schema="programs",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(op.f("ix_programs_admissions_person_id"), table_name="admissions", schema="programs")
    op.drop_index(op.f("ix_programs_admissions_institution_id"), table_name="admissions", schema="programs")
    op.drop_table("admissions", schema="programs")
    op.drop_index(
        "ix_outbox_pending",
        table_name="outbox",
        schema="programs",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.drop_table("outbox", schema="programs")
    op.drop_index(op.f("ix_programs_institutions_region_code"), table_name="institutions", schema="programs")
    op.drop_table("institutions", schema="programs")
    op.drop_index(op.f("ix_programs_findings_subject_id"), table_name="findings", schema="programs")
    op.drop_index(op.f("ix_programs_findings_region_code"), table_name="findings", schema="programs")
    op.drop_table("findings", schema="programs")
    op.drop_index(op.f("ix_registry_regions_parent_code"), table_name="regions", schema="registry")
    op.drop_table("regions", schema="registry")
    op.drop_index(op.f("ix_registry_people_nik"), table_name="people", schema="registry")
    op.drop_index(op.f("ix_registry_people_kk_number"), table_name="people", schema="registry")
    op.drop_index(
        "ix_people_region_code_pattern",
        table_name="people",
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.drop_index(
        "ix_people_full_name_trgm",
        table_name="people",
        schema="registry",
        postgresql_using="gin",
        postgresql_ops={"full_name": "gin_trgm_ops"},
    )
    op.drop_index("ix_people_created_at_id", table_name="people", schema="registry")
    op.drop_table("people", schema="registry")
    op.drop_index(
        "ix_outbox_pending",
        table_name="outbox",
        schema="registry",
        postgresql_where=sa.text("acked_at IS NULL AND dead_at IS NULL"),
    )
    op.drop_table("outbox", schema="registry")
    op.drop_index(op.f("ix_registry_findings_subject_id"), table_name="findings", schema="registry")
    op.drop_index(op.f("ix_registry_findings_region_code"), table_name="findings", schema="registry")
    op.drop_table("findings", schema="registry")
    op.drop_index(op.f("ix_registry_access_log_person_id"), table_name="access_log", schema="registry")
    op.drop_table("access_log", schema="registry")
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
