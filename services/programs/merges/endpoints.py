"""POST /person-merges and /person-merges/undo: the worker carries registry merges (see shared)."""

from services.programs.merges.holders import HOLDERS
from services.programs.merges.models import PersonMerge
from shared.person_merges import person_merges_router

router = person_merges_router(PersonMerge, HOLDERS)
