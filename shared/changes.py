"""Delta feeds (`GET /api/v1/changes?since=`): what changed in a service since a phone last synced.

Every write to a synced table adds a row to the service's `change_log`, in the writing transaction
(database triggers: no write path can forget it), stamped with that transaction's id. A cursor on a
timestamp or a sequence would skip rows whose transaction commits late: a writer that took sequence
number 10 but commits after the reader has already served 11 is never served. So a reader only serves
entries of transactions older than its snapshot's xmin (`pg_snapshot_xmin`): every such transaction has
finished, so the set of entries below xmin never grows again, and the order (transaction id, entry id)
over it is final. An entry of a transaction still open is served on a later call, never skipped; an
entry below the cursor is never served again.

The price: one long-running transaction holds xmin back and delays (never loses) everyone's changes.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, DateTime, Index, String, and_, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.auth import Principal
from shared.errors import Invalid
from shared.pagination import decode_cursor, encode_cursor
from shared.types import OfficeTime

Op = Literal["upsert", "tombstone"]

SinceQuery = Annotated[
    str | None,
    Query(description="`next_cursor` of your last sync; leave out for everything (the first download)."),
]
ChangesLimitQuery = Annotated[int, Query(ge=1, le=1000, description="Changes per page (1–1000).")]
RegionQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$",
        description="Only changes in this region (a prefix such as 63.71.01); always within your regions.",
    ),
]

# Written by the triggers, read only through `entries_since`: the transaction id is cast to bigint
# (xid8 fits; comparing bigints needs no custom type).
TRANSACTION_ID = text("pg_current_xact_id()::text::bigint")
SNAPSHOT_XMIN = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


class ChangeLogMixin:
    """One change to one synced record. Rows are written by the triggers of the service's migration."""

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "change_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    xid: Mapped[int] = mapped_column(BigInteger, server_default=TRANSACTION_ID)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    op: Mapped[str] = mapped_column(String(9))
    region_code: Mapped[str | None] = mapped_column(String(13))
    # The panti a record belongs to: an institution operator's scope (programs), beside the regions.
    institution_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index("ix_change_log_xid_id", "xid", "id"),)


@dataclass(frozen=True)
class Entry:
    xid: int
    id: int
    entity: str
    entity_id: uuid.UUID
    op: Op
    region_code: str | None
    changed_at: datetime


def after(since: str | None) -> tuple[int, int] | None:
    """The position a `since` cursor names (a cursor not issued by /changes is a 422 naming `since`)."""
    try:
        raw = decode_cursor(since, 2)
        position = None if raw is None else (int(raw[0]), int(raw[1]))
    except (Invalid, ValueError):
        position = (-1, -1)
    if position is not None and not all(0 <= part < 2**63 for part in position):
        raise Invalid("since", "not a cursor /changes issued: send its `next_cursor` as it came")
    return position


def cursor(position: tuple[int, int] | None) -> str | None:
    return None if position is None else encode_cursor([position[0], position[1]])


async def entries_since(
    session: AsyncSession,
    model: type[ChangeLogMixin],
    principal: Principal,
    *,
    since: tuple[int, int] | None,
    region: str | None,
    entities: Sequence[str],
    limit: int,
) -> list[Entry]:
    """Up to `limit` entries of `entities` after `since` in the caller's scope (and `region`), oldest
    first, all of transactions finished before this statement's snapshot."""
    table = model.__table__  # type: ignore[attr-defined]
    scope = principal.region_filter(table.c.region_code)
    if principal.institution_ids:
        scope = or_(scope, table.c.institution_id.in_(principal.institution_ids))
    conditions = [table.c.xid < SNAPSHOT_XMIN, scope, table.c.entity.in_(list(entities))]
    if region:
        conditions.append(or_(table.c.region_code == region, table.c.region_code.startswith(region + ".")))
    if since is not None:
        conditions.append(tuple_(table.c.xid, table.c.id) > tuple_(since[0], since[1]))
    rows = await session.execute(
        select(
            table.c.xid,
            table.c.id,
            table.c.entity,
            table.c.entity_id,
            table.c.op,
            table.c.region_code,
            table.c.changed_at,
        )
        .where(and_(*conditions))
        .order_by(table.c.xid, table.c.id)
        .limit(limit)
    )
    return [Entry(*row) for row in rows.all()]


def latest_per_record(entries: Sequence[Entry]) -> list[Entry]:
    """One entry per record within a page, the last one: a record changed three times since the last
    sync is downloaded once, in its current state."""
    last: dict[tuple[str, uuid.UUID], Entry] = {}
    for entry in entries:
        last.pop((entry.entity, entry.entity_id), None)
        last[(entry.entity, entry.entity_id)] = entry
    return list(last.values())


R = TypeVar("R", bound=BaseModel)

# Current records of one entity type among ids, as the caller may see them (masked by role, in the
# caller's regions); an id left out is gone for the caller and is served as a tombstone.
Loader = Callable[[Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, R]]]


class ChangeRead(BaseModel, Generic[R]):
    entity: str = Field(description="What kind of record: person, household, victim, site...")
    id: uuid.UUID
    op: Op = Field(
        description="`upsert`: store `record` (new or changed). `tombstone`: delete your copy (deleted, "
        "merged into another record, or moved out of your regions)."
    )
    changed_at: OfficeTime
    record: R | None = Field(description="The record as it is now, as you may see it; null for a tombstone")


class ChangesPage(BaseModel, Generic[R]):
    changes: list[ChangeRead[R]]
    next_cursor: str | None = Field(
        description="Send as `since` next time (null only when nothing was ever served: leave `since` out)"
    )
    more: bool = Field(description="More changes are waiting: call again at once with `next_cursor`")


async def changes_page(
    session: AsyncSession,
    model: type[ChangeLogMixin],
    principal: Principal,
    loaders: Mapping[str, Loader[R]],  # the entities the caller may read, and how
    *,
    since: str | None,
    region: str | None,
    limit: int,
) -> ChangesPage[R]:
    position = after(since)
    entries = await entries_since(
        session, model, principal, since=position, region=region, entities=list(loaders), limit=limit
    )
    latest = latest_per_record(entries)
    current: dict[tuple[str, uuid.UUID], R] = {}
    for entity, loader in loaders.items():
        ids = [e.entity_id for e in latest if e.entity == entity and e.op == "upsert"]
        if ids:
            current.update({(entity, i): record for i, record in (await loader(ids)).items()})
    changes = []
    for entry in latest:
        record = current.get((entry.entity, entry.entity_id))
        changes.append(
            ChangeRead[R](
                entity=entry.entity,
                id=entry.entity_id,
                op="upsert" if record is not None else "tombstone",
                changed_at=entry.changed_at,
                record=record,
            )
        )
    last = (entries[-1].xid, entries[-1].id) if entries else position
    return ChangesPage[R](changes=changes, next_cursor=cursor(last), more=len(entries) == limit)


def trigger_function_sql(schema: str) -> str:
    """The trigger function a service's migration installs (kept here so the three services log alike).

    Arguments: the entity name, then optionally a column that, once set, makes the record gone for
    everyone (a merged person: `merged_into`), then optionally the column naming the record's
    institution (`id` for an institution itself). A record that moves out of a region leaves a tombstone
    there, so a phone scoped to the old region drops it."""
    return f"""
CREATE OR REPLACE FUNCTION {schema}.log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entity text := TG_ARGV[0];
    gone_column text := nullif(TG_ARGV[1], '');
    institution_column text := TG_ARGV[2];
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO {schema}.change_log (entity, entity_id, op, region_code, institution_id)
        VALUES (entity, (old_row->>'id')::uuid, 'tombstone', old_row->>'region_code',
                (old_row->>institution_column)::uuid);
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND (old_row->>'region_code') IS DISTINCT FROM (new_row->>'region_code') THEN
        INSERT INTO {schema}.change_log (entity, entity_id, op, region_code, institution_id)
        VALUES (entity, (old_row->>'id')::uuid, 'tombstone', old_row->>'region_code',
                (old_row->>institution_column)::uuid);
    END IF;
    INSERT INTO {schema}.change_log (entity, entity_id, op, region_code, institution_id)
    VALUES (
        entity,
        (new_row->>'id')::uuid,
        CASE WHEN gone_column IS NOT NULL AND (new_row->>gone_column) IS NOT NULL
             THEN 'tombstone' ELSE 'upsert' END,
        new_row->>'region_code',
        (new_row->>institution_column)::uuid
    );
    RETURN NEW;
END
$$;
"""  # noqa: S608 -- the schema is a constant of the calling migration, never input


def trigger_sql(
    schema: str,
    table: str,
    entity: str,
    gone_column: str | None = None,
    institution_column: str | None = None,
) -> list[str]:
    """Log every insert and delete of `table`, and every update that changed something."""
    args = f"'{entity}', '{gone_column or ''}'" + (f", '{institution_column}'" if institution_column else "")
    return [
        f"CREATE TRIGGER log_change_write AFTER INSERT OR DELETE ON {schema}.{table} "
        f"FOR EACH ROW EXECUTE FUNCTION {schema}.log_change({args})",
        f"CREATE TRIGGER log_change_update AFTER UPDATE ON {schema}.{table} "
        f"FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {schema}.log_change({args})",
    ]


def drop_trigger_sql(schema: str, table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS log_change_write ON {schema}.{table}",
        f"DROP TRIGGER IF EXISTS log_change_update ON {schema}.{table}",
    ]
