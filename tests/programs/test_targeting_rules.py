"""The rule evaluator alone (pure Python): what each condition means, that the run's fast predicate and
the explanation always agree, ranking and quotas."""

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from shared import targeting_rules as rules

ON = date(2026, 11, 23)
NOBODY: frozenset[str] = frozenset()


def person(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "region": "63.71.01.1001", **fields}


def holds(condition: dict[str, Any], who: dict[str, Any], enrolled: frozenset[str] = NOBODY) -> bool:
    return rules.compile_condition(condition, ON)(who, enrolled)


def test_age_is_counted_on_the_rule_day_birthday_included() -> None:
    sixty = {"attribute": "age", "op": "gte", "value": 60}
    assert holds(sixty, person(birth_date="1966-11-23"))  # sixty today
    assert not holds(sixty, person(birth_date="1966-11-24"))  # sixty tomorrow
    assert not holds(sixty, person(birth_date=None))  # unknown age never qualifies
    child = {"attribute": "age", "op": "between", "value": [6, 17]}
    assert holds(child, person(birth_date="2008-11-24")) and not holds(child, person(birth_date="2008-11-23"))
    assert holds(child, person(birth_date="2020-11-23")) and not holds(child, person(birth_date="2020-11-24"))


@pytest.mark.parametrize(
    ("leaf", "yes", "no"),
    [
        ({"attribute": "welfare_decile", "op": "in", "value": [1, 2]}, {"decile": 2}, {"decile": None}),
        ({"attribute": "sex", "op": "eq", "value": "F"}, {"sex": "F"}, {"sex": "M"}),
        (
            {"attribute": "relationship", "op": "in", "value": ["1", "2"]},
            {"relationship": "2"},
            {"relationship": "3"},
        ),
        (
            {"attribute": "household_size", "op": "gte", "value": 5},
            {"household_size": 5},
            {"household_size": None},
        ),
        (
            {"attribute": "disability", "op": "eq", "value": True},
            {"disability": "Tuna Netra"},
            {"disability": "tidak"},
        ),
        (
            {"attribute": "region", "op": "within", "value": ["63.71", "63.03"]},
            {"region": "63.03.01.2001"},
            {"region": "63.710"},
        ),
        (
            {"attribute": "ppks", "op": "has", "value": {"types": ["23"]}},
            {"ppks": [["24", "active", "2025-01-01"], ["23", "active", "2025-02-01"]]},
            {"ppks": [["23", "resolved_independent", "2025-02-01"]]},
        ),
    ],
)
def test_each_attribute(leaf: dict[str, Any], yes: dict[str, Any], no: dict[str, Any]) -> None:
    rules.validate_condition(leaf)
    assert holds(leaf, person(**yes)) and not holds(leaf, person(**no))


def test_combinators_and_enrolment() -> None:
    other = str(uuid.uuid4())
    condition = {
        "any": [
            {
                "all": [
                    {"attribute": "sex", "op": "eq", "value": "F"},
                    {"attribute": "welfare_decile", "op": "lte", "value": 2},
                ]
            },
            {"not": {"attribute": "enrolled_in", "op": "any", "value": [other]}},
        ]
    }
    rules.validate_condition(condition)
    assert rules.programs_named(condition) == {other}
    assert holds(condition, person(sex="M", decile=9))  # not enrolled
    assert not holds(condition, person(sex="M", decile=1), frozenset({other}))
    assert holds(condition, person(sex="F", decile=1), frozenset({other}))
    ok, reasons = rules.explain(condition, person(sex="M", decile=1), frozenset({other}), ON)
    # Every branch of the `any` failed: the reasons are the failed leaves of both.
    assert not ok
    assert [(r.path, r.met) for r in reasons] == [
        ("condition.any.0.all.0", False),
        ("condition.any.1.not", False),
    ]


def test_the_run_and_the_explanation_always_agree() -> None:
    rng = random.Random(3)
    condition = {
        "all": [
            {"attribute": "welfare_decile", "op": "lte", "value": 4},
            {
                "any": [
                    {"attribute": "age", "op": "gte", "value": 60},
                    {"attribute": "age", "op": "lt", "value": 18},
                ]
            },
            {"not": {"attribute": "sex", "op": "eq", "value": "M"}},
            {"attribute": "ppks", "op": "has", "value": {"types": ["08", "02"], "status": ["active"]}},
        ]
    }
    rules.validate_condition(condition)
    fast = rules.compile_condition(condition, ON)
    explainer = rules.Explainer(condition, ON)
    for _ in range(5000):
        born = ON - timedelta(days=rng.randint(0, 90 * 365))
        who = person(
            decile=rng.choice([None, *range(1, 11)]),
            sex=rng.choice(["M", "F", None]),
            birth_date=rng.choice([None, born.isoformat()]),
            ppks=rng.choice(
                [
                    None,
                    [["08", rng.choice(["active", "resolved_other"]), "2025-01-01"]],
                    [["02", "active", "2024-01-01"]],
                ]
            ),
        )
        ok, reasons = explainer(who, NOBODY)
        assert ok == fast(who, NOBODY)
        assert reasons and all(r.met == ok for r in reasons)
        # What a candidate stores comes back in full from the rule.
        assert rules.expand(condition, rules.compact(reasons)) == [r.as_dict() for r in reasons]


def test_ranking_is_total_and_quotas_apply_in_rank_order() -> None:
    a: dict[str, Any] = {
        "id": "a",
        "region": "63.71.01.1001",
        "decile": 2,
        "ppks": [["08", "active", "2020-01-01"]],
    }
    b: dict[str, Any] = {
        "id": "b",
        "region": "63.71.02.1001",
        "decile": 1,
        "ppks": [["08", "active", "2024-01-01"]],
    }
    c: dict[str, Any] = {
        "id": "c",
        "region": "63.03.01.2001",
        "decile": 1,
        "ppks": [["08", "active", "2021-01-01"]],
    }
    d: dict[str, Any] = {"id": "d", "region": "63.03.01.2001", "decile": None}
    chosen, over = rules.rank([a, b, c, d], ["welfare_decile", "oldest_assessment"], None, ON)
    assert [p["id"] for p in chosen] == ["c", "b", "a", "d"] and over == []
    quota = {"level": "regency", "per_region": 1, "regions": {"63.03": 2}}
    rules.validate_quota(quota)
    chosen, over = rules.rank([a, b, c, d], ["welfare_decile", "oldest_assessment"], quota, ON)
    assert [p["id"] for p in chosen] == ["c", "b", "d"] and [p["id"] for p in over] == ["a"]
    old: dict[str, Any] = {"id": "o", "birth_date": "1940-01-01"}
    young: dict[str, Any] = {"id": "y", "birth_date": "1990-01-01"}
    unknown: dict[str, Any] = {"id": "u"}
    assert [p["id"] for p in rules.rank([young, unknown, old], ["age_desc"], None, ON)[0]] == ["o", "y", "u"]
    assert [p["id"] for p in rules.rank([old, unknown, young], ["age_asc"], None, ON)[0]] == ["y", "o", "u"]


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"all": [{"attribute": "age", "op": "gte"}]}, "condition.all.0.value"),
        ({"all": [{"attribute": "age", "op": "gte", "value": True}]}, "condition.all.0.value"),
        ({"all": [{"attribute": "age", "op": "gte", "value": 1, "unit": "y"}]}, "condition.all.0.unit"),
        ({"all": [{"attribute": "age", "op": "gte", "value": 1}], "any": []}, "condition"),
        ([], "condition"),
    ],
)
def test_validation_names_the_part(condition: Any, path: str) -> None:
    with pytest.raises(rules.RuleError) as caught:
        rules.validate_condition(condition)
    assert caught.value.path == path
