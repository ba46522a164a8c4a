"""The SPM report's queries. Each runs once per report over the year's rows, grouped in the
database: a province's million assessments never reach Python."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds.models import DisasterVictimView, PpksAssessmentView, ReliefReceiptView
from services.programs.institutions.models import Admission, BasicNeedMet, Institution
from services.programs.reference.models import BasicNeed, SpmService
from shared.auth import Principal


def region_clause(principal: Principal, column: Any, region: str | None) -> ColumnElement[bool]:
    clause = principal.region_filter(column)
    if region:
        clause = and_(clause, or_(column == region, column.startswith(region + ".", autoescape=True)))
    return clause


def open_in(a: type[PpksAssessmentView], year_start: date, year_end: date) -> ColumnElement[bool]:
    """The assessment was open at some time in the span: assessed by its end, not resolved before it."""
    return and_(a.assessed_on <= year_end, or_(a.resolved_on.is_(None), a.resolved_on >= year_start))


def type_services() -> Any:
    """(service, PPKS type) for every type a service counts."""
    return select(SpmService.code, func.unnest(SpmService.ppks_types).label("ppks_type")).subquery()


async def needing_by_assessment(
    session: AsyncSession, principal: Principal, region: str | None, year_start: date, year_end: date
) -> dict[str, int]:
    """Distinct people per service with an assessment of one of its PPKS types open in the year.
    People with a single assessment are counted by type in one scan; only the few with several
    (`person_multiple`) are de-duplicated by person."""
    a = PpksAssessmentView
    where = and_(region_clause(principal, a.region_code, region), open_in(a, year_start, year_end))
    mapping = type_services()
    singles = (
        select(a.ppks_type, func.count().label("n"))
        .where(where, a.person_multiple.is_(False))
        .group_by(a.ppks_type)
        .subquery()
    )
    by_single = (
        select(mapping.c.code, func.sum(singles.c.n))
        .join(mapping, mapping.c.ppks_type == singles.c.ppks_type)
        .group_by(mapping.c.code)
    )
    pairs = (
        select(mapping.c.code, a.person_id)
        .join(mapping, mapping.c.ppks_type == a.ppks_type)
        .where(where, a.person_multiple.is_(True))
        .distinct()
        .subquery()
    )
    by_multiple = select(pairs.c.code, func.count()).group_by(pairs.c.code)
    out: dict[str, int] = {}
    for query in (by_single, by_multiple):
        for code, n in await session.execute(query):
            out[code] = out.get(code, 0) + int(n)
    return out


async def served_in_panti(
    session: AsyncSession, principal: Principal, region: str | None, year_start: date, year_end: date
) -> dict[str, tuple[int, int]]:
    """Per service: (people with a basic need met in the year, those with every required need met
    by the year's end, in one stay). A stay counts for the service of its PPKS type, else of its
    panti's kind."""
    required_total = select(func.count()).where(BasicNeed.required).scalar_subquery()
    # Needs per stay; (admission, need) is unique, so a plain count counts distinct needs.
    needs = (
        select(
            BasicNeedMet.admission_id,
            func.count().filter(BasicNeed.required).label("required_met"),
        )
        .join(BasicNeed, BasicNeed.code == BasicNeedMet.need)
        .where(BasicNeedMet.met_on <= year_end)
        .group_by(BasicNeedMet.admission_id)
        .having(func.max(BasicNeedMet.met_on) >= year_start)
        .subquery()
    )
    by_type = type_services()
    by_kind = (
        select(SpmService.code, SpmService.institution_kind)
        .where(SpmService.institution_kind.is_not(None))
        .subquery()
    )
    service = func.coalesce(by_type.c.code, by_kind.c.code).label("service")
    stays = (
        select(service, Admission.person_id, (needs.c.required_met >= required_total).label("full"))
        .join(needs, needs.c.admission_id == Admission.id)
        .join(Institution, Institution.id == Admission.institution_id)
        .outerjoin(by_type, by_type.c.ppks_type == Admission.ppks_type)
        .outerjoin(
            by_kind, and_(Admission.ppks_type.is_(None), by_kind.c.institution_kind == Institution.kind)
        )
        .where(
            region_clause(principal, Admission.region_code, region),
            Admission.admitted_on <= year_end,
            or_(Admission.discharged_on.is_(None), Admission.discharged_on >= year_start),
        )
        .subquery()
    )
    rows = await session.execute(
        select(
            stays.c.service,
            func.count(func.distinct(stays.c.person_id)),
            func.count(func.distinct(stays.c.person_id)).filter(stays.c.full),
        )
        .where(stays.c.service.is_not(None))
        .group_by(stays.c.service)
    )
    return {code: (int(served), int(full)) for code, served, full in rows}


async def victims(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    level: str,
    conditions: list[str],
    since: datetime,
    until: datetime,
) -> tuple[int, int]:
    """(victims of disasters of this level registered in the year, those who received relief in
    their disaster). A victim is one person: by registry id, else NIK, else the victim record."""
    v, r = DisasterVictimView, ReliefReceiptView
    identity = func.coalesce(
        cast(v.person_id, String), literal("nik:") + v.nik, literal("victim:") + cast(v.victim_id, String)
    )
    relieved = exists().where(
        r.disaster_id == v.disaster_id,
        or_(
            and_(v.person_id.is_not(None), r.person_id == v.person_id),
            and_(v.nik.is_not(None), r.nik == v.nik),
        ),
    )
    people = (
        select(identity.label("who"), func.bool_or(case((relieved, True), else_=False)).label("served"))
        .where(
            region_clause(principal, v.region_code, region),
            v.disaster_level == level,
            v.condition.in_(conditions),
            v.registered_at >= since,
            v.registered_at < until,
        )
        .group_by(identity)
        .subquery()
    )
    row = (
        await session.execute(select(func.count(), func.count().filter(people.c.served)).select_from(people))
    ).one()
    return int(row[0]), int(row[1])


async def spm_services(session: AsyncSession) -> list[SpmService]:
    return list((await session.scalars(select(SpmService).order_by(SpmService.position))).all())
