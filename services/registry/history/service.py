"""The change log: every write to a registry record leaves who, when, before and after."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.history import repository
from services.registry.history.models import Change
from services.registry.history.schemas import ChangeRead
from shared.auth import Principal
from shared.pagination import Page, after_int, encode_cursor


def snapshot(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The record's fields as JSON values."""
    return {f: _json(getattr(record, f)) for f in fields}


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return value


def record(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    person_id: uuid.UUID | None,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        Change(
            entity_type=entity_type,
            entity_id=entity_id,
            person_id=person_id,
            action=action,
            actor=actor,
            before=before,
            after=after,
        )
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


async def person_history(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[ChangeRead]:
    after = after_int(cursor)
    rows = await repository.for_person(session, person_id, after=after, limit=limit + 1)
    page = rows[:limit]
    items = [ChangeRead.model_validate(r) for r in page]
    if not principal.can_read_pii:
        items = [i.masked() for i in items]
    return Page(items=items, next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None)
