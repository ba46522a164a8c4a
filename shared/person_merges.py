"""A registry merge, carried into another service: every row of that service that names the merged
person is re-pointed to the survivor, and which rows were re-pointed is remembered, so that undoing the
merge puts back exactly those rows (and not rows recorded against the survivor since).

Domain-free, like shared/findings: each service declares `class PersonMerge(PersonMergeMixin, Base)`,
lists its `Holder`s (table and column that hold a registry person id) and mounts
`person_merges_router(PersonMerge, holders)`. The routes are for the worker (role `service`) only:
it calls them on `person.merged` / `person.unmerged`. The merge rows are the audit: who, when, which
rows, and when the merge was undone."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, ColumnElement, DateTime, String, Table, and_, func, not_, select, update
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Invalid, Problem
from shared.types import OfficeTime


@dataclass(frozen=True)
class Holder:
    """A column that holds a registry person id. `stays` tells which rows of the merged person must
    keep pointing at them (e.g. an active stay when the survivor has one too, which the table forbids);
    the worker follows merges when it reads them, so nothing is lost by leaving them. `touch` gives
    the columns to set on a re-pointed row besides the person id (a version, a time of change)."""

    name: str
    table: Table
    column: str = "person_id"
    key: str = "id"
    stays: Callable[[Table, uuid.UUID], ColumnElement[bool]] | None = None
    touch: Callable[[Table], dict[str, Any]] = field(default=lambda table: {})


class PersonMergeMixin:
    __tablename__ = "person_merges"

    # The registry's merge, as the worker names it (the id of the `person.merged` event).
    merge_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # {holder name: [ids of the rows re-pointed]} and {holder name: [ids left as they were]}
    repointed: Mapped[dict[str, list[str]]] = mapped_column(JSONB)
    kept: Mapped[dict[str, list[str]]] = mapped_column(JSONB)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    merged_by: Mapped[str] = mapped_column(String(200))
    # The undo, named by the worker (the id of the `person.unmerged` event): sent twice, done once.
    undo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(String(200))
    # {holder name: [ids put back]}: rows re-pointed since (merged again elsewhere) are not touched.
    restored: Mapped[dict[str, list[str]] | None] = mapped_column(JSONB)


class PersonMergeCreate(BaseModel):
    merge_id: uuid.UUID = Field(description="Names the merge; sending it again changes nothing")
    merged_id: uuid.UUID = Field(description="The registry person merged away")
    survivor_id: uuid.UUID = Field(description="The registry person that remains")


class PersonUnmerge(BaseModel):
    undo_id: uuid.UUID = Field(description="Names the undo; sending it again changes nothing")
    merged_id: uuid.UUID
    survivor_id: uuid.UUID


class PersonMergeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    merge_id: uuid.UUID | None = Field(description="null: no merge of these two was recorded here")
    merged_id: uuid.UUID
    survivor_id: uuid.UUID
    repointed: dict[str, int] = Field(description="Rows re-pointed to the survivor, by kind")
    kept: dict[str, int] = Field(description="Rows left with the merged person (a conflict), by kind")
    restored: dict[str, int] | None = Field(description="Rows put back by the undo, by kind")
    merged_at: OfficeTime | None
    undone_at: OfficeTime | None


def _read(row: PersonMergeMixin) -> PersonMergeRead:
    def counts(ids: dict[str, list[str]] | None) -> dict[str, int] | None:
        return None if ids is None else {name: len(v) for name, v in ids.items() if v}

    return PersonMergeRead(
        merge_id=row.merge_id,
        merged_id=row.merged_id,
        survivor_id=row.survivor_id,
        repointed=counts(row.repointed) or {},
        kept=counts(row.kept) or {},
        restored=counts(row.restored),
        merged_at=row.merged_at,
        undone_at=row.undone_at,
    )


async def repoint(
    session: AsyncSession, holders: Sequence[Holder], merged_id: uuid.UUID, survivor_id: uuid.UUID
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    repointed: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    for holder in holders:
        column: Column[Any] = holder.table.c[holder.column]
        key: Column[Any] = holder.table.c[holder.key]
        where = column == merged_id
        if holder.stays is not None:
            stays = holder.stays(holder.table, survivor_id)
            kept[holder.name] = [str(k) for k in await session.scalars(select(key).where(where, stays))]
            where = and_(where, not_(stays))
        moved = await session.scalars(
            update(holder.table)
            .where(where)
            .values({holder.column: survivor_id, **holder.touch(holder.table)})
            .returning(key)
        )
        repointed[holder.name] = [str(k) for k in moved]
    return _nonempty(repointed), _nonempty(kept)


def _nonempty(ids: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: v for name, v in ids.items() if v}


async def put_back(
    session: AsyncSession, holders: Sequence[Holder], record: PersonMergeMixin
) -> dict[str, list[str]]:
    restored: dict[str, list[str]] = {}
    for holder in holders:
        ids = [uuid.UUID(i) for i in record.repointed.get(holder.name, [])]
        if not ids:
            continue
        column: Column[Any] = holder.table.c[holder.column]
        key: Column[Any] = holder.table.c[holder.key]
        back = await session.scalars(
            update(holder.table)
            .where(key.in_(ids), column == record.survivor_id)
            .values({holder.column: record.merged_id, **holder.touch(holder.table)})
            .returning(key)
        )
        restored[holder.name] = [str(k) for k in back]
    return _nonempty(restored)


SERVICE_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Only the worker (role `service`) carries registry merges"},
    422: {"model": Problem, "description": "A field is missing or malformed"},
}


def person_merges_router(model: type[PersonMergeMixin], holders: Sequence[Holder]) -> APIRouter:
    router = APIRouter(tags=["person merges"])
    kinds = ", ".join(h.name for h in holders)

    @router.post(
        "/person-merges",
        response_model=PersonMergeRead,
        summary="Carry a registry merge: re-point this service's records to the survivor (worker only)",
        description=f"Re-points every record naming the merged person ({kinds}) to the survivor and "
        "remembers which, so that an undo puts back exactly those. The same merge_id again changes "
        "nothing and answers what was done.",
        responses=SERVICE_ONLY,
    )
    async def carry_merge(
        body: PersonMergeCreate, session: SessionDep, principal: CurrentPrincipal
    ) -> PersonMergeRead:
        principal.require_exactly("service")
        if body.merged_id == body.survivor_id:
            raise Invalid("survivor_id", "a person is not merged into themselves")
        table = model.__table__  # type: ignore[attr-defined]
        # Two deliveries of one merge meet here: only one inserts, the other waits and reads it.
        claimed = await session.scalar(
            insert(table)
            .values(
                merge_id=body.merge_id,
                merged_id=body.merged_id,
                survivor_id=body.survivor_id,
                repointed={},
                kept={},
                merged_at=datetime.now(UTC),
                merged_by=principal.sub,
            )
            .on_conflict_do_nothing(index_elements=["merge_id"])
            .returning(table.c.merge_id)
        )
        record = await session.scalar(select(model).where(model.merge_id == body.merge_id).with_for_update())
        assert record is not None
        if claimed is not None:
            record.repointed, record.kept = await repoint(session, holders, body.merged_id, body.survivor_id)
            await session.flush()
        return _read(record)

    @router.post(
        "/person-merges/undo",
        response_model=PersonMergeRead,
        summary="Carry an undone registry merge: put back the records re-pointed (worker only)",
        description="Undoes the latest merge of these two people carried here: the records it "
        "re-pointed and that still name the survivor go back to the merged person. The same undo_id "
        "again changes nothing. With no such merge here, answers merge_id null.",
        responses=SERVICE_ONLY,
    )
    async def carry_unmerge(
        body: PersonUnmerge, session: SessionDep, principal: CurrentPrincipal
    ) -> PersonMergeRead:
        principal.require_exactly("service")
        done = await session.scalar(select(model).where(model.undo_id == body.undo_id))
        if done is not None:
            return _read(done)
        record = await session.scalar(
            select(model)
            .where(
                model.merged_id == body.merged_id,
                model.survivor_id == body.survivor_id,
                model.undone_at.is_(None),
            )
            .order_by(model.merged_at.desc())
            .limit(1)
            .with_for_update()
        )
        if record is None:
            return PersonMergeRead(
                merge_id=None,
                merged_id=body.merged_id,
                survivor_id=body.survivor_id,
                repointed={},
                kept={},
                restored=None,
                merged_at=None,
                undone_at=None,
            )
        record.restored = await put_back(session, holders, record)
        record.undo_id, record.undone_at, record.undone_by = body.undo_id, datetime.now(UTC), principal.sub
        await session.flush()
        return _read(record)

    return router
