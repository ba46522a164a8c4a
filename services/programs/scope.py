"""Scope and paging helpers shared by the programs service's domain folders."""

import uuid

from shared.auth import Principal
from shared.pagination import after_uuid as after_id  # noqa: F401  (re-exported)


def institution_ids(principal: Principal) -> list[uuid.UUID]:
    return principal.institution_ids
