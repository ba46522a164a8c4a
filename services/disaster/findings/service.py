"""Which region a finding's subject lies in, so that findings are read with the subject's scope."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.disaster.distributions import service as distributions
from services.disaster.distributions.models import Distribution
from services.disaster.sites import service as sites
from services.disaster.sites.models import EvacuationSite
from services.disaster.victims import service as victims
from services.disaster.victims.models import Victim
from shared.findings import scopes_from_tables

SUBJECTS = {
    "distribution": distributions.subject_scope,
    "victim": victims.subject_scope,
    "evacuation_site": sites.subject_scope,
}
# The same, for many subjects at once (`PUT /findings/batch`).
subjects_scope = scopes_from_tables(
    {"distribution": Distribution, "victim": Victim, "evacuation_site": EvacuationSite}
)


async def subject_scope(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID
) -> tuple[str | None, None] | None:
    lookup = SUBJECTS.get(subject_type)
    if lookup is None:
        return None
    region_code = await lookup(session, subject_id)
    return (region_code, None) if region_code else None
