"""Targeting (issue 10): eligibility rules as data, candidate lists computed by the worker over the
registry, reasons and explanations, officers' decisions becoming enrolments, fairness figures."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.programs.targeting.registry import RegistryClient
from services.worker.clients import ServiceClient, Services, ServiceToken, TransientError
from services.worker.handlers import CONSUMERS
from services.worker.reconciliation import targeting
from shared.events import EventEnvelope
from shared.settings import KessosSettings
from tests.programs.helpers import (
    KOTA,
    PROVINCE,
    SERVICE,
    TODAY,
    VIEWER,
    count,
    outbox,
    problem_fields,
    problem_type,
    years_ago,
)
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

YEAR = TODAY.year
START, END = f"{YEAR}-01-01", f"{YEAR}-12-31"
REGISTRY_ADMIN = auth("admin", pii=True)
PROVINCE_PII = auth("provincial_officer", regions=["63"], pii=True)
KOTA_PII = auth("regency_officer", regions=["63.71"], pii=True)


@pytest.fixture
async def services(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    disaster: httpx.AsyncClient,
    settings: KessosSettings,
) -> AsyncIterator[Services]:
    token = ServiceToken(settings)
    # explain asks the registry over HTTP: here, the in-process registry app.
    programs._transport.app.state.targeting_registry = RegistryClient(settings, http=registry)  # type: ignore[attr-defined]
    yield Services(
        registry=ServiceClient("registry", registry, token),
        programs=ServiceClient("programs", programs, token),
        disaster=ServiceClient("disaster", disaster, token),
    )


async def program(
    programs: httpx.AsyncClient, code: str = "1.06.02.2.01", region: str = "63"
) -> dict[str, Any]:
    response = await programs.post(
        "/api/v1/programs",
        json={
            "code": code,
            "name": "Rehabilitasi Sosial Dasar Lanjut Usia Terlantar",
            "area": "rehabilitasi_sosial",
            "year": YEAR,
            "funding_source": "APBD",
            "region_code": region,
            "budget": 1_000_000_000,
        },
        headers=PROVINCE,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def person(
    registry: httpx.AsyncClient,
    *,
    sex: str,
    age: int,
    decile: int | None,
    region: str,
    ppks: list[tuple[str, str]] = (),  # type: ignore[assignment]
    disability: str | None = None,
) -> str:
    response = await registry.post(
        "/api/v1/people",
        json={
            "full_name": f"Warga {uuid.uuid4().hex[:6]}",
            "sex": sex,
            "birth_date": years_ago(age, days=10),
            "region_code": region,
            "welfare_decile": decile,
            "disability_status": disability,
        },
        headers=REGISTRY_ADMIN,
    )
    assert response.status_code == 201, response.text
    person_id: str = response.json()["id"]
    for ppks_type, assessed_on in ppks:
        assessed = await registry.post(
            f"/api/v1/people/{person_id}/ppks-assessments",
            json={"ppks_type": ppks_type, "assessed_on": assessed_on},
            headers=REGISTRY_ADMIN,
        )
        assert assessed.status_code == 201, assessed.text
    return person_id


def elderly_rule(other_program: str, **extra: Any) -> dict[str, Any]:
    """Five conditions: the neglected poor elderly of the province not already in another program."""
    return {
        "description": "Lanjut usia terlantar, desil 1-2",
        "condition": {
            "all": [
                {"attribute": "welfare_decile", "op": "lte", "value": 2},
                {"attribute": "age", "op": "gte", "value": 60},
                {"attribute": "ppks", "op": "has", "value": {"types": ["08"], "status": ["active"]}},
                {"attribute": "region", "op": "within", "value": ["63"]},
                {"not": {"attribute": "enrolled_in", "op": "any", "value": [other_program]}},
            ]
        },
        "priority": ["welfare_decile", "oldest_assessment"],
        "age_on": TODAY.isoformat(),
        "effective_from": START,
        **extra,
    }


async def population(registry: httpx.AsyncClient, programs: httpx.AsyncClient) -> dict[str, str]:
    """Seven people of Kalimantan Selatan; H, A and C meet the rule (B is in another program)."""
    other = await program(programs, code="other")
    people = {
        "A": await person(
            registry, sex="F", age=70, decile=1, region="63.71.01.1001", ppks=[("08", "2025-01-10")]
        ),
        "B": await person(
            registry, sex="M", age=65, decile=2, region="63.71.02.1001", ppks=[("08", "2024-06-01")]
        ),
        "C": await person(
            registry, sex="F", age=62, decile=2, region="63.03.01.2001", ppks=[("08", "2025-05-01")]
        ),
        "D": await person(
            registry, sex="M", age=63, decile=5, region="63.71.01.1001", ppks=[("08", "2025-02-01")]
        ),
        "E": await person(registry, sex="F", age=40, decile=1, region="63.71.01.1001"),
        "F": await person(
            registry, sex="M", age=80, decile=1, region="63.03.01.2001", ppks=[("09", "2025-03-01")]
        ),
        "H": await person(
            registry, sex="M", age=75, decile=1, region="63.71.03.1001", ppks=[("08", "2023-01-01")]
        ),
        "other": other["id"],
    }
    enrolled = await programs.post(
        f"/api/v1/programs/{other['id']}/enrolments",
        json={
            "person_id": people["B"],
            "region_code": "63.71.02.1001",
            "period_start": START,
            "period_end": END,
        },
        headers=PROVINCE,
    )
    assert enrolled.status_code == 201, enrolled.text
    return people


async def computed_run(
    programs: httpx.AsyncClient,
    services: Services,
    engine: Any,
    program_id: str,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Request a run, then hand its event to the worker's consumer as the runner would."""
    requested = await programs.post(
        f"/api/v1/programs/{program_id}/targeting-runs", json=body or {}, headers=PROVINCE
    )
    assert requested.status_code == 202, requested.text
    assert requested.json()["status"] == "requested"
    run_id = requested.json()["id"]
    events = [EventEnvelope.model_validate(e) for e in await outbox(engine, "targeting_run.requested")]
    [event] = [e for e in events if e.payload["run_id"] == run_id]
    await targeting.on_run_requested(services, [event])
    run = await programs.get(f"/api/v1/targeting-runs/{run_id}", headers=PROVINCE)
    assert run.status_code == 200, run.text
    result: dict[str, Any] = run.json()
    return result


async def candidates(
    programs: httpx.AsyncClient, run_id: str, headers: dict[str, str] = PROVINCE
) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await programs.get(
            f"/api/v1/targeting-runs/{run_id}/candidates", params=params, headers=headers
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


def test_the_consumer_is_registered() -> None:
    assert targeting.on_run_requested in CONSUMERS["targeting_run.requested"]


# ---- rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        ({"all": [{"attribute": "income", "op": "lt", "value": 1}]}, "condition.all.0.attribute"),
        ({"all": [{"attribute": "welfare_decile", "op": "lte", "value": "two"}]}, "condition.all.0.value"),
        ({"any": [{"attribute": "sex", "op": "eq", "value": "X"}]}, "condition.any.0.value"),
        ({"all": [{"attribute": "sex", "op": "lt", "value": "F"}]}, "condition.all.0.op"),
        ({"not": {"attribute": "age", "op": "between", "value": [60, 18]}}, "condition.not.value"),
        (
            {
                "all": [
                    {"attribute": "age", "op": "gte", "value": 60},
                    {"attribute": "ppks", "op": "has", "value": {"types": ["27"]}},
                ]
            },
            "condition.all.1.value.types",
        ),
        ({"all": [{"attribute": "disability", "op": "eq", "value": "yes"}]}, "condition.all.0.value"),
        ({"all": [{"attribute": "enrolled_in", "op": "any", "value": ["nope"]}]}, "condition.all.0.value.0"),
        ({"all": []}, "condition.all"),
        ({"all": [{"attribute": "region", "op": "within", "value": ["63.7"]}]}, "condition.all.0.value"),
    ],
)
async def test_a_rule_part_that_cannot_be_evaluated_is_422_naming_it(
    programs: httpx.AsyncClient, engine: Any, condition: dict, field: str
) -> None:
    prog = await program(programs)
    body = {"condition": condition, "effective_from": START}
    response = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=body, headers=PROVINCE
    )
    assert response.status_code == 422
    assert problem_fields(response) == {field}
    assert await count(engine, "targeting_rules") == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"priority": ["welfare_decile", "richest_first"]}, "priority.1"),
        ({"quota": {"level": "province", "per_region": 5}}, "quota.level"),
        ({"quota": {"level": "regency", "regions": {"63.71.01": 5}}}, "quota.regions.63.71.01"),
        ({"effective_to": f"{YEAR - 1}-12-31"}, "effective_to"),
    ],
)
async def test_bad_priority_quota_or_period_is_422(
    programs: httpx.AsyncClient, engine: Any, override: dict, field: str
) -> None:
    prog = await program(programs)
    body = {**elderly_rule(str(uuid.uuid4())), **override}
    response = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=body, headers=PROVINCE
    )
    assert response.status_code == 422, response.text
    assert problem_fields(response) == {field}
    assert await count(engine, "targeting_rules") == 0


async def test_rules_are_versioned_and_only_planners_write_them(programs: httpx.AsyncClient) -> None:
    prog = await program(programs)
    path = f"/api/v1/programs/{prog['id']}/targeting-rules"
    first = await programs.post(path, json=elderly_rule(str(uuid.uuid4())), headers=PROVINCE)
    second = await programs.post(
        path, json=elderly_rule(str(uuid.uuid4()), priority=["age_desc"]), headers=PROVINCE
    )
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert first.json()["age_on"] == TODAY.isoformat()
    assert (
        await programs.post(path, json=elderly_rule(str(uuid.uuid4())), headers=VIEWER)
    ).status_code == 403
    listed = await programs.get(path, headers=VIEWER)
    assert [r["version"] for r in listed.json()] == [1, 2]
    # No rule in effect: a run cannot start.
    later = await program(programs, code="later")
    none = await programs.post(f"/api/v1/programs/{later['id']}/targeting-runs", json={}, headers=PROVINCE)
    assert none.status_code == 409 and problem_type(none) == "no-rule-in-effect"
    elsewhere = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-runs", json={"region_code": "64.01"}, headers=PROVINCE
    )
    assert elsewhere.status_code == 422 and problem_fields(elsewhere) == {"region_code"}
    missing = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-runs", json={"rule_version": 7}, headers=PROVINCE
    )
    assert missing.status_code == 422 and problem_fields(missing) == {"rule_version"}


# ---- runs ------------------------------------------------------------------------------------------


async def test_a_run_ranks_the_eligible_with_their_reasons_and_is_reproducible(
    registry: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    services: Services,
    engine: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    rule = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=elderly_rule(people["other"]), headers=PROVINCE
    )
    assert rule.status_code == 201, rule.text
    with monkeypatch.context() as patch:
        patch.setattr(targeting, "BATCH", 1)  # candidates written one batch per person, pipelined
        run = await computed_run(programs, services, engine, prog["id"])
    assert run["status"] == "completed", run
    assert (run["rule_version"], run["people_scanned"], run["eligible_count"], run["candidate_count"]) == (
        1,
        7,
        3,
        3,
    )
    assert run["snapshot_at"] is not None
    listed = await candidates(programs, run["id"], PROVINCE_PII)
    # Lowest decile first (H and A, decile 1), then the oldest assessment (H, 2023, before A, 2025).
    assert [(c["person_id"], c["rank"]) for c in listed] == [
        (people["H"], 1),
        (people["A"], 2),
        (people["C"], 3),
    ]
    first = listed[0]
    assert first["decision"] == "pending" and first["welfare_decile"] == 1 and first["age_group"] == "60+"
    reasons = {r["path"]: r for r in first["reasons"]}
    assert set(reasons) == {f"condition.all.{i}" for i in range(4)} | {"condition.all.4.not"}
    assert reasons["condition.all.0"]["actual"] == 1 and reasons["condition.all.1"]["actual"] == 75
    assert reasons["condition.all.4.not"]["op"] == "not any" and reasons["condition.all.4.not"]["met"] is True

    # The same rule over the same registry: the same list; each run keeps its rule version and snapshot.
    again = await computed_run(programs, services, engine, prog["id"])
    assert again["id"] != run["id"] and again["rule_version"] == 1
    assert [
        (c["person_id"], c["rank"], c["reasons"])
        for c in await candidates(programs, again["id"], PROVINCE_PII)
    ] == [(c["person_id"], c["rank"], c["reasons"]) for c in listed]
    assert again["snapshot_at"] >= run["snapshot_at"]

    # Delivered twice (a worker was killed after it finished): nothing changes.
    [event] = [
        EventEnvelope.model_validate(e)
        for e in await outbox(engine, "targeting_run.requested")
        if e["payload"]["run_id"] == run["id"]
    ]
    await targeting.on_run_requested(services, [event, event])
    assert await count(engine, "targeting_candidates") == 6


async def test_explain_says_why_someone_is_or_is_not_a_candidate(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=elderly_rule(people["other"]), headers=PROVINCE
    )
    run = await computed_run(programs, services, engine, prog["id"])
    path = f"/api/v1/targeting-runs/{run['id']}/explain"

    async def explain(who: str, headers: dict[str, str] = PROVINCE_PII) -> dict[str, Any]:
        response = await programs.get(path, params={"person_id": people[who]}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    h = await explain("H")
    assert (h["qualified"], h["candidate"], h["rank"]) == (True, True, 1)
    d = await explain("D")  # decile 5
    assert (d["qualified"], d["candidate"]) == (False, False)
    assert [(r["path"], r["actual"], r["met"]) for r in d["reasons"]] == [("condition.all.0", 5, False)]
    e = await explain("E")  # 40 years old, no PPKS
    assert {r["path"] for r in e["reasons"]} == {"condition.all.1", "condition.all.2"}
    assert {r["path"]: r["actual"] for r in e["reasons"]}["condition.all.1"] == 40
    b = await explain("B")  # already in the other program
    assert [(r["path"], r["op"], r["actual"]) for r in b["reasons"]] == [
        ("condition.all.4.not", "not any", [people["other"]])
    ]
    f = await explain("F")  # a PPKS of another type
    assert [r["path"] for r in f["reasons"]] == ["condition.all.2"]
    assert f["reasons"][0]["actual"][0]["type"] == "09"
    # Without pii:read, ages and PPKS are masked; the decile is not personal data of that kind.
    masked = await explain("E", PROVINCE)
    assert all(r["actual"] is None for r in masked["reasons"])
    masked_d = await explain("D", PROVINCE)
    assert masked_d["reasons"][0]["actual"] == 5
    # Someone of another regency is unknown to a regency officer; an unknown id is a 404.
    c = await programs.get(path, params={"person_id": people["C"]}, headers=KOTA)
    assert c.status_code == 404
    nobody = await programs.get(path, params={"person_id": str(uuid.uuid4())}, headers=PROVINCE)
    assert nobody.status_code == 404
    bad = await programs.get(path, params={"person_id": "x"}, headers=PROVINCE)
    assert bad.status_code == 422 and problem_fields(bad) == {"person_id"}


async def test_quota_per_region_and_fairness_report(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    rule = elderly_rule(people["other"], quota={"level": "regency", "per_region": 1})
    assert (
        await programs.post(f"/api/v1/programs/{prog['id']}/targeting-rules", json=rule, headers=PROVINCE)
    ).status_code == 201
    run = await computed_run(programs, services, engine, prog["id"])
    assert (run["eligible_count"], run["over_quota_count"], run["candidate_count"]) == (3, 1, 2)
    listed = await candidates(programs, run["id"])
    assert [(c["person_id"], c["rank"]) for c in listed] == [(people["H"], 1), (people["C"], 2)]
    a = await programs.get(
        f"/api/v1/targeting-runs/{run['id']}/explain", params={"person_id": people["A"]}, headers=PROVINCE
    )
    assert a.json()["qualified"] is True and a.json()["candidate"] is False
    assert "quota of 63.71 (1)" in a.json()["note"]

    fair = await programs.get(f"/api/v1/targeting-runs/{run['id']}/fairness", headers=PROVINCE)
    assert fair.status_code == 200, fair.text
    body = fair.json()
    overall = body["overall"]
    assert (overall["population"], overall["eligible"], overall["candidates"], overall["accepted"]) == (
        7,
        3,
        2,
        0,
    )
    regions = {r["group"]: r for r in body["by_region"]}
    assert (regions["63.71"]["population"], regions["63.71"]["eligible"], regions["63.71"]["candidates"]) == (
        5,
        2,
        1,
    )
    assert (regions["63.03"]["population"], regions["63.03"]["eligible"], regions["63.03"]["candidates"]) == (
        2,
        1,
        1,
    )
    # 63.71 gets half its eligible, 63.03 all: against two thirds overall, both stand out.
    assert regions["63.71"]["selection_ratio"] == 0.75 and regions["63.71"]["flagged"] is True
    assert regions["63.03"]["selection_ratio"] == 1.5 and regions["63.03"]["flagged"] is True
    sexes = {r["group"]: (r["population"], r["eligible"], r["candidates"]) for r in body["by_sex"]}
    assert sexes == {"F": (3, 2, 1), "M": (4, 1, 1)}
    ages = {r["group"]: (r["population"], r["eligible"], r["candidates"]) for r in body["by_age_group"]}
    assert ages == {"18-59": (1, 0, 0), "60+": (6, 3, 2)}
    # A regency officer sees their regency's figures only.
    kota = (await programs.get(f"/api/v1/targeting-runs/{run['id']}/fairness", headers=KOTA)).json()
    assert [r["group"] for r in kota["by_region"]] == ["63.71"]
    assert kota["overall"]["population"] == 5


async def test_regency_officer_sees_only_their_candidates_masked(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=elderly_rule(people["other"]), headers=PROVINCE
    )
    run = await computed_run(programs, services, engine, prog["id"])
    kota = await candidates(programs, run["id"], KOTA)
    assert [c["person_id"] for c in kota] == [people["H"], people["A"]]
    ages = [r for c in kota for r in c["reasons"] if r["attribute"] in ("age", "ppks")]
    assert ages and all(r["actual"] is None for r in ages)
    unmasked = await candidates(programs, run["id"], KOTA_PII)
    assert {r["actual"] for c in unmasked for r in c["reasons"] if r["attribute"] == "age"} == {75, 70}
    banjar = await candidates(programs, run["id"], auth("regency_officer", regions=["63.03"]))
    assert [c["person_id"] for c in banjar] == [people["C"]]
    other_province = await programs.get(
        f"/api/v1/targeting-runs/{run['id']}/candidates", headers=auth("provincial_officer", regions=["64"])
    )
    assert other_province.status_code == 404


async def test_accept_creates_an_enrolment_and_exclusion_needs_a_reason_all_audited(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=elderly_rule(people["other"]), headers=PROVINCE
    )
    run = await computed_run(programs, services, engine, prog["id"])
    base = f"/api/v1/targeting-runs/{run['id']}"
    period = {"period_start": START, "period_end": END}

    accepted = await programs.post(f"{base}/candidates/{people['H']}/accept", json=period, headers=PROVINCE)
    assert accepted.status_code == 200, accepted.text
    assert (
        accepted.json()["decision"] == "accepted"
        and accepted.json()["decided_by"] == "test-provincial_officer"
    )
    enrolment = await programs.get(f"/api/v1/enrolments/{accepted.json()['enrolment_id']}", headers=PROVINCE)
    assert enrolment.status_code == 200
    assert (enrolment.json()["person_id"], enrolment.json()["program_id"]) == (people["H"], prog["id"])
    twice = await programs.post(f"{base}/candidates/{people['H']}/accept", json=period, headers=PROVINCE)
    assert twice.status_code == 409 and problem_type(twice) == "candidate-already-accepted"

    no_reason = await programs.post(
        f"{base}/candidates/{people['C']}/exclude", json={"reason": " "}, headers=PROVINCE
    )
    assert no_reason.status_code == 422 and problem_fields(no_reason) == {"reason"}
    viewer = await programs.post(
        f"{base}/candidates/{people['C']}/exclude", json={"reason": "pindah"}, headers=VIEWER
    )
    assert viewer.status_code == 403
    excluded = await programs.post(
        f"{base}/candidates/{people['C']}/exclude",
        json={"reason": "Sudah dirawat keluarga"},
        headers=PROVINCE,
    )
    assert excluded.status_code == 200 and excluded.json()["decision"] == "excluded"
    not_accepted_out = await programs.post(
        f"{base}/candidates/{people['H']}/exclude", json={"reason": "salah"}, headers=PROVINCE
    )
    assert not_accepted_out.status_code == 409

    # In bulk: each person on their own; one who is no candidate is refused, the others enrolled.
    bulk = await programs.post(
        f"{base}/accept",
        json={**period, "person_ids": [people["A"], people["D"], people["C"]]},
        headers=PROVINCE,
    )
    assert bulk.status_code == 200, bulk.text
    assert [c["person_id"] for c in bulk.json()["accepted"]] == [people["A"], people["C"]]
    assert [(r["person_id"], r["problem"]) for r in bulk.json()["refused"]] == [(people["D"], "not-found")]
    assert await count(engine, "enrolments") == 4  # B in the other program, H, A, C

    # A bad period is the enrolment's own rule, refused with nothing written.
    before = await count(engine, "targeting_decisions")
    fresh = await computed_run(programs, services, engine, prog["id"])
    late = await programs.post(
        f"/api/v1/targeting-runs/{fresh['id']}/candidates/{people['H']}/accept",
        json={"period_start": f"{YEAR + 1}-01-01", "period_end": f"{YEAR + 1}-12-31"},
        headers=PROVINCE,
    )
    assert late.status_code == 422 and problem_fields(late) == {"period_start"}
    assert await count(engine, "targeting_decisions") == before

    trail = await programs.get(f"{base}/decisions", headers=VIEWER)
    assert [(d["person_id"], d["action"], d["reason"]) for d in trail.json()] == [
        (people["H"], "accepted", None),
        (people["C"], "excluded", "Sudah dirawat keluarga"),
        (people["A"], "accepted", None),
        (people["C"], "accepted", None),
    ]
    assert len(await outbox(engine, "targeting_candidate.decided")) == 4
    assert len(await outbox(engine, "enrolment.created")) == 4
    fair = (await programs.get(f"{base}/fairness", headers=PROVINCE)).json()
    assert fair["overall"]["accepted"] == 3


async def test_worker_routes_are_for_the_service_role_only(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient
) -> None:
    prog = await program(programs)
    await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules",
        json=elderly_rule(str(uuid.uuid4())),
        headers=PROVINCE,
    )
    run = (
        await programs.post(f"/api/v1/programs/{prog['id']}/targeting-runs", json={}, headers=PROVINCE)
    ).json()
    admin = auth("admin")
    assert (
        await programs.post(f"/api/v1/targeting-runs/{run['id']}/start", headers=admin)
    ).status_code == 403
    assert (
        await programs.post(
            f"/api/v1/targeting-runs/{run['id']}/outcome", json={"status": "failed"}, headers=PROVINCE
        )
    ).status_code == 403
    assert (await registry.get("/api/v1/targeting/people", headers=REGISTRY_ADMIN)).status_code == 403
    not_ready = await programs.get(f"/api/v1/targeting-runs/{run['id']}/fairness", headers=PROVINCE)
    assert not_ready.status_code == 409 and problem_type(not_ready) == "run-not-ready"
    # The worker cannot complete a run with fewer candidates than it says it sent.
    assert (
        await programs.post(f"/api/v1/targeting-runs/{run['id']}/start", headers=SERVICE)
    ).status_code == 200
    short = await programs.post(
        f"/api/v1/targeting-runs/{run['id']}/outcome",
        json={"status": "completed", "candidate_count": 3},
        headers=SERVICE,
    )
    assert short.status_code == 422 and problem_fields(short) == {"candidate_count"}


async def test_registry_stream_carries_households_ppks_and_a_trailer(registry: httpx.AsyncClient) -> None:
    head = await person(
        registry, sex="F", age=70, decile=1, region="63.71.01.1001", ppks=[("08", "2025-01-10")]
    )
    child = await person(registry, sex="M", age=10, decile=1, region="63.71.01.1001", disability="tuna netra")
    elsewhere = await person(registry, sex="M", age=30, decile=3, region="63.03.01.2001")
    household = await registry.post(
        "/api/v1/households",
        json={
            "kk_number": "6371011203150002",
            "region_code": "63.71.01.1001",
            "members": [{"person_id": head, "relationship": "1"}, {"person_id": child, "relationship": "5"}],
        },
        headers=REGISTRY_ADMIN,
    )
    assert household.status_code == 201, household.text
    response = await registry.get("/api/v1/targeting/people", params={"region": "63.71"}, headers=SERVICE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    header, *lines, trailer = [json.loads(line) for line in response.text.splitlines()]
    assert trailer["count"] == 2 and "snapshot_at" in trailer
    rows = [dict(zip(header["fields"], line, strict=True)) for line in lines]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {head, child} and elsewhere not in by_id
    assert by_id[head]["ppks"] == [["08", "active", "2025-01-10"]]
    assert (by_id[head]["household_size"], by_id[head]["relationship"]) == (2, "1")
    assert by_id[child]["disability"] == "tuna netra" and by_id[child]["ppks"] is None
    assert (by_id[child]["birth_date"], by_id[child]["decile"], by_id[child]["sex"]) == (
        years_ago(10, days=10),
        1,
        "M",
    )
    one = await registry.get(f"/api/v1/targeting/people/{child}", headers=SERVICE)
    assert one.status_code == 200 and one.json()["status"] == "active" and "updated_at" in one.json()
    assert (
        await registry.get(f"/api/v1/targeting/people/{uuid.uuid4()}", headers=SERVICE)
    ).status_code == 404


async def test_a_registry_outage_leaves_the_run_to_be_retried(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, services: Services, engine: Any
) -> None:
    people = await population(registry, programs)
    prog = await program(programs)
    await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-rules", json=elderly_rule(people["other"]), headers=PROVINCE
    )
    requested = await programs.post(
        f"/api/v1/programs/{prog['id']}/targeting-runs", json={}, headers=PROVINCE
    )
    [event] = [EventEnvelope.model_validate(e) for e in await outbox(engine, "targeting_run.requested")]
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as nowhere:  # nothing listens on port 9
        down = Services(
            registry=ServiceClient("registry", nowhere, services.registry.token),
            programs=services.programs,
            disaster=services.disaster,
        )
        with pytest.raises(TransientError):
            await targeting.on_run_requested(down, [event])
    run = (await programs.get(f"/api/v1/targeting-runs/{requested.json()['id']}", headers=PROVINCE)).json()
    assert run["status"] == "computing" and run["candidate_count"] is None
    # The runner retries later: the run is computed from a clean slate.
    await targeting.on_run_requested(services, [event])
    run = (await programs.get(f"/api/v1/targeting-runs/{run['id']}", headers=PROVINCE)).json()
    assert (run["status"], run["candidate_count"]) == ("completed", 3)
    assert await count(engine, "targeting_candidates") == 3
