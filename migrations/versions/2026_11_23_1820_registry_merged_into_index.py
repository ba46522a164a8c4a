"""registry: people found by the record they were merged into (the reconciliation's bulk lookup answers
a survivor with its merged duplicates, whose ids other services' records may still carry).

Revision ID: 5e1c0b7a9d24
Revises: 62c70960a405
Create Date: 2026-11-23 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1c0b7a9d24"
down_revision: str | None = "62c70960a405"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_people_merged_into",
        "people",
        ["merged_into"],
        unique=False,
        schema="registry",
        postgresql_where=sa.text("merged_into IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_people_merged_into",
        table_name="people",
        schema="registry",
        postgresql_where=sa.text("merged_into IS NOT NULL"),
    )
