"""Scope and paging helpers shared by the programs service's domain folders."""

import uuid

from shared.auth import Principal
from shared.errors import Invalid
from shared.pagination import decode_cursor


def institution_ids(principal: Principal) -> list[uuid.UUID]:
    """The institutions named in an operator's token (malformed entries name nothing)."""
    ids = []
    for value in principal.institutions:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def after_id(cursor: str | None) -> uuid.UUID | None:
    raw = decode_cursor(cursor, 1)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw[0])
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None
