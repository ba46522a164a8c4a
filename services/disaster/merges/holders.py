"""The disaster records that name a registry person, re-pointed when the registry merges two people."""

from typing import Any

from sqlalchemy import Table, func

from services.disaster.distributions.models import Distribution
from services.disaster.victims.models import Victim
from shared.person_merges import Holder


def _changed_victim(table: Table) -> dict[str, Any]:
    # A victim read before the merge must not be written back over it: its ETag changes.
    return {"version": table.c.version + 1, "updated_at": func.now()}


HOLDERS = (
    Holder("victims", Victim.__table__, touch=_changed_victim),  # type: ignore[arg-type]
    Holder("distributions", Distribution.__table__),  # type: ignore[arg-type]
)
