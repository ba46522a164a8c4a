"""programs: programs and budgets, indicators, enrolments and aid, panti clients (basic needs,
Peksos), KUBE and WRSE aid, projections of registry and disaster events, and the reference data
the SPM report needs (seeded here: the five provincial SPM services, the basic-needs list, and the
configurable figures: the 1:10 Peksos norm and the 80/20 SPM weighting)

Revision ID: 0ee8ca2d5873
Revises: 564c2e1b863d
Create Date: 2026-11-23 15:15:35.904036
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0ee8ca2d5873"
down_revision: str | None = "564c2e1b863d"
branch_labels: str | Sequence[str] | None = ("programs",)
depends_on: str | Sequence[str] | None = None


# PP 2/2018 and Permensos 9/2018: the province's five SPM Bidang Sosial services. Which PPKS types
# count as needing each is this project's reading (05, a child with a disability, counts for the
# disability service; 10 and 13 are left out of service 4, which names gelandangan and pengemis);
# the rows are data, so an office may change them.
SPM_SERVICES = [
    {
        "code": "disabilitas",
        "name": "Rehabilitasi sosial dasar penyandang disabilitas telantar di dalam panti",
        "position": 1,
        "ppks_types": ["05", "09"],
        "institution_kind": "disabilitas",
        "disaster_level": None,
    },
    {
        "code": "anak",
        "name": "Rehabilitasi sosial dasar anak telantar di dalam panti",
        "position": 2,
        "ppks_types": ["01", "02", "03", "04", "06", "07"],
        "institution_kind": "anak",
        "disaster_level": None,
    },
    {
        "code": "lanjut_usia",
        "name": "Rehabilitasi sosial dasar lanjut usia telantar di dalam panti",
        "position": 3,
        "ppks_types": ["08"],
        "institution_kind": "lanjut_usia",
        "disaster_level": None,
    },
    {
        "code": "gelandangan_pengemis",
        "name": "Rehabilitasi sosial dasar tuna sosial khususnya gelandangan dan pengemis di dalam panti",
        "position": 4,
        "ppks_types": ["11", "12"],
        "institution_kind": "gelandangan_pengemis",
        "disaster_level": None,
    },
    {
        "code": "korban_bencana",
        "name": "Perlindungan dan jaminan sosial pada saat dan setelah tanggap darurat bencana "
        "bagi korban bencana provinsi",
        "position": 5,
        "ppks_types": [],
        "institution_kind": None,
        "disaster_level": "province",
    },
]

# DOMAIN.md: a client counts as served when their basic needs were met. `required` needs make a
# served client fully served (the quality share of the SPM figure).
BASIC_NEEDS = [
    ("housing", "Tempat tinggal (asrama)", True),
    ("food", "Permakanan", True),
    ("clothing", "Sandang", True),
    ("civil_documents", "Fasilitasi dokumen kependudukan", True),
    ("education_basic_health", "Akses layanan pendidikan dan kesehatan dasar", True),
    ("self_care", "Bimbingan perawatan diri dan aktivitas sehari-hari", True),
    ("skills", "Bimbingan keterampilan", False),
    ("return_home", "Pemulangan ke keluarga atau daerah asal", False),
]

PARAMETERS = [
    (
        "peksos_caseload_limit",
        10,
        "Clients one Peksos serves at most in a panti (the province's norm, 1:10). Over it, an "
        "assignment needs an override reason.",
    ),
    (
        "spm_weighting",
        {"coverage": 0.8, "quality": 0.2},
        "Weights of coverage (served / needing) and quality (fully served / served) in the overall "
        "SPM figure. 80/20 is unconfirmed (DOMAIN.md).",
    ),
    (
        "spm_victim_conditions",
        ["luka", "mengungsi", "terdampak"],
        "Victim conditions that count as needing SPM service 5 (the dead and the missing cannot be "
        "served with basic needs).",
    ),
]


def _seed() -> None:
    spm = sa.table(
        "spm_services",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("ppks_types", postgresql.ARRAY(sa.String)),
        sa.column("institution_kind", sa.String),
        sa.column("disaster_level", sa.String),
        schema="programs",
    )
    needs = sa.table(
        "basic_needs",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("required", sa.Boolean),
        schema="programs",
    )
    parameters = sa.table(
        "parameters",
        sa.column("key", sa.String),
        sa.column("value", JSONB),
        sa.column("description", sa.Text),
        schema="programs",
    )
    op.bulk_insert(spm, SPM_SERVICES)
    op.bulk_insert(
        needs,
        [{"code": c, "name": n, "position": i, "required": r} for i, (c, n, r) in enumerate(BASIC_NEEDS, 1)],
    )
    op.bulk_insert(parameters, [{"key": k, "value": v, "description": d} for k, v, d in PARAMETERS])


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "basic_needs",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_basic_needs")),
        schema="programs",
    )
    op.create_table(
        "disaster_victims",
        sa.Column("victim_id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=False),
        sa.Column("disaster_level", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("victim_id", name=op.f("pk_disaster_victims")),
        schema="programs",
    )
    op.create_index(
        "ix_disaster_victims_registered_at",
        "disaster_victims",
        ["registered_at"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_disaster_victims_disaster_id"),
        "disaster_victims",
        ["disaster_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "kube_groups",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kube_groups")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_kube_groups_region_code"),
        "kube_groups",
        ["region_code"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "parameters",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_parameters")),
        schema="programs",
    )
    op.create_table(
        "ppks_assessments",
        sa.Column("assessment_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("ppks_type", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("person_multiple", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("event_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_ppks_assessments")),
        schema="programs",
    )
    op.create_index(
        "ix_ppks_assessments_assessed_on",
        "ppks_assessments",
        ["assessed_on"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        "ix_ppks_assessments_multiple_person",
        "ppks_assessments",
        ["person_id"],
        unique=False,
        schema="programs",
        postgresql_where=sa.text("person_multiple"),
    )
    op.create_index(
        "ix_ppks_assessments_region_code_pattern",
        "ppks_assessments",
        ["region_code"],
        unique=False,
        schema="programs",
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_programs_ppks_assessments_person_id"),
        "ppks_assessments",
        ["person_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("funding_source", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("budget", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("benefit_limit", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_programs_budget_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("region_code", "year", "code", name="uq_programs_region_year_code"),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_programs_region_code"), "programs", ["region_code"], unique=False, schema="programs"
    )
    op.create_table(
        "psks_roles",
        sa.Column("role_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("psks_type", sa.String(length=2), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_psks_roles")),
        schema="programs",
    )
    op.create_index(
        "ix_psks_roles_person_type", "psks_roles", ["person_id", "psks_type"], unique=False, schema="programs"
    )
    op.create_table(
        "relief_receipts",
        sa.Column("distribution_id", sa.UUID(), nullable=False),
        sa.Column("disaster_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("distribution_id", name=op.f("pk_relief_receipts")),
        schema="programs",
    )
    op.create_index(
        "ix_relief_receipts_disaster_nik",
        "relief_receipts",
        ["disaster_id", "nik"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        "ix_relief_receipts_disaster_person",
        "relief_receipts",
        ["disaster_id", "person_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "spm_services",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ppks_types", sa.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("institution_kind", sa.String(length=32), nullable=True),
        sa.Column("disaster_level", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_spm_services")),
        schema="programs",
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("budget", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_activities_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("program_id", "code", name="uq_activities_program_code"),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_activities_program_id"),
        "activities",
        ["program_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_enrolments_period_order")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_enrolments_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        schema="programs",
    )
    op.create_index(
        "ix_enrolments_program_person",
        "enrolments",
        ["program_id", "person_id"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_enrolments_person_id"), "enrolments", ["person_id"], unique=False, schema="programs"
    )
    op.create_index(
        op.f("ix_programs_enrolments_region_code"),
        "enrolments",
        ["region_code"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("baseline", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_indicators_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_indicators_region_code"),
        "indicators",
        ["region_code"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "kube_aids",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_kube_aids_amount_positive")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["programs.kube_groups.id"], name=op.f("fk_kube_aids_group_id_kube_groups")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_kube_aids_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kube_aids")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_kube_aids_group_id"), "kube_aids", ["group_id"], unique=False, schema="programs"
    )
    op.create_table(
        "kube_members",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["programs.kube_groups.id"], name=op.f("fk_kube_members_group_id_kube_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kube_members")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_kube_members_group_id"),
        "kube_members",
        ["group_id"],
        unique=False,
        schema="programs",
    )
    op.create_index(
        "uq_kube_members_active_household",
        "kube_members",
        ["household_id"],
        unique=True,
        schema="programs",
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.create_table(
        "program_spending",
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_program_spending_quarter_range")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_program_spending_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("program_id", "quarter", name=op.f("pk_program_spending")),
        schema="programs",
    )
    op.create_table(
        "wrse_aids",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("assessment_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("business", sa.String(length=200), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_wrse_aids_amount_positive")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_wrse_aids_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrse_aids")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_wrse_aids_person_id"), "wrse_aids", ["person_id"], unique=False, schema="programs"
    )
    op.create_index(
        op.f("ix_programs_wrse_aids_region_code"),
        "wrse_aids",
        ["region_code"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "basic_needs_met",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("admission_id", sa.UUID(), nullable=False),
        sa.Column("need", sa.String(length=40), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["admission_id"],
            ["programs.admissions.id"],
            name=op.f("fk_basic_needs_met_admission_id_admissions"),
        ),
        sa.ForeignKeyConstraint(
            ["need"], ["programs.basic_needs.code"], name=op.f("fk_basic_needs_met_need_basic_needs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_basic_needs_met")),
        sa.UniqueConstraint("admission_id", "need", name="uq_basic_needs_met_admission_need"),
        schema="programs",
    )
    op.create_index(
        "ix_basic_needs_met_met_on_admission",
        "basic_needs_met",
        ["met_on", "admission_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "benefits",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("enrolment_id", sa.UUID(), nullable=False),
        sa.Column("program_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_benefits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["programs.enrolments.id"], name=op.f("fk_benefits_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.programs.id"], name=op.f("fk_benefits_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefits")),
        schema="programs",
    )
    op.create_index(
        "ix_benefits_program_person", "benefits", ["program_id", "person_id"], unique=False, schema="programs"
    )
    op.create_index(
        op.f("ix_programs_benefits_enrolment_id"),
        "benefits",
        ["enrolment_id"],
        unique=False,
        schema="programs",
    )
    op.create_table(
        "indicator_realisations",
        sa.Column("indicator_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_indicator_realisations_quarter_range")),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["programs.indicators.id"],
            name=op.f("fk_indicator_realisations_indicator_id_indicators"),
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", "quarter", name=op.f("pk_indicator_realisations")),
        schema="programs",
    )
    op.create_table(
        "indicator_targets",
        sa.Column("indicator_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["programs.indicators.id"],
            name=op.f("fk_indicator_targets_indicator_id_indicators"),
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", name=op.f("pk_indicator_targets")),
        schema="programs",
    )
    op.create_table(
        "kube_aid_uses",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("aid_id", sa.UUID(), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_kube_aid_uses_amount_positive")),
        sa.ForeignKeyConstraint(
            ["aid_id"], ["programs.kube_aids.id"], name=op.f("fk_kube_aid_uses_aid_id_kube_aids")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kube_aid_uses")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_kube_aid_uses_aid_id"), "kube_aid_uses", ["aid_id"], unique=False, schema="programs"
    )
    op.add_column("admissions", sa.Column("ppks_type", sa.String(length=2), nullable=True), schema="programs")
    op.add_column("admissions", sa.Column("assessment_id", sa.UUID(), nullable=True), schema="programs")
    op.add_column("admissions", sa.Column("birth_date", sa.Date(), nullable=True), schema="programs")
    op.add_column("admissions", sa.Column("peksos_person_id", sa.UUID(), nullable=True), schema="programs")
    op.add_column(
        "admissions", sa.Column("caseload_override_reason", sa.Text(), nullable=True), schema="programs"
    )
    op.add_column(
        "admissions",
        sa.Column("caseload_override_by", sa.String(length=200), nullable=True),
        schema="programs",
    )
    op.add_column(
        "admissions",
        sa.Column("caseload_override_at", sa.DateTime(timezone=True), nullable=True),
        schema="programs",
    )
    op.create_index(
        "ix_admissions_institution_peksos",
        "admissions",
        ["institution_id", "peksos_person_id"],
        unique=False,
        schema="programs",
    )
    op.add_column(
        "institutions", sa.Column("operator", sa.String(length=200), nullable=True), schema="programs"
    )
    # ### end Alembic commands ###
    _seed()


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_column("institutions", "operator", schema="programs")
    op.drop_index("ix_admissions_institution_peksos", table_name="admissions", schema="programs")
    op.drop_column("admissions", "caseload_override_at", schema="programs")
    op.drop_column("admissions", "caseload_override_by", schema="programs")
    op.drop_column("admissions", "caseload_override_reason", schema="programs")
    op.drop_column("admissions", "peksos_person_id", schema="programs")
    op.drop_column("admissions", "birth_date", schema="programs")
    op.drop_column("admissions", "assessment_id", schema="programs")
    op.drop_column("admissions", "ppks_type", schema="programs")
    op.drop_index(op.f("ix_programs_kube_aid_uses_aid_id"), table_name="kube_aid_uses", schema="programs")
    op.drop_table("kube_aid_uses", schema="programs")
    op.drop_table("indicator_targets", schema="programs")
    op.drop_table("indicator_realisations", schema="programs")
    op.drop_index(op.f("ix_programs_benefits_enrolment_id"), table_name="benefits", schema="programs")
    op.drop_index("ix_benefits_program_person", table_name="benefits", schema="programs")
    op.drop_table("benefits", schema="programs")
    op.drop_index("ix_basic_needs_met_met_on_admission", table_name="basic_needs_met", schema="programs")
    op.drop_table("basic_needs_met", schema="programs")
    op.drop_index(op.f("ix_programs_wrse_aids_region_code"), table_name="wrse_aids", schema="programs")
    op.drop_index(op.f("ix_programs_wrse_aids_person_id"), table_name="wrse_aids", schema="programs")
    op.drop_table("wrse_aids", schema="programs")
    op.drop_table("program_spending", schema="programs")
    op.drop_index(
        "uq_kube_members_active_household",
        table_name="kube_members",
        schema="programs",
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.drop_index(op.f("ix_programs_kube_members_group_id"), table_name="kube_members", schema="programs")
    op.drop_table("kube_members", schema="programs")
    op.drop_index(op.f("ix_programs_kube_aids_group_id"), table_name="kube_aids", schema="programs")
    op.drop_table("kube_aids", schema="programs")
    op.drop_index(op.f("ix_programs_indicators_region_code"), table_name="indicators", schema="programs")
    op.drop_table("indicators", schema="programs")
    op.drop_index(op.f("ix_programs_enrolments_region_code"), table_name="enrolments", schema="programs")
    op.drop_index(op.f("ix_programs_enrolments_person_id"), table_name="enrolments", schema="programs")
    op.drop_index("ix_enrolments_program_person", table_name="enrolments", schema="programs")
    op.drop_table("enrolments", schema="programs")
    op.drop_index(op.f("ix_programs_activities_program_id"), table_name="activities", schema="programs")
    op.drop_table("activities", schema="programs")
    op.drop_table("spm_services", schema="programs")
    op.drop_index("ix_relief_receipts_disaster_person", table_name="relief_receipts", schema="programs")
    op.drop_index("ix_relief_receipts_disaster_nik", table_name="relief_receipts", schema="programs")
    op.drop_table("relief_receipts", schema="programs")
    op.drop_index("ix_psks_roles_person_type", table_name="psks_roles", schema="programs")
    op.drop_table("psks_roles", schema="programs")
    op.drop_index(op.f("ix_programs_programs_region_code"), table_name="programs", schema="programs")
    op.drop_table("programs", schema="programs")
    op.drop_index(
        op.f("ix_programs_ppks_assessments_person_id"), table_name="ppks_assessments", schema="programs"
    )
    op.drop_index("ix_ppks_assessments_region_code_pattern", table_name="ppks_assessments", schema="programs")
    op.drop_index(
        "ix_ppks_assessments_multiple_person",
        table_name="ppks_assessments",
        schema="programs",
        postgresql_where=sa.text("person_multiple"),
    )
    op.drop_index("ix_ppks_assessments_assessed_on", table_name="ppks_assessments", schema="programs")
    op.drop_table("ppks_assessments", schema="programs")
    op.drop_table("parameters", schema="programs")
    op.drop_index(op.f("ix_programs_kube_groups_region_code"), table_name="kube_groups", schema="programs")
    op.drop_table("kube_groups", schema="programs")
    op.drop_index(
        op.f("ix_programs_disaster_victims_disaster_id"), table_name="disaster_victims", schema="programs"
    )
    op.drop_index("ix_disaster_victims_registered_at", table_name="disaster_victims", schema="programs")
    op.drop_table("disaster_victims", schema="programs")
    op.drop_table("basic_needs", schema="programs")
    # ### end Alembic commands ###
