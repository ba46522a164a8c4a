"""Programs and their money: budget, quarterly realisation, activities; people enrolled for a
period and the aid they receive, within the program's limit."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.db import SERVICE, OutboxEvent
from services.programs.programs import permissions, repository
from services.programs.programs.exceptions import (
    ActivityCodeTaken,
    AlreadyEnrolled,
    BenefitLimitExceeded,
    OverBudget,
    ProgramCodeTaken,
)
from services.programs.programs.models import Activity, Benefit, Enrolment, Program, ProgramSpending
from services.programs.programs.schemas import (
    ActivityCreate,
    ActivityRead,
    BenefitCreate,
    BenefitRead,
    EnrolmentCreate,
    EnrolmentRead,
    ProgramCreate,
    ProgramRead,
    QuarterSpending,
)
from services.programs.scope import after_id
from shared import clock
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events import EventEnvelope, publish
from shared.findings import Scope
from shared.pagination import Page, encode_cursor


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def to_read(program: Program, spent: dict[int, Decimal]) -> ProgramRead:
    realised = sum(spent.values(), Decimal(0))
    return ProgramRead(
        id=program.id,
        code=program.code,
        name=program.name,
        area=program.area,  # type: ignore[arg-type]
        year=program.year,
        funding_source=program.funding_source,  # type: ignore[arg-type]
        region_code=program.region_code,
        budget=program.budget,
        benefit_limit=program.benefit_limit,
        spending=[QuarterSpending(quarter=q, amount=spent.get(q)) for q in range(1, 5)],
        realised=realised,
        absorption_percent=round(float(realised / program.budget * 100), 2) if program.budget else None,
        created_at=program.created_at,
    )


async def get_or_raise(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, *, lock: bool = False
) -> Program:
    program = await repository.get_program(session, principal, program_id, lock=lock)
    if program is None:
        raise NotFound(f"no program {program_id} in your scope")
    return program


async def create(session: AsyncSession, principal: Principal, data: ProgramCreate) -> ProgramRead:
    principal.require(*permissions.PLANNERS)
    permissions.require_region(principal, data.region_code)
    if await repository.program_by_code(session, data.region_code, data.year, data.code):
        raise ProgramCodeTaken(f"{data.region_code} already has program {data.code} in {data.year}")
    if data.benefit_limit is not None and data.benefit_limit > data.budget:
        raise Invalid("benefit_limit", "benefit_limit cannot exceed the budget")
    now = datetime.now(UTC)
    program = Program(id=uuid.uuid4(), **data.model_dump(), created_at=now, updated_at=now)
    session.add(program)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="program.created",
            source=SERVICE,
            subject=str(program.id),
            payload={
                "program_id": str(program.id),
                "code": data.code,
                "area": data.area,
                "year": data.year,
                "funding_source": data.funding_source,
                "region_code": data.region_code,
                "budget": str(data.budget),
                "benefit_limit": str(data.benefit_limit) if data.benefit_limit is not None else None,
            },
        ),
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent twin with the same code won the unique constraint
        if "uq_programs_region_year_code" in str(exc.orig):
            raise ProgramCodeTaken(
                f"{data.region_code} already has program {data.code} in {data.year}"
            ) from None
        raise
    return to_read(program, {})


async def read(session: AsyncSession, principal: Principal, program_id: uuid.UUID) -> ProgramRead:
    principal.require(*permissions.READERS)
    program = await get_or_raise(session, principal, program_id)
    return to_read(program, (await repository.spending(session, [program.id])).get(program.id, {}))


async def list_(
    session: AsyncSession,
    principal: Principal,
    *,
    year: int | None,
    area: str | None,
    region: str | None,
    limit: int,
    cursor: str | None,
) -> Page[ProgramRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_programs(
        session, principal, year=year, area=area, region=region, after=after_id(cursor), limit=limit + 1
    )
    page = rows[:limit]
    spent = await repository.spending(session, [p.id for p in page])
    return Page(
        items=[to_read(p, spent.get(p.id, {})) for p in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def record_spending(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, quarter: int, amount: Decimal
) -> ProgramRead:
    """The quarter's realised spending (a corrected figure replaces the earlier one)."""
    principal.require(*permissions.PLANNERS)
    program = await get_or_raise(session, principal, program_id, lock=True)
    if quarter_start(program.year, quarter) > clock.today():
        raise Invalid("quarter", f"quarter {quarter} of {program.year} has not started")
    spent = (await repository.spending(session, [program.id])).get(program.id, {})
    others = sum((v for q, v in spent.items() if q != quarter), Decimal(0))
    if others + amount > program.budget:
        raise OverBudget(f"realised spending would be {others + amount}, over the budget of {program.budget}")
    row = await repository.spending_row(session, program.id, quarter)
    if row is None:
        row = ProgramSpending(program_id=program.id, quarter=quarter)
        session.add(row)
    row.amount, row.recorded_by, row.recorded_at = amount, principal.sub, datetime.now(UTC)
    spent[quarter] = amount
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="program.spending_recorded",
            source=SERVICE,
            subject=str(program.id),
            payload={"program_id": str(program.id), "quarter": quarter, "amount": str(amount)},
        ),
    )
    await session.flush()
    return to_read(program, spent)


async def add_activity(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, data: ActivityCreate
) -> ActivityRead:
    principal.require(*permissions.PLANNERS)
    program = await get_or_raise(session, principal, program_id, lock=True)
    if any(a.code == data.code for a in await repository.activities(session, program.id)):
        raise ActivityCodeTaken(f"program {program.code} already has activity {data.code}")
    planned = await repository.activity_budget(session, program.id)
    if planned + data.budget > program.budget:
        raise OverBudget(
            f"activities would be budgeted {planned + data.budget}, over the program's {program.budget}"
        )
    activity = Activity(
        id=uuid.uuid4(), program_id=program.id, **data.model_dump(), created_at=datetime.now(UTC)
    )
    session.add(activity)
    await session.flush()
    return ActivityRead.model_validate(activity)


async def activities(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID
) -> list[ActivityRead]:
    principal.require(*permissions.READERS)
    program = await get_or_raise(session, principal, program_id)
    return [ActivityRead.model_validate(a) for a in await repository.activities(session, program.id)]


def _in(region: str, parent: str) -> bool:
    return region == parent or region.startswith(parent + ".")


async def enrol(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, data: EnrolmentCreate
) -> EnrolmentRead:
    principal.require(*permissions.PLANNERS)
    program = await get_or_raise(session, principal, program_id)
    permissions.require_region(principal, data.region_code)
    if not _in(data.region_code, program.region_code):
        raise Invalid("region_code", f"the program serves {program.region_code} only")
    if data.period_end < data.period_start:
        raise Invalid("period_end", "period_end cannot be before period_start")
    if data.period_start.year != program.year:
        raise Invalid("period_start", f"the program runs in {program.year}")
    if data.period_end.year != program.year:
        raise Invalid("period_end", f"the program runs in {program.year}")
    await repository.lock_person_in_program(session, program.id, data.person_id)
    existing = await repository.overlapping_enrolment(
        session, program.id, data.person_id, data.period_start, data.period_end
    )
    if existing is not None:
        raise AlreadyEnrolled(
            f"enrolled from {existing.period_start} to {existing.period_end} (enrolment {existing.id})"
        )
    enrolment = Enrolment(
        id=uuid.uuid4(),
        program_id=program.id,
        **data.model_dump(),
        enrolled_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(enrolment)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="enrolment.created",
            source=SERVICE,
            subject=str(enrolment.id),
            payload={
                "enrolment_id": str(enrolment.id),
                "program_id": str(program.id),
                "person_id": str(data.person_id),
                "region_code": data.region_code,
                "period_start": data.period_start.isoformat(),
                "period_end": data.period_end.isoformat(),
            },
        ),
    )
    await session.flush()
    return EnrolmentRead.model_validate(enrolment)


async def get_enrolment(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID
) -> EnrolmentRead:
    principal.require(*permissions.READERS)
    enrolment = await repository.get_enrolment(session, principal, enrolment_id)
    if enrolment is None:
        raise NotFound(f"no enrolment {enrolment_id} in your scope")
    return EnrolmentRead.model_validate(enrolment)


async def list_enrolments(
    session: AsyncSession,
    principal: Principal,
    *,
    program_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[EnrolmentRead]:
    principal.require(*permissions.READERS)
    rows = await repository.list_enrolments(
        session,
        principal,
        program_id=program_id,
        person_id=person_id,
        after=after_id(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return Page(
        items=[EnrolmentRead.model_validate(e) for e in page],
        next_cursor=encode_cursor([page[-1].id]) if len(rows) > limit else None,
    )


async def give_benefit(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID, data: BenefitCreate
) -> BenefitRead:
    principal.require(*permissions.RECORDERS)
    enrolment = await repository.get_enrolment(session, principal, enrolment_id)
    if enrolment is None:
        raise NotFound(f"no enrolment {enrolment_id} in your scope")
    if not enrolment.period_start <= data.given_on <= enrolment.period_end:
        raise Invalid(
            "given_on", f"the enrolment runs from {enrolment.period_start} to {enrolment.period_end}"
        )
    if data.given_on > clock.today():
        raise Invalid("given_on", "given_on cannot be in the future")
    program = await session.get(Program, enrolment.program_id)
    assert program is not None
    await repository.lock_person_in_program(session, program.id, enrolment.person_id)
    if program.benefit_limit is not None:
        received = await repository.benefits_total(session, program.id, enrolment.person_id)
        if received + data.amount > program.benefit_limit:
            raise BenefitLimitExceeded(
                f"the person has received {received} of the program's limit of {program.benefit_limit}; "
                f"at most {program.benefit_limit - received} more"
            )
    benefit = Benefit(
        id=uuid.uuid4(),
        enrolment_id=enrolment.id,
        program_id=program.id,
        person_id=enrolment.person_id,
        **data.model_dump(),
        recorded_by=principal.sub,
        created_at=datetime.now(UTC),
    )
    session.add(benefit)
    publish(
        session,
        OutboxEvent,
        EventEnvelope(
            type="benefit.recorded",
            source=SERVICE,
            subject=str(benefit.id),
            payload={
                "benefit_id": str(benefit.id),
                "enrolment_id": str(enrolment.id),
                "program_id": str(program.id),
                "person_id": str(enrolment.person_id),
                "region_code": enrolment.region_code,
                "kind": data.kind,
                "amount": str(data.amount),
                "given_on": data.given_on.isoformat(),
                "benefit_limit": str(program.benefit_limit) if program.benefit_limit is not None else None,
            },
        ),
    )
    await session.flush()
    return BenefitRead.model_validate(benefit)


async def benefits(session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID) -> list[BenefitRead]:
    principal.require(*permissions.READERS)
    enrolment = await repository.get_enrolment(session, principal, enrolment_id)
    if enrolment is None:
        raise NotFound(f"no enrolment {enrolment_id} in your scope")
    return [BenefitRead.model_validate(b) for b in await repository.benefits_of(session, enrolment.id)]


async def subjects_scope(
    session: AsyncSession, subject_type: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Scope]:
    """Findings on enrolments and benefits (the enrolment rules'): each in its enrolment's region."""
    if subject_type not in ("enrolment", "benefit") or not ids:
        return {}
    return {
        i: (region, None) for i, region in (await repository.regions_of(session, subject_type, ids)).items()
    }


async def subject_scope(session: AsyncSession, subject_type: str, subject_id: uuid.UUID) -> Scope | None:
    return (await subjects_scope(session, subject_type, [subject_id])).get(subject_id)
