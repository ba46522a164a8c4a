import uuid
from typing import Any

from sqlalchemy import Select, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import TEXT
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.feeds.models import PpksAssessmentView
from services.programs.groups.models import WrseAid
from services.programs.institutions.models import Admission
from services.programs.programs.models import Benefit, Enrolment, Program
from shared.ndjson import in_partition, in_shard


def admissions(region: str | None, *, exact: bool, shard: int = 0, shards: int = 1) -> Select[str]:
    """Every admission of the partition (by the institution's region), open or discharged."""
    return select(cast(_admission_json(), TEXT)).where(
        in_partition(Admission.region_code, region, exact=exact), in_shard(Admission.id, shard, shards)
    )


def _admission_json() -> Any:
    a = Admission
    return func.json_build_object(
        "admission_id", a.id,
        "institution_id", a.institution_id,
        "person_id", a.person_id,
        "admitted_on", a.admitted_on,
        "status", a.status,
        "discharged_on", a.discharged_on,
        "region_code", a.region_code,
    )  # fmt: skip


def _enrolment_json() -> Any:
    """An enrolment as the keys of its `enrolment.created` payload."""
    e = Enrolment
    return func.json_build_object(
        "enrolment_id", e.id,
        "program_id", e.program_id,
        "person_id", e.person_id,
        "region_code", e.region_code,
        "period_start", e.period_start,
        "period_end", e.period_end,
    )  # fmt: skip


def _benefit_json() -> Any:
    """A benefit as the keys of its `benefit.recorded` payload (the limit is the program's)."""
    b = Benefit
    return func.json_build_object(
        "benefit_id", b.id,
        "enrolment_id", b.enrolment_id,
        "program_id", b.program_id,
        "person_id", b.person_id,
        "kind", b.kind,
        "amount", cast(func.trim_scale(b.amount), TEXT),
        "given_on", b.given_on,
    )  # fmt: skip


def _benefits_of(person_ids: list[uuid.UUID]) -> Any:
    """Benefits of these people, found through their enrolments (a benefit names its enrolment's person,
    and a merge re-points both): benefits are indexed by enrolment, not by person alone."""
    return Benefit.enrolment_id.in_(select(Enrolment.id).where(Enrolment.person_id.in_(person_ids)))


def _program_json() -> Any:
    p = Program
    return func.json_build_object(
        "program_id", p.id,
        "year", p.year,
        "benefit_limit", cast(func.trim_scale(p.benefit_limit), TEXT),
    )  # fmt: skip


def enrolments(region: str | None, *, exact: bool, shard: int = 0, shards: int = 1) -> Select[str]:
    """Every enrolment of the partition (by the enrolment's region)."""
    return select(cast(_enrolment_json(), TEXT)).where(
        in_partition(Enrolment.region_code, region, exact=exact), in_shard(Enrolment.id, shard, shards)
    )


async def enrolments_of_people(
    session: AsyncSession, person_ids: list[uuid.UUID], program_ids: list[uuid.UUID] | None
) -> str:
    """JSON text {programs, enrolments, benefits}: these people's enrolments (in these programs, or in
    all), every benefit given under them, and the programs' limits."""
    empty: Any = literal_column("'[]'::json")
    enrolled = select(func.coalesce(func.json_agg(_enrolment_json()), empty)).where(
        Enrolment.person_id.in_(person_ids)
    )
    given = select(func.coalesce(func.json_agg(_benefit_json()), empty)).where(_benefits_of(person_ids))
    programs = select(Enrolment.program_id).where(Enrolment.person_id.in_(person_ids))
    if program_ids is not None:
        enrolled = enrolled.where(Enrolment.program_id.in_(program_ids))
        given = given.where(Benefit.program_id.in_(program_ids))
        programs = programs.where(Enrolment.program_id.in_(program_ids))
    limits = select(func.coalesce(func.json_agg(_program_json()), empty)).where(Program.id.in_(programs))
    answer = func.json_build_object(
        "programs", limits.scalar_subquery(),
        "enrolments", enrolled.scalar_subquery(),
        "benefits", given.scalar_subquery(),
    )  # fmt: skip
    return str(await session.scalar(select(cast(answer, TEXT))))


async def active_admissions_of(session: AsyncSession, person_ids: list[uuid.UUID]) -> str:
    """The active stays of these registry ids, as a JSON list (each as in the export)."""
    query = select(func.coalesce(func.json_agg(_admission_json()), literal_column("'[]'::json"))).where(
        Admission.person_id.in_(person_ids), Admission.status == "active"
    )
    return str(await session.scalar(select(cast(query.scalar_subquery(), TEXT))))


def _wrse_aid_json() -> Any:
    """A WRSE aid as the keys of its `wrse_aid.recorded` payload."""
    w = WrseAid
    return func.json_build_object(
        "aid_id", w.id,
        "person_id", w.person_id,
        "assessment_id", w.assessment_id,
        "program_id", w.program_id,
        "region_code", w.region_code,
        "kind", w.kind,
        "amount", cast(func.trim_scale(w.amount), TEXT),
        "given_on", w.given_on,
    )  # fmt: skip


def wrse_aids(region: str | None, *, exact: bool, shard: int = 0, shards: int = 1) -> Select[str]:
    """Every WRSE aid of the partition (by the aid's region)."""
    return select(cast(_wrse_aid_json(), TEXT)).where(
        in_partition(WrseAid.region_code, region, exact=exact), in_shard(WrseAid.id, shard, shards)
    )


async def social_aid_of(session: AsyncSession, person_ids: list[uuid.UUID]) -> str:
    """JSON text {assessments, benefits, wrse_aids} of these registry ids."""
    a = PpksAssessmentView
    assessment = func.json_build_object(
        "assessment_id", a.assessment_id,
        "person_id", a.person_id,
        "ppks_type", a.ppks_type,
        "status", a.status,
        "assessed_on", a.assessed_on,
        "resolved_on", a.resolved_on,
    )  # fmt: skip
    empty: Any = literal_column("'[]'::json")
    answer = func.json_build_object(
        "assessments",
        select(func.coalesce(func.json_agg(assessment), empty))
        .where(a.person_id.in_(person_ids))
        .scalar_subquery(),
        "benefits",
        select(func.coalesce(func.json_agg(_benefit_json()), empty))
        .where(_benefits_of(person_ids))
        .scalar_subquery(),
        "wrse_aids",
        select(func.coalesce(func.json_agg(_wrse_aid_json()), empty))
        .where(WrseAid.person_id.in_(person_ids))
        .scalar_subquery(),
    )
    return str(await session.scalar(select(cast(answer, TEXT))))
