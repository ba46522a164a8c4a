"""`Idempotency-Key` for writes a phone may retry: the first successful answer is stored in the same
transaction as the write, and a replay gets it back without writing anything again.

A failed request stores nothing (its transaction rolls back), so the caller may retry it with the
same key once the cause is fixed."""

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import DateTime, Integer, String, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.errors import AppError

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="A client-chosen unique key; a retry with the same key returns the first answer.",
    ),
]


class IdempotencyKeyReused(AppError):
    status = 422
    problem = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


class IdempotencyMixin:
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    route: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def claim(
    session: AsyncSession, model: type[IdempotencyMixin], *, key: str, owner: str, route: str, body_hash: str
) -> tuple[int, dict[str, Any]] | None:
    """Claim the key inside the caller's transaction. Returns the stored answer on a replay, None when
    this request is the first. A concurrent twin blocks on the key until the first commits or rolls back."""
    inserted = await session.execute(
        insert(model)
        .values(key=key, owner=owner, route=route, request_hash=body_hash)
        .on_conflict_do_nothing()
        .returning(model.key)
    )
    if inserted.first() is not None:
        return None
    row = await session.scalar(select(model).where(model.key == key, model.owner == owner))
    assert row is not None
    if row.route != route or row.request_hash != body_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key for a new request"
        )
    assert row.status_code is not None and row.response is not None
    return row.status_code, row.response


async def remember(
    session: AsyncSession,
    model: type[IdempotencyMixin],
    *,
    key: str,
    owner: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    row = await session.get(model, (key, owner))
    assert row is not None
    row.status_code, row.response = status_code, response
