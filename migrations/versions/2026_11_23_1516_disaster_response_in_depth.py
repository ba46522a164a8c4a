"""disaster response in depth: victims, evacuation sites, entitlements, victim targets; transfers and
adjustments in an append-only stock ledger; recipients, sites and offline sync on distributions.

Revision ID: e9140651b445
Revises: 564c2e1b863d
Create Date: 2026-11-23 15:16:18.274120
"""

import uuid
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "e9140651b445"
down_revision: str | None = "564c2e1b863d"
branch_labels: str | Sequence[str] | None = ("disaster",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "victim_targets",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_victim_targets_not_negative")),
        sa.PrimaryKeyConstraint("year", "region_code", name=op.f("pk_victim_targets")),
        schema="disaster",
    )
    op.create_table(
        "entitlement_rules",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(rule = 'unlimited') = (quantity IS NULL)",
            name=op.f("ck_entitlement_rules_quantity_unless_unlimited"),
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_entitlement_rules_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["disaster_id"],
            ["disaster.disasters.id"],
            name=op.f("fk_entitlement_rules_disaster_id_disasters"),
        ),
        sa.ForeignKeyConstraint(
            ["item_code"], ["disaster.items.code"], name=op.f("fk_entitlement_rules_item_code_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlement_rules")),
        sa.UniqueConstraint(
            "disaster_id",
            "item_code",
            name=op.f("uq_entitlement_rules_disaster_id"),
            postgresql_nulls_not_distinct=True,
        ),
        schema="disaster",
    )
    op.create_table(
        "evacuation_sites",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("covered_area_m2", sa.Numeric(precision=10, scale=1), nullable=False),
        sa.Column("toilets", sa.Integer(), nullable=False),
        sa.Column("water_liters_per_day", sa.Numeric(precision=12, scale=1), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'open'"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["disaster_id"], ["disaster.disasters.id"], name=op.f("fk_evacuation_sites_disaster_id_disasters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evacuation_sites")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_evacuation_sites_disaster_id"),
        "evacuation_sites",
        ["disaster_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_evacuation_sites_region_code"),
        "evacuation_sites",
        ["region_code"],
        unique=False,
        schema="disaster",
    )
    op.create_table(
        "victims",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=True),
        sa.Column("kk_number", sa.String(length=16), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=False),
        sa.Column("pregnant", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("disability", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("match_status", sa.String(length=20), nullable=True),
        sa.Column("found_on", sa.Date(), nullable=True),
        sa.Column("found_place", sa.Text(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["disaster_id"], ["disaster.disasters.id"], name=op.f("fk_victims_disaster_id_disasters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victims")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_victims_person_id"), "victims", ["person_id"], unique=False, schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_victims_region_code"), "victims", ["region_code"], unique=False, schema="disaster"
    )
    op.create_index(
        "ix_victims_disaster_household",
        "victims",
        ["disaster_id", "household_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index("ix_victims_registered_at", "victims", ["registered_at"], unique=False, schema="disaster")
    op.create_index(
        "uq_victims_disaster_nik",
        "victims",
        ["disaster_id", "nik"],
        unique=True,
        schema="disaster",
        postgresql_where=sa.text("nik IS NOT NULL"),
    )
    op.create_table(
        "site_stays",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("victim_id", sa.UUID(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_by", sa.String(length=200), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["disaster.evacuation_sites.id"], name=op.f("fk_site_stays_site_id_evacuation_sites")
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["disaster.victims.id"], name=op.f("fk_site_stays_victim_id_victims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_stays")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_site_stays_site_id"), "site_stays", ["site_id"], unique=False, schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_site_stays_victim_id"), "site_stays", ["victim_id"], unique=False, schema="disaster"
    )
    op.create_index(
        "uq_site_stays_one_open_per_victim",
        "site_stays",
        ["victim_id"],
        unique=True,
        schema="disaster",
        postgresql_where=sa.text("checked_out_at IS NULL"),
    )
    op.add_column("disasters", sa.Column("closed_on", sa.Date(), nullable=True), schema="disaster")
    op.add_column(
        "disasters",
        sa.Column("dead", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("missing", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("injured", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("displaced", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("affected", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("houses_heavily_damaged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("houses_moderately_damaged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("houses_lightly_damaged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "disasters",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        schema="disaster",
    )
    op.add_column("distributions", sa.Column("site_id", sa.UUID(), nullable=True), schema="disaster")
    op.add_column("distributions", sa.Column("victim_id", sa.UUID(), nullable=True), schema="disaster")
    op.add_column("distributions", sa.Column("household_id", sa.UUID(), nullable=True), schema="disaster")
    op.add_column(
        "distributions",
        sa.Column("entitlement_group", sa.String(length=60), nullable=True),
        schema="disaster",
    )
    # Distributions recorded before households existed count against their single recipient.
    op.execute(
        "UPDATE disaster.distributions SET entitlement_group = "
        "coalesce('person:' || person_id::text, 'nik:' || nik, 'distribution:' || id::text)"
    )
    op.alter_column("distributions", "entitlement_group", nullable=False, schema="disaster")
    op.add_column("distributions", sa.Column("override_reason", sa.Text(), nullable=True), schema="disaster")
    op.add_column(
        "distributions",
        sa.Column("source", sa.String(length=8), server_default=sa.text("'api'"), nullable=False),
        schema="disaster",
    )
    op.add_column(
        "distributions", sa.Column("content_hash", sa.String(length=64), nullable=True), schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_distributions_victim_id"),
        "distributions",
        ["victim_id"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        "ix_distributions_entitlement",
        "distributions",
        ["disaster_id", "entitlement_group"],
        unique=False,
        schema="disaster",
    )
    op.create_index(
        "ix_distributions_household",
        "distributions",
        ["household_id"],
        unique=False,
        schema="disaster",
        postgresql_where=sa.text("household_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_distributions_site_id_evacuation_sites"),
        "distributions",
        "evacuation_sites",
        ["site_id"],
        ["id"],
        source_schema="disaster",
        referent_schema="disaster",
    )
    op.create_foreign_key(
        op.f("fk_distributions_victim_id_victims"),
        "distributions",
        "victims",
        ["victim_id"],
        ["id"],
        source_schema="disaster",
        referent_schema="disaster",
    )
    op.add_column(
        "stock_movements", sa.Column("counterpart_warehouse_id", sa.UUID(), nullable=True), schema="disaster"
    )
    op.create_index(
        op.f("ix_disaster_stock_movements_reference_id"),
        "stock_movements",
        ["reference_id"],
        unique=False,
        schema="disaster",
    )
    op.add_column(
        "warehouses",
        sa.Column("kind", sa.String(length=20), server_default=sa.text("'gudang'"), nullable=False),
        schema="disaster",
    )
    op.create_check_constraint(
        op.f("ck_stock_movements_not_zero"), "stock_movements", "quantity <> 0", schema="disaster"
    )
    op.create_check_constraint(
        op.f("ck_stock_movements_known_kind"),
        "stock_movements",
        "kind IN ('receipt', 'distribution', 'transfer_out', 'transfer_in', 'adjustment')",
        schema="disaster",
    )
    op.create_check_constraint(
        op.f("ck_stock_movements_adjustment_has_reason"),
        "stock_movements",
        "kind <> 'adjustment' OR note IS NOT NULL",
        schema="disaster",
    )
    # The ledger is append-only: a correction is a new movement (an adjustment), never an edit.
    op.execute(
        "CREATE FUNCTION disaster.refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'the stock ledger is append-only: % refused', TG_OP; END $$"
    )
    op.execute(
        "CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON disaster.stock_movements "
        "FOR EACH ROW EXECUTE FUNCTION disaster.refuse_ledger_change()"
    )
    _seed()


# Relief items added to the catalogue by this revision (BNPB Perka 7/2008 units), frozen here.
ITEMS = [
    ("terpal", "Terpal", "lembar"),
    ("paket_kebersihan", "Paket kebersihan (hygiene kit)", "paket"),
    ("lauk_pauk", "Lauk pauk siap saji", "paket"),
    ("mi_instan", "Mi instan", "dus"),
    ("paket_sekolah", "Perlengkapan sekolah anak", "paket"),
    ("matras", "Matras", "unit"),
    ("kelambu", "Kelambu", "unit"),
]

# Default entitlements (BNPB Perka 7/2008, per person per week: rice 2.8 kg, drinking water 17.5 L,
# clean water 67 L; one family kit per household). Configurable per disaster through the API.
ENTITLEMENTS = [
    ("paket_keluarga", "per_household_per_disaster", "1"),
    ("beras", "per_person_per_week", "2.8"),
    ("air_minum", "per_person_per_week", "17.5"),
    ("air_bersih", "per_person_per_week", "67"),
]


def _seed() -> None:
    items = sa.table("items", sa.column("code"), sa.column("name"), sa.column("unit"), schema="disaster")
    op.bulk_insert(items, [{"code": c, "name": n, "unit": u} for c, n, u in ITEMS])
    rules = sa.table(
        "entitlement_rules",
        sa.column("id"),
        sa.column("disaster_id"),
        sa.column("item_code"),
        sa.column("rule"),
        sa.column("quantity"),
        sa.column("updated_by"),
        schema="disaster",
    )
    op.bulk_insert(
        rules,
        [
            {
                "id": uuid.uuid4(),
                "disaster_id": None,
                "item_code": code,
                "rule": rule,
                "quantity": Decimal(quantity),
                "updated_by": "migration",
            }
            for code, rule, quantity in ENTITLEMENTS
        ],
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER stock_movements_append_only ON disaster.stock_movements")
    op.execute("DROP FUNCTION disaster.refuse_ledger_change()")
    op.drop_constraint(
        op.f("ck_stock_movements_adjustment_has_reason"), "stock_movements", schema="disaster", type_="check"
    )
    op.drop_constraint(
        op.f("ck_stock_movements_known_kind"), "stock_movements", schema="disaster", type_="check"
    )
    op.drop_constraint(
        op.f("ck_stock_movements_not_zero"), "stock_movements", schema="disaster", type_="check"
    )
    op.drop_column("warehouses", "kind", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_stock_movements_reference_id"), table_name="stock_movements", schema="disaster"
    )
    op.drop_column("stock_movements", "counterpart_warehouse_id", schema="disaster")
    op.drop_constraint(
        op.f("fk_distributions_victim_id_victims"), "distributions", schema="disaster", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_distributions_site_id_evacuation_sites"),
        "distributions",
        schema="disaster",
        type_="foreignkey",
    )
    op.drop_index(
        "ix_distributions_household",
        table_name="distributions",
        schema="disaster",
        postgresql_where=sa.text("household_id IS NOT NULL"),
    )
    op.drop_index("ix_distributions_entitlement", table_name="distributions", schema="disaster")
    op.drop_index(op.f("ix_disaster_distributions_victim_id"), table_name="distributions", schema="disaster")
    op.drop_column("distributions", "content_hash", schema="disaster")
    op.drop_column("distributions", "source", schema="disaster")
    op.drop_column("distributions", "override_reason", schema="disaster")
    op.drop_column("distributions", "entitlement_group", schema="disaster")
    op.drop_column("distributions", "household_id", schema="disaster")
    op.drop_column("distributions", "victim_id", schema="disaster")
    op.drop_column("distributions", "site_id", schema="disaster")
    op.drop_column("disasters", "updated_at", schema="disaster")
    op.drop_column("disasters", "version", schema="disaster")
    op.drop_column("disasters", "houses_lightly_damaged", schema="disaster")
    op.drop_column("disasters", "houses_moderately_damaged", schema="disaster")
    op.drop_column("disasters", "houses_heavily_damaged", schema="disaster")
    op.drop_column("disasters", "affected", schema="disaster")
    op.drop_column("disasters", "displaced", schema="disaster")
    op.drop_column("disasters", "injured", schema="disaster")
    op.drop_column("disasters", "missing", schema="disaster")
    op.drop_column("disasters", "dead", schema="disaster")
    op.drop_column("disasters", "closed_on", schema="disaster")
    op.drop_index(
        "uq_site_stays_one_open_per_victim",
        table_name="site_stays",
        schema="disaster",
        postgresql_where=sa.text("checked_out_at IS NULL"),
    )
    op.drop_index(op.f("ix_disaster_site_stays_victim_id"), table_name="site_stays", schema="disaster")
    op.drop_index(op.f("ix_disaster_site_stays_site_id"), table_name="site_stays", schema="disaster")
    op.drop_table("site_stays", schema="disaster")
    op.drop_index(
        "uq_victims_disaster_nik",
        table_name="victims",
        schema="disaster",
        postgresql_where=sa.text("nik IS NOT NULL"),
    )
    op.drop_index("ix_victims_registered_at", table_name="victims", schema="disaster")
    op.drop_index("ix_victims_disaster_household", table_name="victims", schema="disaster")
    op.drop_index(op.f("ix_disaster_victims_region_code"), table_name="victims", schema="disaster")
    op.drop_index(op.f("ix_disaster_victims_person_id"), table_name="victims", schema="disaster")
    op.drop_table("victims", schema="disaster")
    op.drop_index(
        op.f("ix_disaster_evacuation_sites_region_code"), table_name="evacuation_sites", schema="disaster"
    )
    op.drop_index(
        op.f("ix_disaster_evacuation_sites_disaster_id"), table_name="evacuation_sites", schema="disaster"
    )
    op.drop_table("evacuation_sites", schema="disaster")
    op.drop_table("entitlement_rules", schema="disaster")
    op.drop_table("victim_targets", schema="disaster")
    # Items this revision added, unless the ledger already uses them (then they stay, harmlessly).
    op.execute(
        sa.text(
            "DELETE FROM disaster.items i WHERE i.code IN :codes "
            "AND NOT EXISTS (SELECT 1 FROM disaster.stock_movements m WHERE m.item_code = i.code) "
            "AND NOT EXISTS (SELECT 1 FROM disaster.distribution_lines l WHERE l.item_code = i.code) "
            "AND NOT EXISTS (SELECT 1 FROM disaster.stock_balances b WHERE b.item_code = i.code)"
        ).bindparams(sa.bindparam("codes", [code for code, _, _ in ITEMS], expanding=True))
    )
