"""Eligibility rules as data, and the one evaluator of them.

Pure Python, no I/O and no imports from the rest of Kessos: the programs service validates and
explains with it, the worker runs it over a million registry people with it, so that the reasons an
officer reads are always the ones the run used.

A rule's condition is a tree of `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` and leaves
`{"attribute": ..., "op": ..., "value": ...}`. A person is the registry's targeting record:

    {"id", "region", "sex", "birth_date" (ISO), "decile", "disability", "household_id",
     "household_size", "relationship", "status", "ppks": [[type, status, assessed_on], ...]}

plus the set of programs they are enrolled in, which the caller supplies.
"""

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

Person = Mapping[str, Any]
Predicate = Callable[[Person, frozenset[str]], bool]

INT_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in")
CODE_OPS = ("eq", "ne", "in")
# attribute -> (kind, allowed ops). Kinds: int, code, bool, region, ppks, programs.
ATTRIBUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "welfare_decile": ("int", INT_OPS),
    "age": ("int", INT_OPS),
    "household_size": ("int", INT_OPS),
    "sex": ("code", CODE_OPS),
    "relationship": ("code", CODE_OPS),
    "disability": ("bool", ("eq",)),
    "region": ("region", ("within",)),
    "ppks": ("ppks", ("has",)),
    "enrolled_in": ("programs", ("any",)),
}
CODES = {"sex": {"M", "F"}, "relationship": {str(n) for n in range(1, 9)}}
PPKS_CODES = {f"{n:02d}" for n in range(1, 27)}
PPKS_STATUSES = {"active", "resolved_independent", "resolved_other"}
# Age, birth date, disability and PPKS (health, children) are specific personal data (UU 27/2022).
SENSITIVE = frozenset({"age", "disability", "ppks"})
# Registry disability statuses that mean "none" (the feed's free text, lower-cased).
NO_DISABILITY = frozenset({"", "0", "tidak", "tidak ada", "bukan", "none", "no", "normal"})
REGION = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")

# Ranking keys, in the order an officer lists them; every list ends with the person id so that the
# same people always come out in the same order.
PRIORITY_KEYS = ("welfare_decile", "oldest_assessment", "age_desc", "age_asc", "household_size_desc")
QUOTA_LEVELS = {"regency": 5, "district": 8, "village": 13}
OLDEST = 150
AGE_GROUPS = ((0, 5, "0-5"), (6, 17, "6-17"), (18, 59, "18-59"), (60, 200, "60+"))


class RuleError(ValueError):
    """A rule part that cannot be evaluated; `path` names it (e.g. `condition.all.2.value`)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# ---- validation -----------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_condition(node: Any, path: str = "condition") -> None:
    """Raise RuleError naming the first part of the tree that is not a valid condition."""
    if not isinstance(node, dict):
        raise RuleError(path, "a condition is an object: all, any, not, or attribute/op/value")
    combinators = [k for k in ("all", "any", "not") if k in node]
    if combinators:
        if len(node) != 1:
            raise RuleError(path, f"`{combinators[0]}` stands alone in its object")
        key = combinators[0]
        if key == "not":
            validate_condition(node["not"], f"{path}.not")
            return
        children = node[key]
        if not isinstance(children, list) or not children:
            raise RuleError(f"{path}.{key}", "a non-empty list of conditions")
        for i, child in enumerate(children):
            validate_condition(child, f"{path}.{key}.{i}")
        return
    extra = set(node) - {"attribute", "op", "value"}
    if extra:
        raise RuleError(f"{path}.{sorted(extra)[0]}", "unknown key")
    attribute = node.get("attribute")
    if attribute not in ATTRIBUTES:
        raise RuleError(
            f"{path}.attribute", f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}"
        )
    kind, ops = ATTRIBUTES[attribute]
    op = node.get("op")
    if op not in ops:
        raise RuleError(f"{path}.op", f"{attribute} takes {', '.join(ops)}, not {op!r}")
    _validate_value(attribute, kind, op, node.get("value"), f"{path}.value")


def _validate_value(attribute: str, kind: str, op: str, value: Any, path: str) -> None:
    if kind == "int":
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)):
                raise RuleError(path, "between takes [low, high], two integers")
            if value[0] > value[1]:
                raise RuleError(path, "low is above high")
        elif op == "in":
            if not (isinstance(value, list) and value and all(_is_int(v) for v in value)):
                raise RuleError(path, "in takes a non-empty list of integers")
        elif not _is_int(value):
            raise RuleError(path, f"{attribute} is compared with an integer")
    elif kind == "code":
        allowed = CODES[attribute]
        values = value if op == "in" else [value]
        if not isinstance(values, list) or not values or any(v not in allowed for v in values):
            want = "a non-empty list of " if op == "in" else "one of "
            raise RuleError(path, f"{want}{', '.join(sorted(allowed))}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise RuleError(path, "true or false")
    elif kind == "region":
        if not (
            isinstance(value, list) and value and all(isinstance(v, str) and REGION.match(v) for v in value)
        ):
            raise RuleError(path, "a non-empty list of region codes (63, 63.71, 63.71.01 ...)")
    elif kind == "ppks":
        if not isinstance(value, dict) or set(value) - {"types", "status"}:
            raise RuleError(path, 'an object {"types": [...], "status": [...]}')
        types = value.get("types")
        if not (isinstance(types, list) and types and all(t in PPKS_CODES for t in types)):
            raise RuleError(f"{path}.types", "a non-empty list of PPKS codes 01…26")
        status = value.get("status", ["active"])
        if not (isinstance(status, list) and status and all(s in PPKS_STATUSES for s in status)):
            raise RuleError(f"{path}.status", f"a non-empty list of {', '.join(sorted(PPKS_STATUSES))}")
    elif kind == "programs":
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise RuleError(path, "a non-empty list of program ids")
        for i, v in enumerate(value):
            try:
                uuid.UUID(v)
            except ValueError:
                raise RuleError(f"{path}.{i}", "not a program id") from None


def validate_priority(priority: Any) -> None:
    if not isinstance(priority, list):
        raise RuleError("priority", "a list of ranking keys")
    for i, key in enumerate(priority):
        if key not in PRIORITY_KEYS:
            raise RuleError(
                f"priority.{i}", f"unknown ranking key {key!r}; known: {', '.join(PRIORITY_KEYS)}"
            )
    if len(set(priority)) != len(priority):
        raise RuleError("priority", "a key is listed twice")


def validate_quota(quota: Any) -> None:
    if quota is None:
        return
    if not isinstance(quota, dict) or set(quota) - {"level", "per_region", "regions"}:
        raise RuleError("quota", 'an object {"level", "per_region", "regions"}')
    if quota.get("level") not in QUOTA_LEVELS:
        raise RuleError("quota.level", f"one of {', '.join(QUOTA_LEVELS)}")
    per_region = quota.get("per_region")
    if per_region is not None and not (_is_int(per_region) and per_region >= 0):
        raise RuleError("quota.per_region", "a whole number, 0 or more")
    regions = quota.get("regions", {})
    if not isinstance(regions, dict):
        raise RuleError("quota.regions", "an object of region code → whole number")
    width = QUOTA_LEVELS[quota["level"]]
    for code, n in regions.items():
        if not REGION.match(code) or len(code) != width:
            raise RuleError(f"quota.regions.{code}", f"a {quota['level']} code")
        if not (_is_int(n) and n >= 0):
            raise RuleError(f"quota.regions.{code}", "a whole number, 0 or more")
    if per_region is None and not regions:
        raise RuleError("quota", "give per_region, regions, or both")


def programs_named(node: Mapping[str, Any]) -> set[str]:
    """The program ids an `enrolled_in` condition asks about (the run fetches only those)."""
    if "all" in node or "any" in node:
        return set().union(*(programs_named(c) for c in node.get("all", node.get("any", []))))
    if "not" in node:
        return programs_named(node["not"])
    return set(node["value"]) if node.get("attribute") == "enrolled_in" else set()


# ---- facts about one person ------------------------------------------------------------------------


def born_by(on: date, years: int) -> str:
    """The latest birth date (ISO) of someone at least `years` old on `on` (29 Feb → 28 Feb)."""
    year = on.year - years
    try:
        return date(year, on.month, on.day).isoformat()
    except ValueError:
        return date(year, on.month, 28).isoformat()


def age_on(birth_date: str | None, on: date) -> int | None:
    if not birth_date:
        return None
    born = date.fromisoformat(birth_date)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_group(birth_date: str | None, on: date) -> str:
    age = age_on(birth_date, on)
    if age is None:
        return "unknown"
    return next(label for low, high, label in AGE_GROUPS if low <= age <= high)


def has_disability(status: str | None) -> bool:
    return status is not None and status.strip().lower() not in NO_DISABILITY


def _actual(attribute: str, person: Person, on: date, enrolled: frozenset[str]) -> Any:
    if attribute == "age":
        return age_on(person.get("birth_date"), on)
    if attribute == "welfare_decile":
        return person.get("decile")
    if attribute == "disability":
        return has_disability(person.get("disability"))
    if attribute == "enrolled_in":
        return sorted(enrolled)
    if attribute == "ppks":
        return person.get("ppks") or []
    return person.get(attribute)


# ---- compilation: a closure per leaf, for the million-row run ----------------------------------------


def _compare(op: str, value: Any) -> Callable[[Any], bool]:
    if op == "eq":
        return lambda x: x is not None and x == value
    if op == "ne":
        return lambda x: x is not None and x != value
    if op == "lt":
        return lambda x: x is not None and x < value
    if op == "lte":
        return lambda x: x is not None and x <= value
    if op == "gt":
        return lambda x: x is not None and x > value
    if op == "gte":
        return lambda x: x is not None and x >= value
    if op == "between":
        low, high = value
        return lambda x: x is not None and low <= x <= high
    if op == "in":
        allowed = frozenset(value)
        return lambda x: x in allowed
    raise RuleError("op", f"unknown op {op!r}")


def _age_predicate(op: str, value: Any, on: date) -> Predicate:
    """Age as birth-date bounds (ISO strings compare as dates): no date arithmetic per person."""

    bounds: list[tuple[int, int]]
    if op == "in":
        bounds = [(v, v) for v in value]
    elif op == "between":
        bounds = [(value[0], value[1])]
    elif op == "eq":
        bounds = [(value, value)]
    elif op in ("gte", "gt"):
        bounds = [(value + (op == "gt"), OLDEST)]
    elif op in ("lte", "lt"):
        bounds = [(0, value - (op == "lt"))]
    else:  # ne
        check = _compare("ne", value)
        return lambda p, e: check(age_on(p.get("birth_date"), on))
    # Age in [low, high] <=> born after born_by(high + 1) and on or before born_by(low).
    ranges = [(born_by(on, high + 1), born_by(on, low)) for low, high in bounds if high >= low]

    def predicate(person: Person, enrolled: frozenset[str]) -> bool:
        born = person.get("birth_date")
        return born is not None and any(after < born <= latest for after, latest in ranges)

    return predicate


def compile_leaf(node: Mapping[str, Any], on: date) -> Predicate:
    attribute, op, value = node["attribute"], node["op"], node["value"]
    if attribute == "age":
        return _age_predicate(op, value, on)
    if attribute == "region":
        prefixes = tuple(value)
        dotted = tuple(p + "." for p in prefixes)
        return lambda p, e: (r := p.get("region") or "") in prefixes or r.startswith(dotted)
    if attribute == "ppks":
        types, statuses = frozenset(value["types"]), frozenset(value.get("status", ["active"]))
        return lambda p, e: any(t in types and s in statuses for t, s, _ in p.get("ppks") or ())
    if attribute == "enrolled_in":
        programs = frozenset(value)
        return lambda p, e: not programs.isdisjoint(e)
    if attribute == "disability":
        return lambda p, e: has_disability(p.get("disability")) is value
    key = "decile" if attribute == "welfare_decile" else attribute
    check = _compare(op, value)
    return lambda p, e: check(p.get(key))


def compile_condition(node: Mapping[str, Any], on: date) -> Predicate:
    if "all" in node:
        parts = [compile_condition(c, on) for c in node["all"]]
        return lambda p, e: all(f(p, e) for f in parts)
    if "any" in node:
        parts = [compile_condition(c, on) for c in node["any"]]
        return lambda p, e: any(f(p, e) for f in parts)
    if "not" in node:
        inner = compile_condition(node["not"], on)
        return lambda p, e: not inner(p, e)
    return compile_leaf(node, on)


# ---- explanation: the same leaves, walked with their outcome -----------------------------------------


@dataclass(frozen=True)
class Reason:
    path: str
    attribute: str
    op: str
    value: Any
    actual: Any
    met: bool
    # True where the reason counts toward the outcome (e.g. every failed part of an `all`).
    decisive: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "attribute": self.attribute,
            "op": self.op,
            "value": self.value,
            "actual": self.actual,
            "met": self.met,
        }


class Explainer:
    """A condition walked with its outcome, its leaves compiled once (a run explains every candidate)."""

    def __init__(self, condition: Mapping[str, Any], on: date):
        self.condition, self.on = condition, on
        self._leaves: dict[str, Predicate] = {}

    def __call__(self, person: Person, enrolled: frozenset[str]) -> tuple[bool, list[Reason]]:
        return self._walk(self.condition, person, enrolled, "condition")

    def _walk(
        self, node: Mapping[str, Any], person: Person, enrolled: frozenset[str], path: str
    ) -> tuple[bool, list[Reason]]:
        if "all" in node or "any" in node:
            key = "all" if "all" in node else "any"
            results = [self._walk(c, person, enrolled, f"{path}.{key}.{i}") for i, c in enumerate(node[key])]
            met = all(r[0] for r in results) if key == "all" else any(r[0] for r in results)
            # The children that agree with the outcome are the ones that decide it.
            return met, [reason for ok, rs in results if ok == met for reason in rs]
        if "not" in node:
            met, reasons = self._walk(node["not"], person, enrolled, f"{path}.not")
            return not met, [
                Reason(r.path, r.attribute, "not " + r.op, r.value, r.actual, not r.met, r.decisive)
                for r in reasons
            ]
        predicate = self._leaves.get(path)
        if predicate is None:
            predicate = self._leaves[path] = compile_leaf(node, self.on)
        met = predicate(person, enrolled)
        actual = _actual(node["attribute"], person, self.on, enrolled)
        if node["attribute"] == "ppks":
            actual = [{"type": t, "status": s, "assessed_on": d} for t, s, d in actual]
        return met, [Reason(path, node["attribute"], node["op"], node["value"], actual, met, True)]


def explain(
    node: Mapping[str, Any], person: Person, enrolled: frozenset[str], on: date
) -> tuple[bool, list[Reason]]:
    """Whether the person meets the condition, and the leaves that decide it: for a person who
    qualifies, the conditions they meet; for one who does not, the conditions they fail."""
    return Explainer(node, on)(person, enrolled)


def compact(reasons: Sequence[Reason]) -> list[list[Any]]:
    """Reasons as stored with a candidate: [path, actual, met]; the rest is the rule's (see expand)."""
    return [[r.path, r.actual, r.met] for r in reasons]


def expand(condition: Mapping[str, Any], stored: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Stored reasons back in full, their attribute, operator and value read from the rule at the path."""
    out = []
    for path, actual, met in stored:
        node: Any = condition
        negations = 0
        parts = path.split(".")[1:]  # after "condition"
        i = 0
        while i < len(parts):
            if parts[i] == "not":
                node, negations, i = node["not"], negations + 1, i + 1
            else:
                node, i = node[parts[i]][int(parts[i + 1])], i + 2
        out.append(
            {
                "path": path,
                "attribute": node["attribute"],
                "op": "not " * negations + node["op"],
                "value": node["value"],
                "actual": actual,
                "met": met,
            }
        )
    return out


# ---- ranking and quotas ------------------------------------------------------------------------------

_LAST = "9999-12-31"


def sort_key(priority: Sequence[str], on: date) -> Callable[[Person], tuple[Any, ...]]:
    """Lowest decile first, oldest assessment first, ...; unknowns last; the person id breaks ties."""

    def key(person: Person) -> tuple[Any, ...]:
        parts: list[Any] = []
        for name in priority:
            if name == "welfare_decile":
                decile = person.get("decile")
                parts.append(decile if decile is not None else 99)
            elif name == "oldest_assessment":
                dates = [d for _, s, d in person.get("ppks") or () if s == "active" and d]
                parts.append(min(dates) if dates else _LAST)
            elif name in ("age_desc", "age_asc"):
                born = person.get("birth_date")
                if born is None:
                    parts.append((1, ""))
                else:  # older first = earlier birth date first
                    parts.append((0, born) if name == "age_desc" else (0, _invert(born)))
            elif name == "household_size_desc":
                parts.append(-(person.get("household_size") or 0))
        parts.append(person["id"])
        return tuple(parts)

    return key


def _invert(iso: str) -> str:
    # Youngest first: a later birth date must sort first, so map each digit d to 9 - d.
    return iso.translate(str.maketrans("0123456789", "9876543210"))


def quota_region(region: str, quota: Mapping[str, Any]) -> str:
    return region[: QUOTA_LEVELS[quota["level"]]]


def quota_limit(region_key: str, quota: Mapping[str, Any]) -> int | None:
    regions: Mapping[str, int] = quota.get("regions") or {}
    limit: int | None = regions.get(region_key, quota.get("per_region"))
    return limit


P = TypeVar("P", bound=Mapping[str, Any])


def rank(
    eligible: Sequence[P], priority: Sequence[str], quota: Mapping[str, Any] | None, on: date
) -> tuple[list[P], list[P]]:
    """(candidates in rank order, qualified people left out by a region's quota)."""
    ordered = sorted(eligible, key=sort_key(priority, on))
    if not quota:
        return ordered, []
    taken: dict[str, int] = {}
    chosen: list[P] = []
    over: list[P] = []
    for person in ordered:
        region = quota_region(person.get("region") or "", quota)
        limit = quota_limit(region, quota)
        if limit is not None and taken.get(region, 0) >= limit:
            over.append(person)
            continue
        taken[region] = taken.get(region, 0) + 1
        chosen.append(person)
    return chosen, over
