from services.disaster.db import Base
from shared.person_merges import PersonMergeMixin


class PersonMerge(PersonMergeMixin, Base):
    """A registry merge carried into the disaster service: which victims and distributions were
    re-pointed to the survivor (and, once undone, which were put back)."""
