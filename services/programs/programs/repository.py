import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.programs.models import Activity, Benefit, Enrolment, Program, ProgramSpending
from shared.auth import Principal


def _in_region(column, region: str):  # type: ignore[no-untyped-def]
    return (column == region) | column.startswith(region + ".", autoescape=True)


async def get_program(
    session: AsyncSession, principal: Principal, program_id: uuid.UUID, *, lock: bool = False
) -> Program | None:
    query = select(Program).where(Program.id == program_id, principal.region_filter(Program.region_code))
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def program_by_code(session: AsyncSession, region_code: str, year: int, code: str) -> Program | None:
    return await session.scalar(
        select(Program).where(Program.region_code == region_code, Program.year == year, Program.code == code)
    )


async def list_programs(
    session: AsyncSession,
    principal: Principal,
    *,
    year: int | None,
    area: str | None,
    region: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Program]:
    query = select(Program).where(principal.region_filter(Program.region_code))
    if year:
        query = query.where(Program.year == year)
    if area:
        query = query.where(Program.area == area)
    if region:
        query = query.where(_in_region(Program.region_code, region))
    if after:
        query = query.where(Program.id > after)
    return (await session.scalars(query.order_by(Program.id).limit(limit))).all()


async def spending(
    session: AsyncSession, program_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[int, Decimal]]:
    rows = await session.execute(
        select(ProgramSpending.program_id, ProgramSpending.quarter, ProgramSpending.amount).where(
            ProgramSpending.program_id.in_(program_ids)
        )
    )
    out: dict[uuid.UUID, dict[int, Decimal]] = {}
    for program_id, quarter, amount in rows:
        out.setdefault(program_id, {})[quarter] = amount
    return out


async def spending_row(session: AsyncSession, program_id: uuid.UUID, quarter: int) -> ProgramSpending | None:
    return await session.get(ProgramSpending, (program_id, quarter))


async def activities(session: AsyncSession, program_id: uuid.UUID) -> Sequence[Activity]:
    return (
        await session.scalars(
            select(Activity).where(Activity.program_id == program_id).order_by(Activity.code)
        )
    ).all()


async def activity_budget(session: AsyncSession, program_id: uuid.UUID) -> Decimal:
    return Decimal(
        await session.scalar(
            select(func.coalesce(func.sum(Activity.budget), 0)).where(Activity.program_id == program_id)
        )
        or 0
    )


async def lock_person_in_program(session: AsyncSession, program_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """Serialise enrolments and benefits of one person in one program (until the transaction ends),
    so that the overlap and limit checks hold under concurrency without locking the whole program."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"programs:{program_id}:{person_id}"},
    )


async def overlapping_enrolment(
    session: AsyncSession, program_id: uuid.UUID, person_id: uuid.UUID, start: object, end: object
) -> Enrolment | None:
    return await session.scalar(
        select(Enrolment)
        .where(
            Enrolment.program_id == program_id,
            Enrolment.person_id == person_id,
            Enrolment.period_start <= end,
            Enrolment.period_end >= start,
        )
        .limit(1)
    )


async def get_enrolment(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID
) -> Enrolment | None:
    return await session.scalar(
        select(Enrolment).where(Enrolment.id == enrolment_id, principal.region_filter(Enrolment.region_code))
    )


async def list_enrolments(
    session: AsyncSession,
    principal: Principal,
    *,
    program_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[Enrolment]:
    query = select(Enrolment).where(principal.region_filter(Enrolment.region_code))
    if program_id:
        query = query.where(Enrolment.program_id == program_id)
    if person_id:
        query = query.where(Enrolment.person_id == person_id)
    if after:
        query = query.where(Enrolment.id > after)
    return (await session.scalars(query.order_by(Enrolment.id).limit(limit))).all()


async def benefits_total(session: AsyncSession, program_id: uuid.UUID, person_id: uuid.UUID) -> Decimal:
    return Decimal(
        await session.scalar(
            select(func.coalesce(func.sum(Benefit.amount), 0)).where(
                Benefit.program_id == program_id, Benefit.person_id == person_id
            )
        )
        or 0
    )


async def benefits_of(session: AsyncSession, enrolment_id: uuid.UUID) -> Sequence[Benefit]:
    return (
        await session.scalars(
            select(Benefit).where(Benefit.enrolment_id == enrolment_id).order_by(Benefit.given_on, Benefit.id)
        )
    ).all()


async def regions_of(
    session: AsyncSession, subject_type: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The region of each enrolment, or of each benefit's enrolment (findings are read by it)."""
    if subject_type == "enrolment":
        query = select(Enrolment.id, Enrolment.region_code).where(Enrolment.id.in_(list(ids)))
    else:
        query = (
            select(Benefit.id, Enrolment.region_code)
            .join(Enrolment, Benefit.enrolment_id == Enrolment.id)
            .where(Benefit.id.in_(list(ids)))
        )
    return {row[0]: row[1] for row in await session.execute(query)}
