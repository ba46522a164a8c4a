"""registry households ppks psks history

Revision ID: 576b41ad5cbf
Revises: 564c2e1b863d
Create Date: 2026-11-23 15:13:03.816189
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "576b41ad5cbf"
down_revision: str | None = "564c2e1b863d"
branch_labels: str | Sequence[str] | None = ("registry",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_changes_entity_id"), "changes", ["entity_id"], unique=False, schema="registry"
    )
    op.create_index(
        op.f("ix_registry_changes_person_id"), "changes", ["person_id"], unique=False, schema="registry"
    )
    op.create_table(
        "households",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kk_number", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("kk_number", name=op.f("uq_households_kk_number")),
        schema="registry",
    )
    op.create_index(
        "ix_households_region_code_pattern",
        "households",
        ["region_code"],
        unique=False,
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_table(
        "ppks_types",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("min_age", sa.SmallInteger(), nullable=True),
        sa.Column("max_age", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ppks_types")),
        schema="registry",
    )
    op.create_table(
        "psks_types",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_psks_types")),
        schema="registry",
    )
    op.create_table(
        "household_members",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("relationship", sa.String(length=1), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["registry.households.id"],
            name=op.f("fk_household_members_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry.people.id"], name=op.f("fk_household_members_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_members")),
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_household_members_household_id"),
        "household_members",
        ["household_id"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_household_members_person_id"),
        "household_members",
        ["person_id"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        "uq_household_members_current_person",
        "household_members",
        ["person_id"],
        unique=True,
        schema="registry",
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.create_index(
        "uq_household_members_one_head",
        "household_members",
        ["household_id"],
        unique=True,
        schema="registry",
        postgresql_where=sa.text("left_on IS NULL AND relationship = '1'"),
    )
    op.create_table(
        "ppks_assessments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("ppks_type", sa.String(length=2), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=24), server_default=sa.text("'active'"), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry.people.id"], name=op.f("fk_ppks_assessments_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["ppks_type"], ["registry.ppks_types.code"], name=op.f("fk_ppks_assessments_ppks_type_ppks_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ppks_assessments")),
        schema="registry",
    )
    op.create_index(
        "ix_ppks_assessments_type_status",
        "ppks_assessments",
        ["ppks_type", "status"],
        unique=False,
        schema="registry",
    )
    op.create_index(
        op.f("ix_registry_ppks_assessments_person_id"),
        "ppks_assessments",
        ["person_id"],
        unique=False,
        schema="registry",
    )
    op.create_table(
        "psks_roles",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("psks_type", sa.String(length=2), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("certification", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (organisation_name IS NULL)",
            name=op.f("ck_psks_roles_person_or_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry.people.id"], name=op.f("fk_psks_roles_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["psks_type"], ["registry.psks_types.code"], name=op.f("fk_psks_roles_psks_type_psks_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psks_roles")),
        schema="registry",
    )
    op.create_index(
        "ix_psks_roles_region_code_pattern",
        "psks_roles",
        ["region_code"],
        unique=False,
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index(
        op.f("ix_registry_psks_roles_person_id"), "psks_roles", ["person_id"], unique=False, schema="registry"
    )
    op.create_index(
        "uq_psks_roles_active_person_type",
        "psks_roles",
        ["person_id", "psks_type"],
        unique=True,
        schema="registry",
        postgresql_where=sa.text("status = 'active' AND person_id IS NOT NULL"),
    )
    op.add_column(
        "people",
        sa.Column("name_normalized", sa.String(length=200), server_default=sa.text("''"), nullable=False),
        schema="registry",
    )
    op.add_column("people", sa.Column("rt", sa.String(length=3), nullable=True), schema="registry")
    op.add_column("people", sa.Column("rw", sa.String(length=3), nullable=True), schema="registry")
    op.add_column("people", sa.Column("mother_name", sa.String(length=200), nullable=True), schema="registry")
    op.add_column("people", sa.Column("welfare_decile", sa.SmallInteger(), nullable=True), schema="registry")
    op.add_column(
        "people", sa.Column("disability_status", sa.String(length=100), nullable=True), schema="registry"
    )
    op.add_column("people", sa.Column("id_dtks", sa.String(length=64), nullable=True), schema="registry")
    op.add_column(
        "people",
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        schema="registry",
    )
    op.drop_index(
        op.f("ix_people_full_name_trgm"),
        table_name="people",
        schema="registry",
        postgresql_ops={"full_name": "gin_trgm_ops"},
        postgresql_using="gin",
    )
    op.create_index("ix_people_birth_date", "people", ["birth_date"], unique=False, schema="registry")
    op.create_index(
        "ix_people_name_normalized_trgm",
        "people",
        ["name_normalized"],
        unique=False,
        schema="registry",
        postgresql_using="gin",
        postgresql_ops={"name_normalized": "gin_trgm_ops"},
    )
    op.create_unique_constraint(op.f("uq_people_id_dtks"), "people", ["id_dtks"], schema="registry")
    op.alter_column("people", "sex", existing_type=sa.String(length=1), nullable=True, schema="registry")
    _seed_reference()


# Permensos 08/2012 (DOMAIN.md). Age bounds in years at assessment: [min_age, max_age).
PPKS_TYPES = [
    ("01", "Anak Balita Terlantar", None, 5),
    ("02", "Anak Terlantar", None, 18),
    ("03", "Anak yang Berhadapan dengan Hukum", None, 18),
    ("04", "Anak Jalanan", None, 18),
    ("05", "Anak dengan Kedisabilitasan", None, 18),
    ("06", "Anak yang Menjadi Korban Tindak Kekerasan atau Diperlakukan Salah", None, 18),
    ("07", "Anak yang Memerlukan Perlindungan Khusus", None, 18),
    ("08", "Lanjut Usia Terlantar", 60, None),
    ("09", "Penyandang Disabilitas", None, None),
    ("10", "Tuna Susila", None, None),
    ("11", "Gelandangan", None, None),
    ("12", "Pengemis", None, None),
    ("13", "Pemulung", None, None),
    ("14", "Kelompok Minoritas", None, None),
    ("15", "Bekas Warga Binaan Lembaga Pemasyarakatan", None, None),
    ("16", "Orang dengan HIV/AIDS", None, None),
    ("17", "Korban Penyalahgunaan NAPZA", None, None),
    ("18", "Korban Trafficking", None, None),
    ("19", "Korban Tindak Kekerasan", None, None),
    ("20", "Pekerja Migran Bermasalah Sosial", None, None),
    ("21", "Korban Bencana Alam", None, None),
    ("22", "Korban Bencana Sosial", None, None),
    ("23", "Perempuan Rawan Sosial Ekonomi", None, None),
    ("24", "Fakir Miskin", None, None),
    ("25", "Keluarga Bermasalah Sosial Psikologis", None, None),
    ("26", "Komunitas Adat Terpencil", None, None),
]
# Types 04, 05, 06, 08 and 12 are organisations; the rest are people (DOMAIN.md).
PSKS_TYPES = [
    ("01", "Pekerja Sosial Profesional", "person"),
    ("02", "Pekerja Sosial Masyarakat (PSM)", "person"),
    ("03", "Taruna Siaga Bencana (TAGANA)", "person"),
    ("04", "Lembaga Kesejahteraan Sosial (LKS)", "organisation"),
    ("05", "Karang Taruna", "organisation"),
    ("06", "Lembaga Konsultasi Kesejahteraan Keluarga (LK3)", "organisation"),
    ("07", "Keluarga Pioner", "person"),
    ("08", "Wahana Kesejahteraan Sosial Keluarga Berbasis Masyarakat (WKSBM)", "organisation"),
    ("09", "Wanita Pemimpin Kesejahteraan Sosial", "person"),
    ("10", "Penyuluh Sosial", "person"),
    ("11", "Tenaga Kesejahteraan Sosial Kecamatan (TKSK)", "person"),
    ("12", "Dunia Usaha", "organisation"),
]


def _seed_reference() -> None:
    ppks = sa.table(
        "ppks_types",
        sa.column("code"),
        sa.column("name"),
        sa.column("min_age"),
        sa.column("max_age"),
        schema="registry",
    )
    op.bulk_insert(
        ppks, [{"code": c, "name": n, "min_age": lo, "max_age": hi} for c, n, lo, hi in PPKS_TYPES]
    )
    psks = sa.table(
        "psks_types", sa.column("code"), sa.column("name"), sa.column("holder"), schema="registry"
    )
    op.bulk_insert(psks, [{"code": c, "name": n, "holder": h} for c, n, h in PSKS_TYPES])
    # Names registered before this revision get their normalised form (titles off, spellings unified).
    from services.registry.people.names import normalise

    conn = op.get_bind()
    for person_id, full_name in conn.execute(sa.text("SELECT id, full_name FROM registry.people")).all():
        conn.execute(
            sa.text("UPDATE registry.people SET name_normalized = :n WHERE id = :id"),
            {"n": normalise(full_name), "id": person_id},
        )


def downgrade() -> None:
    op.execute("UPDATE registry.people SET sex = 'M' WHERE sex IS NULL")  # no way back to unknown
    op.alter_column("people", "sex", existing_type=sa.String(length=1), nullable=False, schema="registry")
    op.drop_constraint(op.f("uq_people_id_dtks"), "people", schema="registry", type_="unique")
    op.drop_index(
        "ix_people_name_normalized_trgm",
        table_name="people",
        schema="registry",
        postgresql_using="gin",
        postgresql_ops={"name_normalized": "gin_trgm_ops"},
    )
    op.drop_index("ix_people_birth_date", table_name="people", schema="registry")
    op.create_index(
        op.f("ix_people_full_name_trgm"),
        "people",
        ["full_name"],
        unique=False,
        schema="registry",
        postgresql_ops={"full_name": "gin_trgm_ops"},
        postgresql_using="gin",
    )
    op.drop_column("people", "attributes", schema="registry")
    op.drop_column("people", "id_dtks", schema="registry")
    op.drop_column("people", "disability_status", schema="registry")
    op.drop_column("people", "welfare_decile", schema="registry")
    op.drop_column("people", "mother_name", schema="registry")
    op.drop_column("people", "rw", schema="registry")
    op.drop_column("people", "rt", schema="registry")
    op.drop_column("people", "name_normalized", schema="registry")
    op.drop_index(
        "uq_psks_roles_active_person_type",
        table_name="psks_roles",
        schema="registry",
        postgresql_where=sa.text("status = 'active' AND person_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_registry_psks_roles_person_id"), table_name="psks_roles", schema="registry")
    op.drop_index(
        "ix_psks_roles_region_code_pattern",
        table_name="psks_roles",
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.drop_table("psks_roles", schema="registry")
    op.drop_index(
        op.f("ix_registry_ppks_assessments_person_id"), table_name="ppks_assessments", schema="registry"
    )
    op.drop_index("ix_ppks_assessments_type_status", table_name="ppks_assessments", schema="registry")
    op.drop_table("ppks_assessments", schema="registry")
    op.drop_index(
        "uq_household_members_one_head",
        table_name="household_members",
        schema="registry",
        postgresql_where=sa.text("left_on IS NULL AND relationship = '1'"),
    )
    op.drop_index(
        "uq_household_members_current_person",
        table_name="household_members",
        schema="registry",
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.drop_index(
        op.f("ix_registry_household_members_person_id"), table_name="household_members", schema="registry"
    )
    op.drop_index(
        op.f("ix_registry_household_members_household_id"), table_name="household_members", schema="registry"
    )
    op.drop_table("household_members", schema="registry")
    op.drop_table("psks_types", schema="registry")
    op.drop_table("ppks_types", schema="registry")
    op.drop_index(
        "ix_households_region_code_pattern",
        table_name="households",
        schema="registry",
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.drop_table("households", schema="registry")
    op.drop_index(op.f("ix_registry_changes_person_id"), table_name="changes", schema="registry")
    op.drop_index(op.f("ix_registry_changes_entity_id"), table_name="changes", schema="registry")
    op.drop_table("changes", schema="registry")
