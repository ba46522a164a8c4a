"""POST /person-merges and /person-merges/undo: the worker carries registry merges (see shared)."""

from services.disaster.merges.holders import HOLDERS
from services.disaster.merges.models import PersonMerge
from shared.person_merges import person_merges_router

router = person_merges_router(PersonMerge, HOLDERS)
