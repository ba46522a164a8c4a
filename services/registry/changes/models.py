from services.registry.db import Base
from shared.changes import ChangeLogMixin


class ChangeLogEntry(ChangeLogMixin, Base):
    """Changes to people and households, for the delta feed (written by triggers)."""
