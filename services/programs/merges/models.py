from services.programs.db import Base
from shared.person_merges import PersonMergeMixin


class PersonMerge(PersonMergeMixin, Base):
    """A registry merge carried into the programs service: which admissions, enrolments, benefits,
    aid and projections were re-pointed to the survivor (and, once undone, which were put back)."""
