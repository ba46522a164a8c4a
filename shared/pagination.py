"""Keyset (cursor) pagination: `?limit=&cursor=` answering `{"items": [...], "next_cursor": ...}`."""

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared.errors import Invalid

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Page size (1–500).")]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` from the previous page.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


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
