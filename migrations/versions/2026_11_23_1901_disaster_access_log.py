"""disaster: the access log (every unmasked read of a victim or recipient, UU 27/2022).

Revision ID: 9c4d27e6a1f3
Revises: 8aafef77050e
Create Date: 2026-11-23 19:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4d27e6a1f3"
down_revision: str | None = "8aafef77050e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=True),
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        schema="disaster",
    )
    op.create_index(
        op.f("ix_disaster_access_log_person_id"), "access_log", ["person_id"], unique=False, schema="disaster"
    )
    op.create_index(
        "ix_access_log_subject", "access_log", ["subject_type", "subject_id"], unique=False, schema="disaster"
    )


def downgrade() -> None:
    op.drop_index("ix_access_log_subject", table_name="access_log", schema="disaster")
    op.drop_index(op.f("ix_disaster_access_log_person_id"), table_name="access_log", schema="disaster")
    op.drop_table("access_log", schema="disaster")
