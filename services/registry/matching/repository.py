"""Queries for matching: candidate retrieval for the online match (one set-based statement for up to
a thousand records), people of a region for scans and estimation, stored parameters."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Date,
    Integer,
    String,
    any_,
    func,
    literal,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.duplicates.models import PersonAlias
from services.registry.matching.models import MatchingModel
from services.registry.people.models import Person
from shared.auth import Principal

# Rows each retrieval rule may contribute per record: together they bound the work per record.
LIMITS = {"nik_near": 20, "birth_date": 30, "kk": 20, "village": 10, "name": 20}
# pg_trgm similarity for the name-only rule (records with nothing else to go by).
NAME_SIMILARITY = 0.6
# What scans and estimation read of a person.
COLUMNS = (
    Person.id,
    Person.id_dtks,
    Person.nik,
    Person.kk_number,
    Person.name_normalized,
    Person.birth_date,
    Person.sex,
    Person.region_code,
    Person.address,
)


@dataclass(frozen=True)
class Query:
    """One record's retrieval keys."""

    index: int
    nik: str | None
    name: str | None  # normalised
    dates: tuple[date | None, date | None, date | None]  # as given, day/month swapped, from the NIK
    kk: str | None
    village: str | None  # a village code to look for namesakes in
    prefix: str | None  # a region prefix for the name-only rule
    by_name: bool  # nothing but a name to go by: use the trigram index


async def latest_model(session: AsyncSession) -> MatchingModel | None:
    return await session.scalar(select(MatchingModel).order_by(MatchingModel.created_at.desc()).limit(1))


def add_model(session: AsyncSession, row: MatchingModel) -> None:
    session.add(row)


def _in_region(column: Any, prefix: Any) -> Any:
    if isinstance(prefix, str):
        return or_(column == prefix, column.startswith(prefix + ".", autoescape=True))
    # A column of region codes (digits and dots: nothing LIKE would read as a wildcard).
    return or_(column == prefix, column.startswith(prefix + "."))


async def candidate_ids(
    session: AsyncSession, principal: Principal, queries: Sequence[Query]
) -> dict[int, list[uuid.UUID]]:
    """For each record, the people worth comparing it with, in the caller's scope: by NIK (exact, an
    alias, or the first 12 digits: a typo in the serial), by birth date (as given, swapped, or as the
    NIK says) ranked by name, by KK, by name in the same village, and, for a record with only a
    name, by trigram similarity. One statement: the records as arrays, unnested, each joined
    LATERAL to a union of LIMITed index lookups."""
    if not queries:
        return {}
    if any(q.by_name for q in queries):
        await session.execute(text(f"SET LOCAL pg_trgm.similarity_threshold = {NAME_SIMILARITY}"))

    def array(kind: Any, values: list[Any]) -> Any:
        return literal(values, ARRAY(kind))

    near = [x.nik[:12] if x.nik and len(x.nik) == 16 else None for x in queries]
    q = (
        func.unnest(
            array(Integer, [x.index for x in queries]),
            array(String, [x.nik for x in queries]),
            array(String, near),
            array(String, [_next_prefix(n) if n else None for n in near]),
            array(String, [x.name or "" for x in queries]),
            array(Date, [x.dates[0] for x in queries]),
            array(Date, [x.dates[1] for x in queries]),
            array(Date, [x.dates[2] for x in queries]),
            array(String, [x.kk for x in queries]),
            array(String, [x.village for x in queries]),
            array(String, [x.prefix for x in queries]),
            array(Boolean, [x.by_name for x in queries]),
        )
        .table_valued(
            "i", "nik", "nik_lo", "nik_hi", "name", "d1", "d2", "d3", "kk", "village", "prefix", "by_name"
        )
        .render_derived(name="q", with_types=False)
    )
    scope = principal.region_filter(Person.region_code)
    live = Person.status != "merged"
    similarity = func.similarity(Person.name_normalized, q.c.name)
    branches = [
        select(Person.id.label("id")).where(q.c.nik.is_not(None), Person.nik == q.c.nik, scope, live),
        select(PersonAlias.person_id.label("id"))
        .join(Person, Person.id == PersonAlias.person_id)
        .where(q.c.nik.is_not(None), PersonAlias.kind == "nik", PersonAlias.value == q.c.nik, scope, live),
        select(Person.id.label("id"))
        .where(q.c.nik_lo.is_not(None), Person.nik >= q.c.nik_lo, Person.nik < q.c.nik_hi, scope, live)
        .limit(LIMITS["nik_near"]),
        select(Person.id.label("id"))
        .where(Person.birth_date.in_([q.c.d1, q.c.d2, q.c.d3]), scope, live)
        .order_by(similarity.desc())
        .limit(LIMITS["birth_date"]),
        select(Person.id.label("id"))
        .where(q.c.kk.is_not(None), Person.kk_number == q.c.kk, scope, live)
        .limit(LIMITS["kk"]),
        select(Person.id.label("id"))
        .where(q.c.village.is_not(None), Person.region_code == q.c.village, scope, live)
        .order_by(similarity.desc())
        .limit(LIMITS["village"]),
        select(Person.id.label("id"))
        .where(
            q.c.by_name,
            Person.name_normalized.op("%")(q.c.name),
            or_(q.c.prefix.is_(None), _in_region(Person.region_code, q.c.prefix)),
            scope,
            live,
        )
        .order_by(similarity.desc())
        .limit(LIMITS["name"]),
    ]
    found = union(*(b.correlate(q) for b in branches)).subquery().lateral("c")
    rows = await session.execute(select(q.c.i, found.c.id).select_from(q).join(found, literal(True)))
    out: dict[int, list[uuid.UUID]] = defaultdict(list)
    for index, person_id in rows:
        out[index].append(person_id)
    return out


def _next_prefix(prefix: str) -> str:
    """The smallest string after every string starting with `prefix` (digits only)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def people(session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]) -> list[Person]:
    if not ids:
        return []
    # One array parameter, not one per id: a thousand records may bring tens of thousands of candidates.
    query = select(Person).where(
        Person.id == any_(literal(list(ids), ARRAY(PG_UUID(as_uuid=True)))),
        principal.region_filter(Person.region_code),
    )
    return list((await session.scalars(query)).all())


async def region_sizes(
    session: AsyncSession, principal: Principal, prefix: str | None, width: int
) -> list[tuple[str, int]]:
    """(region code cut to `width` characters, people) in the caller's scope, under `prefix`."""
    code = func.left(Person.region_code, width)
    query = select(code.label("code"), func.count().label("people")).where(
        Person.status != "merged", principal.region_filter(Person.region_code)
    )
    if prefix:
        query = query.where(_in_region(Person.region_code, prefix))
    rows = await session.execute(query.group_by(code).order_by(code))
    return [(str(c), int(n)) for c, n in rows]


async def region_people(session: AsyncSession, prefix: str) -> list[Any]:
    """Everyone (not merged) registered in a region, for a scan's partition or an estimate."""
    query = select(*COLUMNS).where(Person.status != "merged", _in_region(Person.region_code, prefix))
    return list((await session.execute(query.order_by(Person.id))).all())


async def sharing_identifiers(
    session: AsyncSession, prefix: str, niks: list[str], kks: list[str]
) -> list[Any]:
    """People outside a region who share a NIK or KK number with someone inside it: duplicates across
    partitions, and the NIK typed on two people in different regencies."""
    if not niks and not kks:
        return []
    query = select(*COLUMNS).where(
        Person.status != "merged",
        or_(
            Person.nik == any_(literal(niks, ARRAY(String))),
            Person.kk_number == any_(literal(kks, ARRAY(String))),
        ),
        ~_in_region(Person.region_code, prefix),
    )
    return list((await session.execute(query)).all())


async def person_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Any]:
    query = select(*COLUMNS).where(Person.id.in_(list(ids)))
    return list((await session.execute(query)).all())
