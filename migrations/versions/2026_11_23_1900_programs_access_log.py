"""programs: the access log (who read everything held on a person, UU 27/2022).

Revision ID: 3b8e51d0c7a2
Revises: 7d3f9a2c41b8
Create Date: 2026-11-23 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8e51d0c7a2"
down_revision: str | None = "7d3f9a2c41b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        schema="programs",
    )
    op.create_index(
        op.f("ix_programs_access_log_person_id"), "access_log", ["person_id"], unique=False, schema="programs"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_programs_access_log_person_id"), table_name="access_log", schema="programs")
    op.drop_table("access_log", schema="programs")
