from services.disaster.db import Base
from shared.changes import ChangeLogMixin


class ChangeLogEntry(ChangeLogMixin, Base):
    """Changes to victims, evacuation sites and warehouse stock, for the delta feed (written by triggers)."""
