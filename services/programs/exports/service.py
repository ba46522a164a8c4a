"""Records of this service streamed for the worker's full reconciliation (service-only)."""

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.programs.exports import repository
from services.programs.exports.schemas import (
    AdmissionsOfPeopleQuery,
    EnrolmentsOfPeopleQuery,
    SocialAidOfPeopleQuery,
)
from shared import ndjson
from shared.auth import Principal


def check(principal: Principal) -> None:
    principal.require_exactly("service")


def admissions(
    sessionmaker: async_sessionmaker[AsyncSession],
    region: str | None,
    *,
    exact: bool,
    shard: int,
    shards: int,
) -> AsyncIterator[str]:
    ndjson.check_shard(shard, shards)
    return ndjson.stream(sessionmaker, repository.admissions(region, exact=exact, shard=shard, shards=shards))


def enrolments(
    sessionmaker: async_sessionmaker[AsyncSession],
    region: str | None,
    *,
    exact: bool,
    shard: int,
    shards: int,
) -> AsyncIterator[str]:
    ndjson.check_shard(shard, shards)
    return ndjson.stream(sessionmaker, repository.enrolments(region, exact=exact, shard=shard, shards=shards))


async def enrolments_of_people(
    session: AsyncSession, principal: Principal, asked: EnrolmentsOfPeopleQuery
) -> str:
    """JSON text: {programs, enrolments, benefits} of these people."""
    check(principal)
    return await repository.enrolments_of_people(session, asked.person_ids, asked.program_ids)


async def active_admissions_of(
    session: AsyncSession, principal: Principal, asked: AdmissionsOfPeopleQuery
) -> str:
    """JSON text: the active admissions of these people."""
    check(principal)
    return await repository.active_admissions_of(session, asked.person_ids)


def wrse_aids(
    sessionmaker: async_sessionmaker[AsyncSession],
    region: str | None,
    *,
    exact: bool,
    shard: int,
    shards: int,
) -> AsyncIterator[str]:
    ndjson.check_shard(shard, shards)
    return ndjson.stream(sessionmaker, repository.wrse_aids(region, exact=exact, shard=shard, shards=shards))


async def social_aid_of(session: AsyncSession, principal: Principal, asked: SocialAidOfPeopleQuery) -> str:
    """JSON text: {assessments, benefits, wrse_aids} of these people."""
    check(principal)
    return await repository.social_aid_of(session, asked.person_ids)
