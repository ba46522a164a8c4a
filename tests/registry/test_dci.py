"""DCI Social Registry sync search (social_api v1.0.0): households as Group, people as Member, answers
that validate against the spec's own response schema, and the registry's scope, masking and access
log exactly as in the rest of the registry."""

import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import text

from shared import clock
from tests.registry.factory import ADMIN, fields_of, nik_for, person, years_ago
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

URL = "/api/v1/dci/registry/sync/search"
SCHEMA = json.loads((Path(__file__).parent / "dci" / "sync_search_response.schema.json").read_text())
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # The spec's timestamps are ISO 8601 "including timezone".
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


ANSWER = Draft202012Validator(SCHEMA, format_checker=FORMATS)
HTTP_ERROR = Draft202012Validator(SCHEMA["$defs"]["HttpErrorResponse"])

NOW = "2026-11-23T10:30:00+08:00"
SITI_NIK = "6371014506850001"  # a woman born 5 June 1985, registered in 63.71.01
KK = "6371011203150002"


# ------------------------------------------------------------------------------------------ helpers


def request(criteria: Any, reference_id: str = "ref-1", timestamp: str | None = NOW) -> dict[str, Any]:
    return {"reference_id": reference_id, "timestamp": timestamp, "search_criteria": criteria}


def envelope(*requests: dict[str, Any], **header: Any) -> dict[str, Any]:
    return {
        "signature": 'Signature: namespace="spdci", kidId="spmis.test|k1|ed25519"',
        "header": {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": NOW,
            "action": "search",
            "sender_id": "spmis.test",
            "receiver_id": "registry.kessos",
            "total_count": len(requests),
            **header,
        },
        "message": {"transaction_id": "txn-0001", "search_request": list(requests)},
    }


def idtype(kind: str, value: Any, entity: str | None = None, **extra: Any) -> dict[str, Any]:
    criteria = {"query_type": "idtype-value", "query": {"type": kind, "value": value}, **extra}
    return {**criteria, "response_entity": entity} if entity else criteria


def expression(query: dict[str, Any], collection: str | None = None, **extra: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"query": query, **({"collection": collection} if collection else {})}
    return {
        "query_type": "expression",
        "query": {"type": "ns:org:QueryType:expression", "value": {"expression": value}},
        **extra,
    }


def predicate(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"query_type": "predicate", "query": list(items), **extra}


def term(name: str, operator: str, value: Any) -> dict[str, Any]:
    return {"attribute_name": name, "operator": operator, "attribute_value": value}


async def answer(
    registry: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    response = await registry.post(URL, json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    ANSWER.validate(data)  # the spec's own schema for a sync search answer
    return data


async def search(
    registry: httpx.AsyncClient, criteria: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    data = await answer(registry, envelope(request(criteria)), headers)
    result: dict[str, Any] = data["message"]["search_response"][0]
    return result


def records(result: dict[str, Any]) -> list[dict[str, Any]]:
    assert result["status"] == "succ", result
    found: list[dict[str, Any]] = result["data"]["reg_records"]
    return found


def ids(found: list[dict[str, Any]]) -> dict[str, str]:
    return {i["identifier_type"]: i["identifier_value"] for i in found}


def name(member: dict[str, Any]) -> str:
    return str(member["demographic_info"]["name"]["given_name"])


def attributes(record: dict[str, Any]) -> dict[str, Any]:
    return {a["name"]: a["value"] for a in record["additional_attributes"]}


async def family(registry: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Siti heads a household in Mantuil (63.71.01.1001) with her husband and their daughter."""
    siti = await person(
        registry,
        full_name="Siti Rahmah",
        sex="F",
        nik=SITI_NIK,
        birth_date="1985-06-05",
        address="Jl. Veteran 3",
        rt="003",
        rw="005",
        welfare_decile=2,
    )
    ahmad = await person(registry, full_name="Ahmad Fauzi", sex="M", nik=nik_for(date(1980, 2, 1)))
    nur = await person(registry, full_name="Nur Aisyah", sex="F", nik=nik_for(date(2015, 3, 12), female=True))
    response = await registry.post(
        "/api/v1/households",
        headers=ADMIN,
        json={
            "kk_number": KK,
            "region_code": "63.71.01.1001",
            "address": "Jl. Veteran 3",
            "members": [
                {"person_id": siti["id"], "relationship": "1"},
                {"person_id": ahmad["id"], "relationship": "2"},
                {"person_id": nur["id"], "relationship": "3"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json(), {"siti": siti, "ahmad": ahmad, "nur": nur}


async def elders(registry: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Two old women (Kota Banjarmasin, Kabupaten Banjar) and an old man, none in a household."""
    born = years_ago(72) - timedelta(days=3)
    return {
        "nenek": await person(
            registry,
            full_name="Nenek Kuripan",
            sex="F",
            nik=nik_for(born, female=True, district="637102"),
            region_code="63.71.02.1001",
            welfare_decile=1,
        ),
        "banjar": await person(
            registry,
            full_name="Nenek Bakambat",
            sex="F",
            nik=nik_for(born, female=True, district="630301"),
            region_code="63.03.01.2001",
        ),
        "kakek": await person(
            registry,
            full_name="Kakek Kuripan",
            sex="M",
            nik=nik_for(born, district="637102"),
            region_code="63.71.02.1001",
        ),
    }


async def access_log(engine: Any, reader: str) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT person_id::text, action FROM registry.access_log WHERE reader = :r"), {"r": reader}
        )
        return [(p, a) for p, a in rows]


# ------------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize("kind", ["UIN", "NIN", "NIK", "uin"])
async def test_member_by_nik_under_each_identifier_type(registry: httpx.AsyncClient, kind: str) -> None:
    _, people = await family(registry)
    result = await search(registry, idtype(kind, SITI_NIK, "Member"))
    [siti] = records(result)
    assert result["data"]["reg_record_type"] == "Member"
    assert result["pagination"] == {"page_size": 50, "page_number": 1, "total_count": 1}
    assert ids(siti["member_identifier"]) == {"KESSOS_PERSON_ID": people["siti"]["id"]}
    info = siti["demographic_info"]
    assert ids(info["identifier"]) == {"UIN": SITI_NIK}
    assert name(siti) == "Siti Rahmah" and info["sex"] == "female" and info["birth_date"] == "1985-06-05"
    assert info["address"] == [
        {
            "@type": "Address",
            "address_line_1": "Jl. Veteran 3",
            "address_line_2": "RT 003 RW 005",
            "region_code": "63",
            "sub_region_code": "63.71.01.1001",
            "country_code": "ID",
        }
    ]
    # Her relationship to the head of her household: she is the head.
    [related] = siti["related_person"]
    assert related["relationship_type"] == "SELF"
    assert ids(related["related_member"]["identifier"]) == {"KESSOS_PERSON_ID": people["siti"]["id"]}
    assert attributes(siti) == {
        "hubungan_keluarga": "1",
        "kk_number": KK,
        "birth_year": 1985,
        "welfare_decile": 2,
        "status": "active",
        "masked": False,
    }


async def test_answer_envelope_follows_the_spec(registry: httpx.AsyncClient) -> None:
    await family(registry)
    body = envelope(request(idtype("UIN", SITI_NIK)), message_id="msg-42")
    data = await answer(registry, body)
    header, message = data["header"], data["message"]
    assert header["action"] == "on-search" and header["status"] == "succ"
    assert header["version"] == "1.0.0" and header["message_id"] != "msg-42"
    assert header["total_count"] == 1 and header["completed_count"] == 1
    assert (
        header["receiver_id"] == "spmis.test" and header["sender_id"] and header["is_msg_encrypted"] is False
    )
    assert message["transaction_id"] == "txn-0001" and message["correlation_id"]
    assert [r["reference_id"] for r in message["search_response"]] == ["ref-1"]
    assert message["search_response"][0]["locale"] == "eng"
    # The schema has teeth: a wrong action or an unknown status would not pass.
    assert not ANSWER.is_valid({**data, "header": {**header, "action": "on-subscribe"}})
    assert not ANSWER.is_valid({**data, "header": {**header, "status": "ok"}})
    assert not ANSWER.is_valid(
        {**data, "message": {k: v for k, v in message.items() if k != "correlation_id"}}
    )


async def test_household_id_gives_the_group_with_its_members(registry: httpx.AsyncClient) -> None:
    household, people = await family(registry)
    result = await search(registry, idtype("HOUSEHOLD_ID", KK))  # a household identifier: Group by default
    [group] = records(result)
    assert result["data"]["reg_record_type"] == "Group" and group["@type"] == "Group"
    assert ids(group["group_identifier"]) == {"HOUSEHOLD_ID": KK, "KESSOS_HOUSEHOLD_ID": household["id"]}
    assert group["group_type"] == "3" and group["group_size"] == 3
    assert group["address"][0]["sub_region_code"] == "63.71.01.1001"
    assert [name(m) for m in group["member_list"]] == ["Siti Rahmah", "Ahmad Fauzi", "Nur Aisyah"]
    assert [m["related_person"][0]["relationship_type"] for m in group["member_list"]] == [
        "SELF",
        "SPS",
        "CHILD",
    ]
    assert name(group["group_head_info"]) == "Siti Rahmah"
    head = {
        i["identifier_value"]
        for m in group["member_list"]
        for i in m["related_person"][0]["related_member"]["identifier"]
    }
    assert head == {people["siti"]["id"]}

    # The same household as its members, and found through a member's NIK.
    members = records(await search(registry, idtype("HOUSEHOLD_ID", KK, "Member")))
    assert sorted(name(m) for m in members) == ["Ahmad Fauzi", "Nur Aisyah", "Siti Rahmah"]
    [by_member] = records(await search(registry, idtype("NIK", SITI_NIK, "Group")))
    assert ids(by_member["group_identifier"])["KESSOS_HOUSEHOLD_ID"] == household["id"]
    [by_id] = records(await search(registry, idtype("KESSOS_HOUSEHOLD_ID", household["id"])))
    assert by_id["group_size"] == 3
    # Older releases of the spec call the Group a Household.
    legacy = await search(registry, idtype("UIN", SITI_NIK, "Household"))
    assert legacy["data"]["reg_record_type"] == "Group"


# ---------------------------------------------------------------------------- expression, predicate


async def test_expression_search(registry: httpx.AsyncClient) -> None:
    await family(registry)
    await elders(registry)
    women_60 = expression(
        {"$and": [{"sex": {"$eq": "female"}}, {"age": {"$gte": 60}}, {"region_code": "63.71"}]}, "Member"
    )
    assert [name(m) for m in records(await search(registry, women_60))] == ["Nenek Kuripan"]

    either = expression({"$or": [{"sex": "male"}, {"birthdate": {"$lt": "1986-01-01", "$gt": "1985-01-01"}}]})
    found = records(await search(registry, {**either, "sort": [{"attribute_name": "name"}]}))
    assert [name(m) for m in found] == ["Ahmad Fauzi", "Kakek Kuripan", "Siti Rahmah"]

    outside = expression({"$nor": [{"region_code": {"$in": ["63.71.01", "63.03"]}}]})
    assert sorted(name(m) for m in records(await search(registry, outside))) == [
        "Kakek Kuripan",
        "Nenek Kuripan",
    ]

    groups = expression({"group_size": {"$gte": 3}, "region_code": "63.71"}, "Group")
    result = await search(registry, groups)
    assert result["data"]["reg_record_type"] == "Group" and len(records(result)) == 1


async def test_predicate_search(registry: httpx.AsyncClient) -> None:
    await family(registry)
    await elders(registry)
    born_80s = predicate(
        {
            "seq_num": 1,
            "expression1": term("YOB", "ge", 1980),
            "condition": "and",
            "expression2": term("YOB", "le", "1989"),
        },
    )
    assert sorted(name(m) for m in records(await search(registry, born_80s))) == [
        "Ahmad Fauzi",
        "Siti Rahmah",
    ]

    poorest_or_child = predicate(
        {"seq_num": 2, "expression1": term("sex", "eq", "F")},
        {
            "seq_num": 1,
            "expression1": term("welfare_decile", "le", 2),
            "condition": "or",
            "expression2": term("age", "lt", 18),
        },
    )
    found = records(await search(registry, poorest_or_child))
    assert sorted(name(m) for m in found) == ["Nenek Kuripan", "Nur Aisyah", "Siti Rahmah"]

    women_not_banjar = predicate(
        {
            "expression1": term("gender", "eq", "female"),
            "condition": "not",
            "expression2": term("region_code", "in", "63.03"),
        }
    )
    found = records(await search(registry, women_not_banjar))
    assert sorted(name(m) for m in found) == ["Nenek Kuripan", "Nur Aisyah", "Siti Rahmah"]


async def test_age_and_year_of_birth_boundaries(registry: httpx.AsyncClient) -> None:
    # Ages count on the office's calendar (WITA), as the registry's own age search does.
    sixty = years_ago(60, clock.today())
    for label, born in (("turns 60 today", sixty), ("turns 60 tomorrow", sixty + timedelta(days=1))):
        await person(
            registry,
            full_name=label,
            birth_date=born.isoformat(),
            nik=nik_for(born),
            region_code="63.71.01.1002",
        )
    here = {"region_code": "63.71.01.1002"}

    async def names(condition: dict[str, Any]) -> list[str]:
        return sorted(name(m) for m in records(await search(registry, expression({**here, **condition}))))

    assert await names({"age": {"$gte": 60}}) == ["turns 60 today"]
    assert await names({"age": {"$gt": 59}}) == ["turns 60 today"]
    assert await names({"age": 60}) == ["turns 60 today"]
    assert await names({"age": {"$lt": 60}}) == ["turns 60 tomorrow"]
    assert await names({"age": {"$lte": 59}}) == ["turns 60 tomorrow"]
    assert await names({"age": {"$ne": 60}}) == ["turns 60 tomorrow"]
    for born in (date(1979, 12, 31), date(1980, 1, 1), date(1980, 12, 31), date(1981, 1, 1)):
        await person(
            registry,
            full_name=f"born {born}",
            birth_date=born.isoformat(),
            nik=nik_for(born),
            region_code="63.71.02.1002",
        )
    there = {"region_code": "63.71.02.1002"}

    async def born(condition: dict[str, Any]) -> list[str]:
        return sorted(
            name(m)[5:] for m in records(await search(registry, expression({**there, **condition})))
        )

    assert await born({"YOB": 1980}) == ["1980-01-01", "1980-12-31"]
    assert await born({"YOB": {"$lt": 1980}}) == ["1979-12-31"]
    assert await born({"YOB": {"$lte": 1980}}) == ["1979-12-31", "1980-01-01", "1980-12-31"]
    assert await born({"YOB": {"$gt": 1980}}) == ["1981-01-01"]
    assert await born({"YOB": {"$gte": 1980}}) == ["1980-01-01", "1980-12-31", "1981-01-01"]
    assert await born({"YOB": {"$in": [1979, 1981]}}) == ["1979-12-31", "1981-01-01"]


async def test_pagination_and_sort(registry: httpx.AsyncClient) -> None:
    for year in (1990, 1970, 2000, 1960, 1980):
        await person(
            registry, full_name=f"Warga {year}", birth_date=f"{year}-01-15", nik=nik_for(date(year, 1, 15))
        )
    criteria = expression(
        {"region_code": "63.71"},
        sort=[{"attribute_name": "birthdate", "sort_order": "desc"}],
        pagination={"page_size": 2, "page_number": 2},
    )
    result = await search(registry, criteria)
    assert [name(m) for m in records(result)] == ["Warga 1980", "Warga 1970"]
    assert result["pagination"] == {"page_size": 2, "page_number": 2, "total_count": 5}
    beyond = await search(registry, {**criteria, "pagination": {"page_size": 2, "page_number": 9}})
    assert records(beyond) == [] and beyond["pagination"]["total_count"] == 5


# -------------------------------------------------------------------------------- privacy and scope


async def test_masked_without_pii_and_logged_with_it(registry: httpx.AsyncClient, engine: Any) -> None:
    _, people = await family(registry)
    viewer = auth("viewer", regions=["63.71"], sub="viewer-1")
    [siti] = records(await search(registry, idtype("UIN", SITI_NIK), viewer))
    info = siti["demographic_info"]
    assert ids(info["identifier"]) == {"UIN": "6371**********01"}
    assert "birth_date" not in info
    assert attributes(siti)["kk_number"] == "6371**********02"
    assert attributes(siti)["birth_year"] == 1985 and attributes(siti)["masked"] is True
    [group] = records(await search(registry, idtype("HOUSEHOLD_ID", KK), viewer))
    assert ids(group["group_identifier"])["HOUSEHOLD_ID"] == "6371**********02"
    assert all("birth_date" not in m["demographic_info"] for m in group["member_list"])
    assert await access_log(engine, "viewer-1") == []

    officer = auth("regency_officer", regions=["63.71"], pii=True, sub="officer-1")
    [clear] = records(await search(registry, idtype("HOUSEHOLD_ID", KK), officer))
    assert ids(clear["group_identifier"])["HOUSEHOLD_ID"] == KK
    logged = await access_log(engine, "officer-1")
    assert sorted(logged) == sorted((p["id"], "dci-search") for p in people.values())


async def test_scope_holds_in_the_query(registry: httpx.AsyncClient) -> None:
    await family(registry)
    found = await elders(registry)
    banjar = auth("regency_officer", regions=["63.03"], pii=True)
    by_nik = await search(registry, idtype("UIN", SITI_NIK), banjar)
    assert records(by_nik) == [] and by_nik["pagination"]["total_count"] == 0
    by_kk = await search(registry, idtype("HOUSEHOLD_ID", KK), banjar)
    assert records(by_kk) == [] and by_kk["pagination"]["total_count"] == 0
    women = await search(registry, expression({"sex": "female"}), banjar)
    assert [name(m) for m in records(women)] == ["Nenek Bakambat"] and women["pagination"]["total_count"] == 1
    everyone = await search(registry, predicate({"expression1": term("age", "ge", 0)}), banjar)
    assert everyone["pagination"]["total_count"] == 1
    # And the other way round: Kota Banjarmasin does not see Kabupaten Banjar.
    banjarmasin = auth("regency_officer", regions=["63.71"])
    nik = found["banjar"]["nik"]
    assert records(await search(registry, idtype("NIK", nik), banjarmasin)) == []


# --------------------------------------------------------------------------------------- refusals


async def test_missing_message_or_header_is_a_json_422(registry: httpx.AsyncClient) -> None:
    body = envelope(request(idtype("UIN", SITI_NIK)))
    for part in ("message", "header"):
        response = await registry.post(URL, json={k: v for k, v in body.items() if k != part}, headers=ADMIN)
        assert response.status_code == 422 and fields_of(response) == {part}
        HTTP_ERROR.validate(response.json())
    encrypted = {
        **body,
        "message": {"header": {"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "k"}, "ciphertext": "x"},
    }
    response = await registry.post(URL, json=encrypted, headers=ADMIN)
    assert response.status_code == 422 and fields_of(response) == {"message"}
    assert "encrypted" in response.json()["errors"][0]["message"]


async def test_no_token_is_401(registry: httpx.AsyncClient) -> None:
    response = await registry.post(URL, json=envelope(request(idtype("UIN", SITI_NIK))))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    HTTP_ERROR.validate(response.json())


async def test_unknown_identifier_type_is_rejected_on_its_own(registry: httpx.AsyncClient) -> None:
    await family(registry)
    body = envelope(request(idtype("BRN", "123"), "ref-brn"), request(idtype("UIN", SITI_NIK), "ref-uin"))
    data = await answer(registry, body)
    rejected, found = data["message"]["search_response"]
    assert rejected["reference_id"] == "ref-brn" and rejected["status"] == "rjct"
    assert rejected["status_reason_code"] == "rjct.search_criteria.invalid"
    assert (
        "'BRN'" in rejected["status_reason_message"] and "HOUSEHOLD_ID" in rejected["status_reason_message"]
    )
    assert "data" not in rejected
    assert found["reference_id"] == "ref-uin" and len(records(found)) == 1
    assert data["header"]["status"] == "succ" and data["header"]["completed_count"] == 2


@pytest.mark.parametrize(
    ("item", "code", "says"),
    [
        (request(idtype("UIN", "63710145")), "rjct.search_criteria.invalid", "16 digits"),
        (
            request(predicate({"expression1": term("poverty_score", "lt", 2.5)})),
            "rjct.search_criteria.invalid",
            "poverty_score",
        ),
        (
            request(predicate({"expression1": term("UIN", "gt", SITI_NIK)})),
            "rjct.search_criteria.invalid",
            "operator",
        ),
        (request(expression({"age": {"$regex": "1"}})), "rjct.search_criteria.invalid", "$regex"),
        (
            request(expression({"sex": "female"}, "Group")),
            "rjct.search_criteria.invalid",
            "not searchable for Group",
        ),
        (
            request(
                {
                    **expression({"sex": "female"}),
                    "query": {"type": "ns:org:QueryType:graphql", "value": {"expression": {"query": {}}}},
                }
            ),
            "rjct.search_criteria.invalid",
            "graphql",
        ),
        (
            request({"query_type": "idtype-value", "query": [1]}),
            "rjct.search_criteria.invalid",
            "search_criteria.query",
        ),
        (request({"query_type": "sql", "query": "SELECT 1"}), "rjct.search_criteria.invalid", "query_type"),
        (
            request(idtype("UIN", SITI_NIK, reg_type="ns:org:RegistryType:Farmer")),
            "rjct.search_criteria.invalid",
            "social",
        ),
        (
            request(idtype("UIN", SITI_NIK, pagination={"page_size": 0})),
            "rjct.pagination.invalid",
            "page_size",
        ),
        (request(idtype("UIN", SITI_NIK, pagination={"page_size": 501})), "rjct.pagination.invalid", "500"),
        (request(idtype("UIN", SITI_NIK, sort=[{"attribute_name": "nik"}])), "rjct.sort.invalid", "'nik'"),
        (request(idtype("UIN", SITI_NIK), timestamp="yesterday"), "rjct.timestamp.invalid", "ISO 8601"),
        (request(idtype("UIN", SITI_NIK), timestamp="2026-11-23T10:30:00"), "rjct.timestamp.invalid", "zone"),
        (request(None), "rjct.search_criteria.invalid", "required"),
        (request(idtype("UIN", SITI_NIK), reference_id=" "), "rjct.reference_id.invalid", "reference_id"),
    ],
)
async def test_a_search_request_that_cannot_run_is_rejected_with_a_reason(
    registry: httpx.AsyncClient, item: dict[str, Any], code: str, says: str
) -> None:
    data = await answer(registry, envelope(item))
    [result] = data["message"]["search_response"]
    assert (result["status"], result["status_reason_code"]) == ("rjct", code), result
    assert says in result["status_reason_message"]


async def test_duplicate_reference_id(registry: httpx.AsyncClient) -> None:
    body = envelope(request(idtype("UIN", SITI_NIK), "same"), request(idtype("NIK", SITI_NIK), "same"))
    first, second = (await answer(registry, body))["message"]["search_response"]
    assert first["status"] == "succ"
    assert (second["status"], second["status_reason_code"]) == ("rjct", "rjct.reference_id.duplicate")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ({"action": "subscribe"}, "rjct.action.invalid"),
        ({"action": "x" * 2000}, "rjct.action.invalid"),  # echoed, within the spec's 999 characters
        ({"version": "2.0.0"}, "rjct.version.invalid"),
        ({"message_ts": "23/11/2026"}, "rjct.message_ts.invalid"),
        ({"total_count": 3}, "rjct.total_count.invalid"),
    ],
)
async def test_a_header_that_cannot_be_acted_on_is_rejected(
    registry: httpx.AsyncClient, header: dict[str, Any], code: str
) -> None:
    data = await answer(registry, envelope(request(idtype("UIN", SITI_NIK)), **header))
    assert (data["header"]["status"], data["header"]["status_reason_code"]) == ("rjct", code)
    assert data["header"]["status_reason_message"]
    assert data["message"]["search_response"] == [] and data["message"]["correlation_id"]


async def test_too_many_search_requests(registry: httpx.AsyncClient) -> None:
    body = envelope(*[request(idtype("UIN", SITI_NIK), f"ref-{i}") for i in range(21)])
    data = await answer(registry, body)
    assert data["header"]["status_reason_code"] == "rjct.total_count.limit_exceeded"


async def test_a_role_without_regions_finds_nothing(registry: httpx.AsyncClient) -> None:
    await family(registry)
    operator = auth("institution_operator", institutions=[str(uuid.uuid4())])
    result = await search(registry, idtype("UIN", SITI_NIK), operator)
    assert records(result) == [] and result["pagination"]["total_count"] == 0
    machine = await search(registry, idtype("UIN", SITI_NIK), auth("service"))  # unscoped, like admin
    assert len(records(machine)) == 1
