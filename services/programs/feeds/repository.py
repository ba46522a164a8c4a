import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds.models import (
    DisasterVictimView,
    PpksAssessmentView,
    PsksRoleView,
    ReliefReceiptView,
)

Model = type[PpksAssessmentView] | type[PsksRoleView] | type[DisasterVictimView] | type[ReliefReceiptView]


async def upsert(
    session: AsyncSession, model: Model, key: str, values: dict[str, Any]
) -> tuple[bool, datetime]:
    """Insert, or update only when this event is not older than the one the row reflects. Returns
    whether the row changed and the event time the row now reflects. Concurrent deliveries of the
    same record meet on the primary key: PostgreSQL serialises them and the newest wins."""
    table = model.__table__
    statement = insert(model).values(**values)
    update: dict[str, Any] = {c: statement.excluded[c] for c in values if c != key}
    if "updated_at" in table.c:
        update["updated_at"] = func.now()
    applied = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_=update,
            where=table.c.event_occurred_at <= statement.excluded.event_occurred_at,
        ).returning(literal(True))
    )
    if applied:
        return True, values["event_occurred_at"]
    current = await session.scalar(select(table.c.event_occurred_at).where(table.c[key] == values[key]))
    return False, current or datetime.now(UTC)


async def upsert_many(session: AsyncSession, model: Model, key: str, rows: list[dict[str, Any]]) -> int:
    """`upsert` for many rows in one statement; returns how many changed. Rows must have distinct keys
    (PostgreSQL refuses to update one row twice in a statement)."""
    if not rows:
        return 0
    table = model.__table__
    statement = insert(model).values(rows)
    update: dict[str, Any] = {c: statement.excluded[c] for c in rows[0] if c != key}
    if "updated_at" in table.c:
        update["updated_at"] = func.now()
    changed = await session.scalars(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_=update,
            where=table.c.event_occurred_at <= statement.excluded.event_occurred_at,
        ).returning(literal(True))
    )
    return len(changed.all())


async def assessment(session: AsyncSession, assessment_id: uuid.UUID) -> PpksAssessmentView | None:
    return await session.get(PpksAssessmentView, assessment_id)


async def known_birth_date(session: AsyncSession, person_id: uuid.UUID) -> date | None:
    """The birth date the registry sent with the person's latest assessment, if any."""
    return await session.scalar(
        select(PpksAssessmentView.birth_date)
        .where(PpksAssessmentView.person_id == person_id, PpksAssessmentView.birth_date.is_not(None))
        .order_by(PpksAssessmentView.event_occurred_at.desc())
        .limit(1)
    )


async def latest_assessment_of_type(
    session: AsyncSession, person_id: uuid.UUID, ppks_type: str, on: date
) -> PpksAssessmentView | None:
    """The person's assessment of this type that was open on the day (assessed, not yet resolved)."""
    return await session.scalar(
        select(PpksAssessmentView)
        .where(
            PpksAssessmentView.person_id == person_id,
            PpksAssessmentView.ppks_type == ppks_type,
            PpksAssessmentView.assessed_on <= on,
            or_(PpksAssessmentView.resolved_on.is_(None), PpksAssessmentView.resolved_on >= on),
        )
        .order_by(PpksAssessmentView.assessed_on.desc())
        .limit(1)
    )


async def is_peksos(session: AsyncSession, person_id: uuid.UUID, on: date) -> bool:
    """Does the person hold an active PSKS 01 (Pekerja Sosial Profesional) role on the day?"""
    found = await session.scalar(
        select(PsksRoleView.role_id)
        .where(
            PsksRoleView.person_id == person_id,
            PsksRoleView.psks_type == "01",
            PsksRoleView.status == "active",
            or_(PsksRoleView.active_from.is_(None), PsksRoleView.active_from <= on),
            or_(PsksRoleView.active_until.is_(None), PsksRoleView.active_until >= on),
        )
        .limit(1)
    )
    return found is not None


async def lock_people(session: AsyncSession, person_ids: set[uuid.UUID]) -> None:
    """Serialise feeds touching the same person (in a fixed order: no deadlock), so that the
    `person_multiple` flags they recompute see each other's rows."""
    for person_id in sorted(person_ids):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"ppks-person:{person_id}"},
        )


async def assessment_person(session: AsyncSession, assessment_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(PpksAssessmentView.person_id).where(PpksAssessmentView.assessment_id == assessment_id)
    )


async def refresh_person_multiple(session: AsyncSession, person_ids: set[uuid.UUID]) -> None:
    a = PpksAssessmentView
    counts = (
        select(a.person_id.label("person_id"), (func.count() > 1).label("multiple"))
        .where(a.person_id.in_(person_ids))
        .group_by(a.person_id)
        .subquery()
    )
    await session.execute(
        update(a)
        .where(a.person_id == counts.c.person_id, a.person_multiple.is_distinct_from(counts.c.multiple))
        .values(person_multiple=counts.c.multiple)
        .execution_options(synchronize_session=False)
    )
