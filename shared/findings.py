"""Findings: what reconciliation found wrong about a record, stored by the service that owns the
record, keyed by (rule, subject) so that re-running a check never makes a second one.

Domain-free: each service declares `class Finding(FindingMixin, Base)` and mounts `findings_router`,
giving it a function that tells the region (and institution) of a subject, so that reads are
scoped like the record itself."""

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import DateTime, String, UniqueConstraint, and_, bindparam, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TEXT, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared.app import SessionDep
from shared.auth import CurrentPrincipal, Principal
from shared.errors import Conflict, NotFound, Problem
from shared.pagination import CursorQuery, LimitQuery, Page, after_time_and_uuid, encode_cursor
from shared.types import OfficeTime

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
    opened_at: OfficeTime
    closed_at: OfficeTime | None
    updated_at: OfficeTime


class FindingReport(BaseModel):
    """What the worker reports about one rule and one subject: the cause holds (`open`) or not."""

    rule: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_]+$", examples=["recipient_deceased"])
    subject_type: str = Field(min_length=1, max_length=40, examples=["distribution"])
    subject_id: uuid.UUID
    holds: bool = Field(description="true: the cause is present (open the finding); false: it went away")
    detail: dict[str, Any] = Field(default_factory=dict)


# Who may settle a finding: officers over the record's region (and admins).
RESOLVERS = ("provincial_officer", "regency_officer")


class FindingResolution(BaseModel):
    reason: str = Field(min_length=3, max_length=1000, examples=["same person: checked the KK at the site"])


# The most reports one batch may carry: a batch is a few statements, whatever its size.
BATCH_LIMIT = 5000


# Subjects one batch may name as no longer holding, in the compact form (`gone`).
GONE_LIMIT = 20_000
RulePattern = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_]+$", examples=["recipient_deceased"])


class RuleGone(BaseModel):
    """Subjects for which a rule no longer holds: `holds: false` reports, without repeating the rule."""

    rule: str = RulePattern
    subject_ids: list[uuid.UUID] = Field(max_length=GONE_LIMIT)


class FindingReports(BaseModel):
    """Many reports at once (worker batches, the full reconciliation). Reports that no longer hold may
    come in `items` or, more cheaply, in `gone`; a (rule, subject) in both is decided by `items`."""

    items: list[FindingReport] = Field(default_factory=list, max_length=BATCH_LIMIT)
    gone: list[RuleGone] = Field(default_factory=list, max_length=100)

    @field_validator("gone")
    @classmethod
    def _gone_within_limit(cls, gone: list[RuleGone]) -> list[RuleGone]:
        if sum(len(g.subject_ids) for g in gone) > GONE_LIMIT:
            raise ValueError(f"at most {GONE_LIMIT} subject ids in all")
        return gone


class FindingBatchResult(BaseModel):
    opened: int = Field(description="New findings")
    reopened: int = Field(description="Closed findings whose cause came back")
    closed: int = Field(description="Open findings whose cause went away")
    unknown_subjects: list[uuid.UUID] = Field(
        description="Holding reports about records this service does not have (nothing was opened)"
    )


Scope = tuple[str | None, uuid.UUID | None]
SubjectScope = Callable[[AsyncSession, str, uuid.UUID], Awaitable[Scope | None]]
# Region (and institution) of many subjects of one type at once; subjects it does not know are left out.
SubjectsScope = Callable[[AsyncSession, str, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, Scope]]]


def scopes_from_tables(tables: Mapping[str, Any]) -> SubjectsScope:
    """A `SubjectsScope` for subjects kept in tables with `id` and `region_code` (and, if they have one,
    `institution_id`) columns: one query per subject type."""

    async def scopes(
        session: AsyncSession, subject_type: str, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Scope]:
        table = tables.get(subject_type)
        if table is None or not ids:
            return {}
        institution = getattr(table, "institution_id", None)
        columns = [table.id, table.region_code] + ([institution] if institution is not None else [])
        rows = await session.execute(select(*columns).where(table.id.in_(list(ids))))
        return {row[0]: (row[1], row[2] if institution is not None else None) for row in rows}

    return scopes


def _one_by_one(subject_scope: SubjectScope) -> SubjectsScope:
    async def scopes(
        session: AsyncSession, subject_type: str, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Scope]:
        found: dict[uuid.UUID, Scope] = {}
        for subject_id in ids:
            scope = await subject_scope(session, subject_type, subject_id)
            if scope is not None:
                found[subject_id] = scope
        return found

    return scopes


def _readable(model: type[FindingMixin], principal: Principal) -> Any:
    if principal.unscoped:
        return and_(True)
    by_region = principal.region_filter(model.region_code)
    if principal.institutions:
        ids = principal.institution_ids
        return or_(by_region, model.institution_id.in_(ids))
    return by_region


async def apply_reports(
    session: AsyncSession,
    model: type[FindingMixin],
    reports: Sequence[FindingReport],
    subjects_scope: SubjectsScope,
    gone: Sequence[RuleGone] = (),
) -> FindingBatchResult:
    """What `PUT /findings` does for one report, for many, in a few statements: a holding report opens
    its finding or re-opens a closed one (with the new detail); a report that no longer holds closes an
    open one; a finding an officer resolved stays resolved either way."""
    latest: dict[tuple[str, uuid.UUID], FindingReport] = {}
    for report in reports:  # the same (rule, subject) twice: the last report wins
        latest[(report.rule, report.subject_id)] = report
    # One order for every batch, so that two batches touching the same findings never deadlock.
    ordered = [latest[key] for key in sorted(latest, key=lambda k: (k[0], str(k[1])))]
    holding = [r for r in ordered if r.holds]
    closing = [(r.rule, r.subject_id) for r in ordered if not r.holds]
    closing += [(g.rule, s) for g in gone for s in g.subject_ids if (g.rule, s) not in latest]
    table = model.__table__.fullname  # type: ignore[attr-defined]
    now = datetime.now(UTC)

    scopes: dict[tuple[str, uuid.UUID], Scope] = {}
    for subject_type in {r.subject_type for r in holding}:
        ids = list({r.subject_id for r in holding if r.subject_type == subject_type})
        found = await subjects_scope(session, subject_type, ids)
        scopes.update({(subject_type, subject_id): scope for subject_id, scope in found.items()})
    known = [r for r in holding if (r.subject_type, r.subject_id) in scopes]
    unknown = sorted({r.subject_id for r in holding if (r.subject_type, r.subject_id) not in scopes}, key=str)

    opened = reopened = closed = 0
    if known:
        rows = await session.execute(
            text(
                f"""INSERT INTO {table} AS f (id, rule, subject_type, subject_id, status, detail,
                        region_code, institution_id, opened_at, updated_at)
                    SELECT gen_random_uuid(), r.rule, r.subject_type, r.subject_id, 'open', r.detail::jsonb,
                           r.region_code, r.institution_id, :now, :now
                    FROM unnest(:rules, :types, :ids, :details, :regions, :institutions)
                         AS r(rule, subject_type, subject_id, detail, region_code, institution_id)
                    ON CONFLICT (rule, subject_id) DO UPDATE
                        SET status = 'open', closed_at = NULL, updated_at = :now, detail = excluded.detail
                        WHERE f.status = 'closed'
                    RETURNING (xmax = 0) AS inserted"""  # noqa: S608 (the table name is the model's)
            ).bindparams(
                bindparam("rules", [r.rule for r in known], type_=ARRAY(TEXT)),
                bindparam("types", [r.subject_type for r in known], type_=ARRAY(TEXT)),
                bindparam("ids", [r.subject_id for r in known], type_=ARRAY(UUID(as_uuid=True))),
                bindparam("details", [json.dumps(r.detail) for r in known], type_=ARRAY(TEXT)),
                bindparam(
                    "regions", [scopes[(r.subject_type, r.subject_id)][0] for r in known], type_=ARRAY(TEXT)
                ),
                bindparam(
                    "institutions",
                    [scopes[(r.subject_type, r.subject_id)][1] for r in known],
                    type_=ARRAY(UUID(as_uuid=True)),
                ),
                bindparam("now", now, type_=DateTime(timezone=True)),
            )
        )
        for (inserted,) in rows:
            opened, reopened = (opened + 1, reopened) if inserted else (opened, reopened + 1)
    if closing:
        result = await session.execute(
            text(
                f"""UPDATE {table} AS f SET status = 'closed', closed_at = :now, updated_at = :now
                    WHERE f.id IN (
                        SELECT o.id FROM {table} AS o
                        JOIN unnest(:rules, :ids) AS r(rule, subject_id)
                          ON o.rule = r.rule AND o.subject_id = r.subject_id
                        WHERE o.status = 'open' ORDER BY o.id FOR UPDATE OF o)"""  # noqa: S608
            ).bindparams(
                bindparam("rules", [rule for rule, _ in closing], type_=ARRAY(TEXT)),
                bindparam("ids", [subject for _, subject in closing], type_=ARRAY(UUID(as_uuid=True))),
                bindparam("now", now, type_=DateTime(timezone=True)),
            )
        )
        closed = result.rowcount  # type: ignore[attr-defined]
    return FindingBatchResult(opened=opened, reopened=reopened, closed=closed, unknown_subjects=unknown)


def findings_router(
    model: type[FindingMixin], subject_scope: SubjectScope, subjects_scope: SubjectsScope | None = None
) -> APIRouter:
    """`subjects_scope` answers for many subjects at once (for `PUT /findings/batch`); without it, the
    batch asks `subject_scope` one subject at a time."""
    router = APIRouter(tags=["findings"])
    many_scopes = subjects_scope or _one_by_one(subject_scope)

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

    @router.post(
        "/findings/{finding_id}/resolve",
        response_model=FindingRead,
        responses={
            404: {"model": Problem, "description": "No such finding, or its record is not in your regions"},
            409: {"model": Problem, "description": "The finding is not open (closed or already resolved)"},
        },
        summary="Settle an open finding, with the reason",
        description="An officer over the record's region settles the finding: it stays `resolved` (who "
        "and why kept in `detail.resolved_by` and `detail.resolution`) whatever reconciliation later "
        "reports. Only an open finding can be resolved.",
    )
    async def resolve_finding(
        finding_id: uuid.UUID, body: FindingResolution, session: SessionDep, principal: CurrentPrincipal
    ) -> FindingRead:
        principal.require(*RESOLVERS)
        finding = await session.scalar(
            select(model).where(model.id == finding_id, _readable(model, principal)).with_for_update()
        )
        if finding is None:
            raise NotFound(f"no finding {finding_id} in your scope")
        if finding.status != "open":
            raise Conflict(f"the finding is {finding.status}; only an open finding can be resolved")
        now = datetime.now(UTC)
        finding.status, finding.closed_at, finding.updated_at = "resolved", now, now
        finding.detail = {**finding.detail, "resolved_by": principal.sub, "resolution": body.reason}
        await session.flush()
        return FindingRead.model_validate(finding)

    @router.put(
        "/findings/batch",
        response_model=FindingBatchResult,
        summary="Report many rule results at once (worker only)",
        description=f"Up to {BATCH_LIMIT} reports, each with the meaning of `PUT /findings`, and up to "
        f"{GONE_LIMIT} subjects for which a rule no longer holds (`gone`), applied together in one "
        "transaction. A holding report about a record this service does not have opens "
        "nothing and is listed in `unknown_subjects`; re-sending the same batch changes nothing.",
    )
    async def report_findings(
        body: FindingReports, session: SessionDep, principal: CurrentPrincipal
    ) -> FindingBatchResult:
        principal.require_exactly("service")
        return await apply_reports(session, model, body.items, many_scopes, body.gone)

    return router
