"""Findings: what reconciliation found wrong about a record, stored by the service that owns the
record, keyed by (rule, subject) so that re-running a check never makes a second one.

Domain-free: each service declares `class Finding(FindingMixin, Base)` and mounts `findings_router`,
giving it a function that tells the region (and institution) of a subject, so that reads are
scoped like the record itself."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, String, UniqueConstraint, and_, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.app import SessionDep
from shared.auth import CurrentPrincipal, Principal
from shared.errors import NotFound
from shared.pagination import CursorQuery, LimitQuery, Page, after_time_and_uuid, encode_cursor

FindingStatus = Literal["open", "closed", "resolved"]


class FindingMixin:
    __tablename__ = "findings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    rule: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("rule", "subject_id", name="uq_findings_rule_subject"),)


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rule: str
    subject_type: str
    subject_id: uuid.UUID
    status: FindingStatus
    detail: dict[str, Any]
    region_code: str | None
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime


class FindingReport(BaseModel):
    """What the worker reports about one rule and one subject: the cause holds (`open`) or not."""

    rule: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_]+$", examples=["recipient_deceased"])
    subject_type: str = Field(min_length=1, max_length=40, examples=["distribution"])
    subject_id: uuid.UUID
    holds: bool = Field(description="true: the cause is present (open the finding); false: it went away")
    detail: dict[str, Any] = Field(default_factory=dict)


SubjectScope = Callable[[AsyncSession, str, uuid.UUID], Awaitable[tuple[str | None, uuid.UUID | None] | None]]


def _readable(model: type[FindingMixin], principal: Principal) -> Any:
    if principal.unscoped:
        return and_(True)
    by_region = principal.region_filter(model.region_code)
    if principal.institutions:
        ids = principal.institution_ids
        return or_(by_region, model.institution_id.in_(ids))
    return by_region


def findings_router(model: type[FindingMixin], subject_scope: SubjectScope) -> APIRouter:
    router = APIRouter(tags=["findings"])

    @router.get(
        "/findings", response_model=Page[FindingRead], summary="List findings on this service's records"
    )
    async def list_findings(
        session: SessionDep,
        principal: CurrentPrincipal,
        rule: Annotated[str | None, Query(max_length=80)] = None,
        subject_id: uuid.UUID | None = None,
        status: FindingStatus | None = None,
        limit: LimitQuery = 50,
        cursor: CursorQuery = None,
    ) -> Page[FindingRead]:
        query = select(model).where(_readable(model, principal))
        if rule:
            query = query.where(model.rule == rule)
        if subject_id:
            query = query.where(model.subject_id == subject_id)
        if status:
            query = query.where(model.status == status)
        after = after_time_and_uuid(cursor)
        if after:
            query = query.where(tuple_(model.opened_at, model.id) > tuple_(*after))
        rows = (await session.scalars(query.order_by(model.opened_at, model.id).limit(limit + 1))).all()
        next_cursor = (
            encode_cursor([rows[limit - 1].opened_at.isoformat(), rows[limit - 1].id])
            if len(rows) > limit
            else None
        )
        return Page(items=[FindingRead.model_validate(r) for r in rows[:limit]], next_cursor=next_cursor)

    @router.put(
        "/findings",
        response_model=FindingRead | None,
        summary="Report whether a rule holds for a record (worker only)",
        description="Opens the finding keyed by (rule, subject) when the cause holds, closes it when the "
        "cause went away. Re-sending the same report changes nothing.",
    )
    async def report_finding(
        body: FindingReport, session: SessionDep, principal: CurrentPrincipal
    ) -> FindingRead | None:
        principal.require_exactly("service")
        scope = await subject_scope(session, body.subject_type, body.subject_id)
        if scope is None:
            raise NotFound(f"no {body.subject_type} {body.subject_id} here")
        region_code, institution_id = scope
        now = datetime.now(UTC)
        if body.holds:
            # Concurrent first reports (two workers, one redelivered event) meet here: the insert
            # is a no-op for all but one, and everyone then locks the one row.
            await session.execute(
                insert(model)
                .values(
                    id=uuid.uuid4(),
                    rule=body.rule,
                    subject_type=body.subject_type,
                    subject_id=body.subject_id,
                    status="open",
                    detail=body.detail,
                    region_code=region_code,
                    institution_id=institution_id,
                    opened_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(constraint="uq_findings_rule_subject")
            )
        existing = await session.scalar(
            select(model)
            .where(model.rule == body.rule, model.subject_id == body.subject_id)
            .with_for_update()
        )
        if existing is None:
            return None
        if body.holds and existing.status == "closed":
            existing.status, existing.closed_at, existing.updated_at = "open", None, now
            existing.detail = body.detail
        elif not body.holds and existing.status == "open":
            existing.status, existing.closed_at, existing.updated_at = "closed", now, now
        await session.flush()
        return FindingRead.model_validate(existing)

    return router
