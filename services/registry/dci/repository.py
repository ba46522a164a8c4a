"""Queries for DCI searches. Every query starts from the caller's scope (`readable_by`), so a search
never returns, and a count never includes, a person or household outside the caller's regions."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.dci.query import AllOf, AnyOf, Compare, Condition, Not
from services.registry.households import repository as households
from services.registry.households.models import Household, HouseholdMember
from services.registry.people import repository as people
from services.registry.people.models import Person
from shared.auth import Principal

HEAD = "1"  # hubungan_keluarga 1: kepala keluarga


def _within(column: Any, code: str) -> ColumnElement[bool]:
    """The region itself or anything inside it (63.71 holds 63.71.01.1001)."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    match op:
        case "eq":
            return column == value
        case "ne":
            return column != value
        case "lt":
            return column < value
        case "le":
            return column <= value
        case "gt":
            return column > value
        case "ge":
            return column >= value
        case "in":
            return column.in_(value)
    raise ValueError(f"unknown operator {op}")


def _region(column: Any, c: Compare) -> ColumnElement[bool]:
    # The planner turns `ne` and `in` on regions into Not/AnyOf of `eq`.
    return _within(column, c.value)


def _current_membership(household_id: Any) -> ColumnElement[bool]:
    return and_(HouseholdMember.household_id == household_id, HouseholdMember.left_on.is_(None))


def group_size() -> Any:
    """Current members of the household in the enclosing query."""
    return (
        select(func.count(HouseholdMember.id))
        .where(_current_membership(Household.id))
        .correlate(Household)
        .scalar_subquery()
    )


def _tree(condition: Condition, leaf: Any) -> ColumnElement[bool]:
    match condition:
        case AllOf(terms):
            return and_(*[_tree(t, leaf) for t in terms])
        case AnyOf(terms):
            return or_(*[_tree(t, leaf) for t in terms])
        case Not(term):
            return not_(_tree(term, leaf))
        case Compare():
            return leaf(condition)
    raise ValueError(f"unknown condition {condition!r}")


def _person_leaf(c: Compare) -> ColumnElement[bool]:
    columns = {
        "nik": Person.nik,
        "kk": Person.kk_number,
        "person_id": Person.id,
        "birth_date": Person.birth_date,
        "sex": Person.sex,
        "welfare_decile": Person.welfare_decile,
    }
    if c.field == "region":
        return _region(Person.region_code, c)
    if c.field == "household_id":
        return exists().where(
            HouseholdMember.person_id == Person.id,
            HouseholdMember.left_on.is_(None),
            _compare(HouseholdMember.household_id, c.op, c.value),
        )
    return _compare(columns[c.field], c.op, c.value)


def _household_leaf(principal: Principal) -> Any:
    def leaf(c: Compare) -> ColumnElement[bool]:
        if c.field == "kk":
            return _compare(Household.kk_number, c.op, c.value)
        if c.field == "household_id":
            return _compare(Household.id, c.op, c.value)
        if c.field == "region":
            return _region(Household.region_code, c)
        if c.field == "group_size":
            return _compare(group_size(), c.op, c.value)
        # A household "has" a NIK or person id through a current member the caller may read.
        column = Person.nik if c.field == "nik" else Person.id
        return exists().where(
            _current_membership(Household.id),
            Person.id == HouseholdMember.person_id,
            Person.status != "merged",
            principal.region_filter(Person.region_code),
            _compare(column, c.op, c.value),
        )

    return leaf


def _people(principal: Principal, condition: Condition) -> Select[Person]:
    # Merged records point to the person they were merged into; they are not a person of their own.
    return (
        people.readable_by(principal).where(Person.status != "merged").where(_tree(condition, _person_leaf))
    )


def _households(principal: Principal, condition: Condition) -> Select[Household]:
    return households.readable_by(principal).where(_tree(condition, _household_leaf(principal)))


PERSON_SORT = {
    "birth_date": Person.birth_date,
    "name": Person.name_normalized,
    "region": Person.region_code,
    "welfare_decile": Person.welfare_decile,
    "created_at": Person.created_at,
    "updated_at": Person.updated_at,
}
HOUSEHOLD_SORT = {
    "region": Household.region_code,
    "created_at": Household.created_at,
    "updated_at": Household.updated_at,
}


def _order(sort: Sequence[tuple[str, bool]], columns: dict[str, Any], fallback: Any, key: Any) -> list[Any]:
    order = []
    for name, descending in sort:
        column = group_size() if name == "group_size" else columns[name]
        order.append(column.desc().nulls_last() if descending else column.asc().nulls_last())
    # Registration order, then the id: the same request always pages the same way.
    return [*order, fallback, key]


async def count(session: AsyncSession, query: Select[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


async def search_people(
    session: AsyncSession,
    principal: Principal,
    condition: Condition,
    *,
    sort: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Person]]:
    query = _people(principal, condition)
    total = await count(session, query)
    if total <= offset:
        return total, []
    order = _order(sort, PERSON_SORT, Person.created_at, Person.id)
    rows = (await session.scalars(query.order_by(*order).offset(offset).limit(limit))).all()
    return total, rows


async def search_households(
    session: AsyncSession,
    principal: Principal,
    condition: Condition,
    *,
    sort: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Household]]:
    query = _households(principal, condition)
    total = await count(session, query)
    if total <= offset:
        return total, []
    order = _order(sort, HOUSEHOLD_SORT, Household.created_at, Household.id)
    rows = (await session.scalars(query.order_by(*order).offset(offset).limit(limit))).all()
    return total, rows


async def memberships(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[HouseholdMember, uuid.UUID | None]]:
    """Each person's current membership and the head of that household."""
    if not person_ids:
        return {}
    rows = (
        await session.scalars(
            select(HouseholdMember).where(
                HouseholdMember.person_id.in_(person_ids), HouseholdMember.left_on.is_(None)
            )
        )
    ).all()
    household_ids = {m.household_id for m in rows}
    heads: dict[uuid.UUID, uuid.UUID] = {}
    if household_ids:
        found = await session.execute(
            select(HouseholdMember.household_id, HouseholdMember.person_id).where(
                HouseholdMember.household_id.in_(household_ids),
                HouseholdMember.relationship == HEAD,
                HouseholdMember.left_on.is_(None),
            )
        )
        heads = {household: head for household, head in found}
    return {m.person_id: (m, heads.get(m.household_id)) for m in rows}


async def members(
    session: AsyncSession, principal: Principal, household_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[HouseholdMember, Person]]]:
    """The current members of each household that the caller may read, head first."""
    result: dict[uuid.UUID, list[tuple[HouseholdMember, Person]]] = {h: [] for h in household_ids}
    if not household_ids:
        return result
    rows = await session.execute(
        select(HouseholdMember, Person)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(
            HouseholdMember.household_id.in_(household_ids),
            HouseholdMember.left_on.is_(None),
            Person.status != "merged",
            principal.region_filter(Person.region_code),
        )
        .order_by(HouseholdMember.relationship, HouseholdMember.joined_on, Person.id)
    )
    for member, person in rows:
        result[member.household_id].append((member, person))
    return result


async def sizes(session: AsyncSession, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not household_ids:
        return {}
    rows = await session.execute(
        select(HouseholdMember.household_id, func.count(HouseholdMember.id))
        .where(HouseholdMember.household_id.in_(household_ids), HouseholdMember.left_on.is_(None))
        .group_by(HouseholdMember.household_id)
    )
    return {household: n for household, n in rows}
