"""Keyset (cursor) pagination: `?limit=&cursor=` answering `{"items": [...], "next_cursor": ...}`, with
`total` on the lists that count (counting stops at TOTAL_CAP, so it stays cheap on any filter)."""

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Invalid

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Page size (1–500).")]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` from the previous page.")]


# A count of up to this many rows costs a few milliseconds on an index; past it, "more than 10,000" is
# all a screen needs, and an exact count of a million people would cost a scan per page.
TOTAL_CAP = 10_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int | None = Field(
        default=None,
        description=f"How many records match the filters (all pages), counted up to {TOTAL_CAP:,}; "
        "null on lists that do not count",
    )
    total_is_lower_bound: bool = Field(
        default=False,
        description=f'true: more than `total` match (counting stops at {TOTAL_CAP:,}); show "10,000+"',
    )


async def capped_total(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> tuple[int, bool]:
    """(total, is_lower_bound) of the rows `query` selects, counting at most TOTAL_CAP + 1 of them."""
    bounded = query.order_by(None).limit(TOTAL_CAP + 1).subquery()
    counted = await session.scalar(select(func.count()).select_from(bounded)) or 0
    return min(counted, TOTAL_CAP), counted > TOTAL_CAP


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([str(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, width: int) -> list[str] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError as exc:
        raise Invalid("cursor", "not a cursor this API issued") from exc
    if not isinstance(values, list) or len(values) != width:
        raise Invalid("cursor", "not a cursor this API issued")
    return [str(v) for v in values]


def _keys(cursor: str | None, *parse: Any) -> tuple[Any, ...] | None:
    raw = decode_cursor(cursor, len(parse))
    if raw is None:
        return None
    try:
        return tuple(p(v) for p, v in zip(parse, raw, strict=True))
    except ValueError:
        raise Invalid("cursor", "not a cursor this API issued") from None


def after_uuid(cursor: str | None) -> uuid.UUID | None:
    """The id a page keyed by id ended at (a foreign cursor is a 422 naming `cursor`)."""
    keys = _keys(cursor, uuid.UUID)
    return keys[0] if keys else None


def after_int(cursor: str | None) -> int | None:
    keys = _keys(cursor, int)
    return keys[0] if keys else None


def after_time_and_uuid(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    keys = _keys(cursor, datetime.fromisoformat, uuid.UUID)
    return (keys[0], keys[1]) if keys else None
