"""A DCI search request turned into a plan: which entity, which rows (one neutral condition tree,
whichever of the three query forms was sent), which order, which page.

What can be searched is the table below (and docs/dci.md); anything else rejects that one search
request with a reason a person can act on. Ages and years of birth become birth-date ranges here, so
the repository only ever compares columns.
"""

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from services.registry.dci.exceptions import SearchRejected, criteria_invalid
from services.registry.dci.schemas import (
    DEFAULT_PAGE_SIZE,
    Entity,
    ExpressionQuery,
    IdTypeValueQuery,
    Predicate,
    SearchCriteria,
    SearchRequestItem,
    SearchStatusReasonCode,
)
from services.registry.people.service import age_band

REG_TYPE = "ns:org:RegistryType:Social"

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in"]


@dataclass(frozen=True)
class Compare:
    """`field` is one of: nik, kk, person_id, household_id, birth_date, sex, region, welfare_decile,
    group_size. `region` compares as "this code or inside it"; `in` takes a tuple."""

    field: str
    op: Op
    value: Any


@dataclass(frozen=True)
class AllOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    term: "Condition"


Condition = Compare | AllOf | AnyOf | Not


@dataclass(frozen=True)
class SearchPlan:
    entity: Entity
    reg_type: str
    condition: Condition
    sort: tuple[tuple[str, bool], ...]  # (sort key, descending)
    page_size: int
    page_number: int


# ------------------------------------------------------------------------------ searchable attributes

ID_OPS: frozenset[str] = frozenset({"eq", "in"})
MATCH_OPS: frozenset[str] = frozenset({"eq", "ne", "in"})
ORDER_OPS: frozenset[str] = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in"})

# Attribute names as callers write them (case-insensitive) → our field.
NAMES = {
    "uin": "nik",
    "nin": "nik",
    "nik": "nik",
    "household_id": "kk",
    "kk": "kk",
    "kessos_person_id": "person_id",
    "kessos_household_id": "household_id",
    "birthdate": "birth_date",
    "birth_date": "birth_date",
    "dob": "birth_date",
    "yob": "yob",
    "age": "age",
    "sex": "sex",
    "gender": "sex",
    "region_code": "region",
    "sub_region_code": "region",
    "location": "region",
    "welfare_decile": "welfare_decile",
    "group_size": "group_size",
}
IDENTIFIER_FIELDS = frozenset({"nik", "kk", "person_id", "household_id"})
FIELDS: dict[str, frozenset[str]] = {
    "Member": frozenset(
        {
            "nik",
            "kk",
            "person_id",
            "household_id",
            "birth_date",
            "yob",
            "age",
            "sex",
            "region",
            "welfare_decile",
        }
    ),
    "Group": frozenset({"nik", "kk", "person_id", "household_id", "region", "group_size"}),
}
SEARCHABLE = {
    "Member": "UIN/NIN/NIK, HOUSEHOLD_ID/KK, KESSOS_PERSON_ID, KESSOS_HOUSEHOLD_ID, birthdate (DOB), YOB, "
    "age, sex (gender), region_code (sub_region_code, location), welfare_decile",
    "Group": "HOUSEHOLD_ID/KK, KESSOS_HOUSEHOLD_ID, UIN/NIN/NIK and KESSOS_PERSON_ID (of a current member), "
    "region_code (sub_region_code, location), group_size",
}
IDENTIFIER_TYPES = (
    "UIN, NIN or NIK (the NIK), HOUSEHOLD_ID or KK (the KK number), KESSOS_PERSON_ID, KESSOS_HOUSEHOLD_ID"
)
OPS: dict[str, frozenset[str]] = {
    "nik": ID_OPS,
    "kk": ID_OPS,
    "person_id": ID_OPS,
    "household_id": ID_OPS,
    "birth_date": ORDER_OPS,
    "yob": ORDER_OPS,
    "age": ORDER_OPS,
    "sex": MATCH_OPS,
    "region": MATCH_OPS,
    "welfare_decile": ORDER_OPS,
    "group_size": ORDER_OPS,
}
SORT_KEYS: dict[str, dict[str, str]] = {
    "Member": {
        "birthdate": "birth_date",
        "birth_date": "birth_date",
        "dob": "birth_date",
        "name": "name",
        "region_code": "region",
        "welfare_decile": "welfare_decile",
        "registration_date": "created_at",
        "last_updated": "updated_at",
    },
    "Group": {
        "region_code": "region",
        "group_size": "group_size",
        "registration_date": "created_at",
        "last_updated": "updated_at",
    },
}

MAX_COMPARISONS = 50
MAX_DEPTH = 8
MAX_PREDICATES = 20
MAX_IN_VALUES = 100
_DIGITS16 = re.compile(r"[0-9]{16}")
_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?")
_SEXES = {"m": "M", "male": "M", "l": "M", "f": "F", "female": "F", "p": "F"}


def _last_segment(value: str) -> str:
    """`ns:org:QueryType:expression` → `expression`."""
    return value.rsplit(":", 1)[-1].strip()


# ---------------------------------------------------------------------------------------- values


def _text(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError("must be a string")
    return str(raw).strip()


def _digits16(what: str) -> Callable[[object], str]:
    def parse(raw: object) -> str:
        value = _text(raw)
        if not _DIGITS16.fullmatch(value):
            raise ValueError(f"{what} is exactly 16 digits")
        return value

    return parse


def _uuid(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(_text(raw))
    except ValueError:
        raise ValueError("must be a UUID") from None


def _int(low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        if isinstance(raw, bool):
            raise ValueError("must be a whole number")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and re.fullmatch(r"\s*-?[0-9]+\s*", raw):
            raw = int(raw)
        if not isinstance(raw, int):
            raise ValueError("must be a whole number")
        if not low <= raw <= high:
            raise ValueError(f"must be between {low} and {high}")
        return raw

    return parse


def _date(raw: object) -> date:
    if not isinstance(raw, str):
        raise ValueError("must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        raise ValueError("must be a date, YYYY-MM-DD") from None


def _sex(raw: object) -> str:
    value = _SEXES.get(_text(raw).lower()) if isinstance(raw, str) else None
    if value is None:
        raise ValueError("must be male or female (M/F)")
    return value


def _region(raw: object) -> str:
    value = _text(raw)
    if not _REGION.fullmatch(value):
        raise ValueError("must be a Kemendagri region code with dots, e.g. 63.71 or 63.71.01.1001")
    return value


PARSERS: dict[str, Callable[[object], Any]] = {
    "nik": _digits16("a NIK"),
    "kk": _digits16("a KK number"),
    "person_id": _uuid,
    "household_id": _uuid,
    "birth_date": _date,
    "yob": _int(1800, 2200),
    "age": _int(0, 150),
    "sex": _sex,
    "region": _region,
    "welfare_decile": _int(0, 100),
    "group_size": _int(0, 1000),
}


# ------------------------------------------------------------------------------------ comparisons


class _Budget:
    """Bounds the work one search request may ask for."""

    def __init__(self) -> None:
        self.left = MAX_COMPARISONS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise criteria_invalid(f"a query may hold at most {MAX_COMPARISONS} comparisons")


def _field(entity: Entity, name: str) -> str:
    field = NAMES.get(name.strip().lower()) if isinstance(name, str) else None
    if field is None or field not in FIELDS[entity]:
        raise criteria_invalid(f"attribute {name!r} is not searchable for {entity}; use {SEARCHABLE[entity]}")
    return field


def _values(raw: object) -> list[object]:
    values = [v.strip() for v in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values:
        raise ValueError("`in` takes a non-empty list (or a comma-separated string)")
    if len(values) > MAX_IN_VALUES:
        raise ValueError(f"`in` takes at most {MAX_IN_VALUES} values")
    return values


def _birth_years(op: Op, year: int) -> Condition:
    first, last = date(year, 1, 1), date(year, 12, 31)
    bounds: dict[str, Condition] = {
        "lt": Compare("birth_date", "lt", first),
        "le": Compare("birth_date", "le", last),
        "gt": Compare("birth_date", "gt", last),
        "ge": Compare("birth_date", "ge", first),
    }
    if op == "eq":
        return AllOf((bounds["ge"], bounds["le"]))
    return bounds[op]


def _ages(op: Op, age: int, today: date) -> Condition:
    low, high = {
        "eq": (age, age),
        "ge": (age, None),
        "gt": (age + 1, None),
        "le": (None, age),
        "lt": (None, age - 1),
    }[op]
    if high is not None and high < 0:
        return Compare("birth_date", "gt", today)  # younger than 0: nobody
    born_after, born_before = age_band(low, high, today)
    terms = [Compare("birth_date", "ge", born_after)] if born_after else []
    terms += [Compare("birth_date", "le", born_before)] if born_before else []
    return terms[0] if len(terms) == 1 else AllOf(tuple(terms))


def _one(field: str, op: Op, value: Any, today: date) -> Condition:
    if field == "yob":
        return _birth_years(op, value)
    if field == "age":
        return _ages(op, value, today)
    return Compare(field, op, value)


def compare(entity: Entity, name: str, op: Op, raw: object, today: date, budget: _Budget) -> Condition:
    budget.spend()
    field = _field(entity, name)
    if op not in OPS[field]:
        raise criteria_invalid(
            f"operator {op!r} does not apply to {name!r}; use {', '.join(sorted(OPS[field]))}"
        )
    parse = PARSERS[field]
    derived = field in {"yob", "age", "region"}  # compared through several columns or a prefix
    try:
        if op == "in":
            values = [parse(v) for v in _values(raw)]
            if derived:
                return AnyOf(tuple(_one(field, "eq", v, today) for v in values))
            return Compare(field, "in", tuple(values))
        value = parse(raw)
    except ValueError as exc:
        raise criteria_invalid(f"{name}: {exc}") from None
    if op == "ne" and derived:
        return Not(_one(field, "eq", value, today))
    return _one(field, op, value, today)


def _all(terms: Iterable[Condition]) -> Condition:
    items = tuple(terms)
    return items[0] if len(items) == 1 else AllOf(items)


# ------------------------------------------------------------------------------------ query forms

_MONGO_OPS: dict[str, Op | Literal["nin"]] = {
    "$eq": "eq",
    "$ne": "ne",
    "$lt": "lt",
    "$lte": "le",
    "$gt": "gt",
    "$gte": "ge",
    "$in": "in",
    "$nin": "nin",
}
_EXPRESSION_TYPES = {"expression", "nosql"}


def _mongo(node: object, entity: Entity, today: date, budget: _Budget, depth: int = 0) -> Condition:
    """The MongoDB-style filter of the spec's own expression example."""
    if depth > MAX_DEPTH:
        raise criteria_invalid(f"an expression may nest at most {MAX_DEPTH} levels")
    if not isinstance(node, dict) or not node:
        raise criteria_invalid("each filter in an expression is a non-empty object")
    terms: list[Condition] = []
    for key, value in node.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(value, list) or not value:
                raise criteria_invalid(f"{key} takes a non-empty list of filters")
            parts = tuple(_mongo(v, entity, today, budget, depth + 1) for v in value)
            terms.append(
                AllOf(parts) if key == "$and" else AnyOf(parts) if key == "$or" else Not(AnyOf(parts))
            )
        elif key.startswith("$"):
            raise criteria_invalid(f"{key} is not supported; use $and, $or or $nor")
        elif isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
            for op_key, operand in value.items():
                op = _MONGO_OPS.get(op_key)
                if op is None:
                    raise criteria_invalid(f"{op_key} is not supported; use {', '.join(_MONGO_OPS)}")
                if op == "nin":
                    terms.append(Not(compare(entity, key, "in", operand, today, budget)))
                else:
                    terms.append(compare(entity, key, op, operand, today, budget))
        else:
            terms.append(compare(entity, key, "eq", value, today, budget))
    return _all(terms)


def _predicates(items: list[Predicate], entity: Entity, today: date, budget: _Budget) -> Condition:
    """Each item is `expression1 <condition> expression2`; the items hold together (AND), in seq_num
    order."""
    if not items:
        raise criteria_invalid("a predicate query is a non-empty list")
    if len(items) > MAX_PREDICATES:
        raise criteria_invalid(f"a predicate query holds at most {MAX_PREDICATES} items")
    ordered = sorted(enumerate(items), key=lambda p: (p[1].seq_num is None, p[1].seq_num or 0, p[0]))
    terms: list[Condition] = []
    for _, item in ordered:
        e1 = item.expression1
        first = compare(entity, e1.attribute_name, e1.operator, e1.attribute_value, today, budget)
        if item.expression2 is None:
            terms.append(Not(first) if item.condition == "not" else first)
            continue
        e2 = item.expression2
        second = compare(entity, e2.attribute_name, e2.operator, e2.attribute_value, today, budget)
        if item.condition == "or":
            terms.append(AnyOf((first, second)))
        elif item.condition == "not":
            terms.append(AllOf((first, Not(second))))
        else:
            terms.append(AllOf((first, second)))
    return _all(terms)


# --------------------------------------------------------------------------------------- the plan

_ENTITY_WORDS: dict[str, Entity] = {
    "group": "Group",
    "household": "Group",
    "family": "Group",
    "member": "Member",
    "person": "Member",
    "srperson": "Member",
}


def _entity_of(value: str | None, what: str) -> Entity | None:
    if value is None:
        return None
    entity = _ENTITY_WORDS.get(_last_segment(value).lower())
    if entity is None:
        raise criteria_invalid(f"{what} {value!r} is not served here; use Group or Member")
    return entity


def _resolve_entity(criteria: SearchCriteria, default: Entity, collection: str | None = None) -> Entity:
    named = {
        e
        for e in (
            _entity_of(criteria.response_entity, "response_entity"),
            _entity_of(criteria.reg_record_type, "reg_record_type"),
            _entity_of(collection, "expression collection"),
        )
        if e is not None
    }
    if len(named) > 1:
        raise criteria_invalid("response_entity, reg_record_type and the expression collection disagree")
    return named.pop() if named else default


def _validate(adapter: TypeAdapter[Any], raw: object, prefix: str) -> Any:
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        raise criteria_invalid(_describe(exc, prefix)) from None


def _describe(exc: ValidationError, prefix: str) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in (prefix, *error["loc"]) if p != "")
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


_ID_QUERY = TypeAdapter(IdTypeValueQuery)
_EXPRESSION_QUERY = TypeAdapter(ExpressionQuery)
_PREDICATE_QUERY = TypeAdapter(list[Predicate])


_CRITERIA_CODES: dict[str, SearchStatusReasonCode] = {
    "sort": "rjct.sort.invalid",
    "pagination": "rjct.pagination.invalid",
}


def _criteria(raw: object) -> SearchCriteria:
    if raw is None:
        raise criteria_invalid("search_criteria is required")
    try:
        return SearchCriteria.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]["loc"]
        code = _CRITERIA_CODES.get(str(first[0]) if first else "", "rjct.search_criteria.invalid")
        raise SearchRejected(code, _describe(exc, "search_criteria")) from None


def _condition(criteria: SearchCriteria, today: date) -> tuple[Entity, Condition]:
    budget = _Budget()
    if criteria.query_type == "idtype-value":
        query: IdTypeValueQuery = _validate(_ID_QUERY, criteria.query, "search_criteria.query")
        field = NAMES.get(_last_segment(query.type).lower())
        if field not in IDENTIFIER_FIELDS:
            raise criteria_invalid(
                f"identifier type {query.type!r} is not known here; use {IDENTIFIER_TYPES}"
            )
        entity = _resolve_entity(criteria, "Group" if field in {"kk", "household_id"} else "Member")
        return entity, compare(entity, _last_segment(query.type), "eq", query.value, today, budget)
    if criteria.query_type == "expression":
        expression: ExpressionQuery = _validate(_EXPRESSION_QUERY, criteria.query, "search_criteria.query")
        if expression.type is not None and _last_segment(expression.type).lower() not in _EXPRESSION_TYPES:
            raise criteria_invalid(
                f"query type {expression.type!r} is not supported; send ns:org:QueryType:expression with a "
                "MongoDB-style filter (see docs/dci.md)"
            )
        entity = _resolve_entity(criteria, "Member", expression.value.expression.collection)
        return entity, _mongo(expression.value.expression.query, entity, today, budget)
    predicates: list[Predicate] = _validate(_PREDICATE_QUERY, criteria.query, "search_criteria.query")
    entity = _resolve_entity(criteria, "Member")
    return entity, _predicates(predicates, entity, today, budget)


def _sort(criteria: SearchCriteria, entity: Entity) -> tuple[tuple[str, bool], ...]:
    keys = []
    for item in criteria.sort or []:
        key = SORT_KEYS[entity].get(item.attribute_name.strip().lower())
        if key is None:
            raise SearchRejected(
                "rjct.sort.invalid",
                f"cannot sort {entity} by {item.attribute_name!r}; use {', '.join(SORT_KEYS[entity])}",
            )
        keys.append((key, item.sort_order == "desc"))
    return tuple(keys)


def moment(raw: str | None) -> datetime | None:
    """An ISO 8601 date-time with a zone, as the spec's timestamps are; None when it is not one."""
    try:
        value = datetime.fromisoformat(raw.strip()) if raw else None
    except ValueError:
        return None
    return value if value is not None and value.tzinfo is not None else None


def check_timestamp(raw: str | None) -> datetime:
    value = moment(raw)
    if value is None:
        raise SearchRejected(
            "rjct.timestamp.invalid", "timestamp must be ISO 8601 with a zone, e.g. 2026-11-23T10:30:00+08:00"
        )
    return value


def plan(item: SearchRequestItem, today: date) -> SearchPlan:
    """Raises SearchRejected with the spec's reason code when the request cannot be run."""
    check_timestamp(item.timestamp)
    criteria = _criteria(item.search_criteria)
    if criteria.version.split(".")[0] != "1":
        raise criteria_invalid(f"search_criteria.version {criteria.version!r}: this registry speaks 1.x")
    if criteria.reg_type is not None and "social" not in _last_segment(criteria.reg_type).lower():
        raise criteria_invalid(f"reg_type {criteria.reg_type!r}: this is a social registry ({REG_TYPE})")
    entity, condition = _condition(criteria, today)
    pagination = criteria.pagination
    return SearchPlan(
        entity=entity,
        reg_type=criteria.reg_type or REG_TYPE,
        condition=condition,
        sort=_sort(criteria, entity),
        page_size=pagination.page_size if pagination else DEFAULT_PAGE_SIZE,
        page_number=pagination.page_number if pagination else 1,
    )
