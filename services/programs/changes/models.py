from services.programs.db import Base
from shared.changes import ChangeLogMixin


class ChangeLogEntry(ChangeLogMixin, Base):
    """Changes to institutions, admissions and enrolments, for the delta feed (written by triggers)."""
