"""Every table of the programs schema, for Alembic."""

from services.programs.db import Base, Finding, OutboxEvent
from services.programs.institutions.models import Admission, Institution

__all__ = ["Admission", "Base", "Finding", "Institution", "OutboxEvent"]
