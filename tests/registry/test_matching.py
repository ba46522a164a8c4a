"""Identity matching: the online match (POST /people/match) against real PostgreSQL, the comparisons
and the EM estimate behind it, and the model's endpoints."""

import random
import uuid
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.registry.matching import comparisons as cmp
from services.registry.matching.comparisons import FIELDS, prepare
from services.registry.matching.em import em_session, estimate
from services.registry.matching.model import DEFAULT, NIK_SHARED, MatchModel
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

ADMIN = auth("admin", pii=True)
OFFICER = auth("provincial_officer", regions=["63"], pii=True)
VILLAGE = "63.71.01.1001"
SITI = {
    "nik": "6371014506850001",  # 63.71.01, born 05-06-1985, female
    "kk_number": "6371011203150002",
    "full_name": "Hj. Siti Rahmah",
    "birth_date": "1985-06-05",
    "sex": "F",
    "address": "Jl. Pramuka No. 12",
    "region_code": VILLAGE,
}
YUSUF = {
    "nik": "6371011708790003",
    "full_name": "Muhammad Yusuf",
    "birth_date": "1979-08-17",
    "sex": "M",
    "region_code": VILLAGE,
}


async def create(client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN) -> dict:
    response = await client.post("/api/v1/people", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def match(
    client: httpx.AsyncClient, *records: dict[str, Any], headers: dict[str, str] = ADMIN, top: int = 5
) -> list[dict[str, Any]]:
    response = await client.post(
        "/api/v1/people/match", json={"records": list(records), "top": top}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]


def evidence(candidate: dict[str, Any]) -> dict[str, str]:
    return {f["field"]: f["level"] for f in candidate["evidence"]["fields"]}


async def crowd(client: httpx.AsyncClient) -> None:
    """People who share a birth date or a name with the ones the tests look for."""
    for name, born, sex in [
        ("Siti Aminah", "1985-06-05", "F"),
        ("Rahmah Hasanah", "1985-06-05", "F"),
        ("Siti Rahmawati", "1990-02-11", "F"),
        ("Ahmad Yusuf", "1979-08-17", "M"),
        ("Muhammad Yunus", "1981-03-02", "M"),
    ]:
        await create(client, {"full_name": name, "birth_date": born, "sex": sex, "region_code": VILLAGE})


# ---- the online match


async def test_full_record_matches_first_with_scores_in_unit_interval(registry: httpx.AsyncClient) -> None:
    siti = await create(registry, SITI)
    await crowd(registry)
    [result] = await match(registry, {**SITI, "ref": "q1"})
    assert result["ref"] == "q1" and result["index"] == 0
    first = result["candidates"][0]
    assert first["person"]["id"] == siti["id"]
    assert first["decision"] == "match" and result["decision"] == "match"
    scores = [c["score"] for c in result["candidates"]]
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    # Women born the same day in the same village, with names alike, rank below: never a match.
    assert len(result["candidates"]) > 1 and all(c["decision"] != "match" for c in result["candidates"][1:])
    assert evidence(first) == {
        "nik": "exact",
        "name": "exact",
        "birth_date": "exact",
        "sex": "same",
        "household": "same_kk",
    }
    assert all(f["weight"] > 0 for f in first["evidence"]["fields"])


async def test_without_nik_name_variants_and_titles_still_match(registry: httpx.AsyncClient) -> None:
    yusuf = await create(registry, YUSUF)
    await crowd(registry)
    [result] = await match(
        registry,
        {"full_name": "H. M. Yusup, S.Pd", "birth_date": "1979-08-17", "sex": "M", "region_code": VILLAGE},
    )
    first = result["candidates"][0]
    assert first["person"]["id"] == yusuf["id"] and first["decision"] == "match"
    assert evidence(first)["name"] == "exact" and evidence(first)["nik"] == "missing"


@pytest.mark.parametrize(
    ("registered", "written"),
    [
        ("Nurhayati", "Nur Hayati"),  # spacing
        ("Djoko Soesilo", "Joko Susilo"),  # the old spelling
        ("Chairul Anwar", "Khairul Anwar"),  # transliteration
        ("Syamsul Bahri", "Samsul Bahri"),
        ("Rahmah Siti", "Siti Rahmah"),  # order
    ],
)
async def test_spacing_and_transliteration(
    registry: httpx.AsyncClient, registered: str, written: str
) -> None:
    person = await create(
        registry, {"full_name": registered, "birth_date": "1970-01-20", "sex": "F", "region_code": VILLAGE}
    )
    [result] = await match(
        registry, {"full_name": written, "birth_date": "1970-01-20", "region_code": VILLAGE}
    )
    first = result["candidates"][0]
    assert first["person"]["id"] == person["id"]
    assert evidence(first)["name"] == "exact" and first["decision"] == "match"


async def test_name_typo(registry: httpx.AsyncClient) -> None:
    person = await create(registry, SITI)
    await crowd(registry)
    [result] = await match(
        registry, {"full_name": "Siti Rhamah", "birth_date": "1985-06-05", "region_code": VILLAGE}
    )
    first = result["candidates"][0]
    assert first["person"]["id"] == person["id"] and evidence(first)["name"] == "one_typo"
    assert first["decision"] == "match"


async def test_day_month_swap(registry: httpx.AsyncClient) -> None:
    person = await create(registry, SITI)
    await crowd(registry)
    [result] = await match(
        registry, {"full_name": "Siti Rahmah", "birth_date": "1985-05-06", "sex": "F", "region_code": VILLAGE}
    )
    first = result["candidates"][0]
    assert first["person"]["id"] == person["id"]
    assert evidence(first)["birth_date"] == "day_month_swapped" and first["decision"] == "match"


@pytest.mark.parametrize(
    "typed",
    [
        "6372014506850001",  # one digit: the regency
        "6371014506850010",  # two adjacent digits swapped in the serial
        "6381014506950001",  # two digits: the regency and the year
    ],
)
async def test_nik_typos(registry: httpx.AsyncClient, typed: str) -> None:
    person = await create(registry, SITI)
    await crowd(registry)
    [result] = await match(
        registry, {"nik": typed, "full_name": "Siti Rahmah", "birth_date": "1985-06-05", "sex": "F"}
    )
    first = result["candidates"][0]
    assert first["person"]["id"] == person["id"]
    assert evidence(first)["nik"] == "one_or_two_digits" and first["decision"] == "match"


async def test_nik_alone_finds_the_person_despite_a_typo_in_the_serial(registry: httpx.AsyncClient) -> None:
    person = await create(registry, SITI)
    [exact] = await match(registry, {"nik": SITI["nik"]})
    assert exact["candidates"][0]["person"]["id"] == person["id"]
    [typo] = await match(registry, {"nik": "6371014506850007"})
    assert typo["candidates"][0]["person"]["id"] == person["id"]  # found by the first 12 digits


async def test_missing_fields(registry: httpx.AsyncClient) -> None:
    person = await create(registry, SITI)
    await crowd(registry)
    name_only, kk_only, name_village = await match(
        registry,
        {"full_name": "Siti Rahmah"},
        {"kk_number": SITI["kk_number"]},
        {"full_name": "Siti Rahmah", "region_code": VILLAGE, "sex": "F"},
    )
    for result in (name_only, kk_only, name_village):
        assert result["candidates"][0]["person"]["id"] == person["id"]
        assert 0 <= result["candidates"][0]["score"] <= 1
    assert evidence(name_only["candidates"][0])["birth_date"] == "missing"
    # A name alone is not proof: never a `match` without anything else agreeing.
    assert name_only["decision"] != "match"


async def test_a_nik_shared_by_two_different_people_is_flagged_never_matched(
    registry: httpx.AsyncClient,
) -> None:
    await create(registry, SITI)
    # Her NIK, typed on her husband's row: another name, birth date and sex.
    [result] = await match(
        registry,
        {
            "nik": SITI["nik"],
            "full_name": "Ahmad Fauzi",
            "birth_date": "1980-01-02",
            "sex": "M",
            "region_code": VILLAGE,
        },
    )
    first = result["candidates"][0]
    assert first["decision"] == "possible"
    assert NIK_SHARED in first["evidence"]["flags"]


async def test_top_limits_and_ranks(registry: httpx.AsyncClient) -> None:
    await create(registry, SITI)
    await crowd(registry)
    [result] = await match(registry, {"full_name": "Siti", "birth_date": "1985-06-05"}, top=2)
    assert len(result["candidates"]) == 2


async def test_a_thousand_records_in_one_call_and_no_more(registry: httpx.AsyncClient) -> None:
    person = await create(registry, SITI)
    records = [{"full_name": f"Orang {i}", "birth_date": "1985-06-05"} for i in range(999)] + [SITI]
    results = await match(registry, *records, top=1)
    assert len(results) == 1000 and results[999]["candidates"][0]["person"]["id"] == person["id"]
    response = await registry.post("/api/v1/people/match", json={"records": [*records, SITI]}, headers=ADMIN)
    assert response.status_code == 422
    assert "records" in {e["field"] for e in response.json()["errors"]}


async def test_records_of_one_call_do_not_mix(registry: httpx.AsyncClient) -> None:
    siti, yusuf = await create(registry, SITI), await create(registry, YUSUF)
    for_siti, for_yusuf = await match(registry, {"nik": SITI["nik"]}, {"nik": YUSUF["nik"]})
    assert [c["person"]["id"] for c in for_siti["candidates"]] == [siti["id"]]
    assert [c["person"]["id"] for c in for_yusuf["candidates"]] == [yusuf["id"]]


async def test_bad_records_are_named(registry: httpx.AsyncClient) -> None:
    response = await registry.post("/api/v1/people/match", json={"records": [{"sex": "F"}]}, headers=ADMIN)
    assert response.status_code == 422 and response.json()["errors"][0]["field"].startswith("records.0")
    missing = await registry.post(
        "/api/v1/people/match", json={"records": [{"person_id": str(uuid.uuid4())}]}, headers=ADMIN
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "records.0.person_id"


async def test_scope_masking_and_access_log(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    siti = await create(registry, SITI)
    query = {"full_name": "Siti Rahmah", "birth_date": "1985-06-05"}
    # A regency officer of Banjarbaru does not see a person of Banjarmasin, not even as a candidate.
    [elsewhere] = await match(registry, query, headers=auth("regency_officer", regions=["63.72"]))
    assert elsewhere["candidates"] == [] and elsewhere["decision"] == "no_match"
    # One of Banjarmasin without pii:read sees her, masked.
    [masked] = await match(registry, query, headers=auth("regency_officer", regions=["63.71"]))
    person = masked["candidates"][0]["person"]
    assert person["id"] == siti["id"] and person["masked"] is True
    assert person["nik"] == "6371**********01" and person["birth_date"] is None
    async with engine.connect() as conn:
        logged = await conn.scalar(
            text("SELECT count(*) FROM registry.access_log WHERE person_id = :p AND action = 'match'"),
            {"p": siti["id"]},
        )
    assert logged == 0
    [unmasked] = await match(registry, query, headers=OFFICER)
    assert unmasked["candidates"][0]["person"]["nik"] == SITI["nik"]
    async with engine.connect() as conn:
        logged = await conn.scalar(
            text("SELECT count(*) FROM registry.access_log WHERE person_id = :p AND action = 'match'"),
            {"p": siti["id"]},
        )
    assert logged == 1


async def test_who_may_match(registry: httpx.AsyncClient) -> None:
    await create(registry, SITI)
    body = {"records": [{"full_name": "Siti Rahmah"}]}
    for role, allowed in [
        ("viewer", False),
        ("institution_operator", False),
        ("field_officer", True),
        ("service", True),
    ]:
        response = await registry.post("/api/v1/people/match", json=body, headers=auth(role, regions=["63"]))
        assert (response.status_code == 200) is allowed, (role, response.text)


async def test_a_registered_person_is_not_their_own_candidate(registry: httpx.AsyncClient) -> None:
    siti = await create(registry, SITI)
    twin = await create(registry, {**SITI, "nik": None, "full_name": "Siti Rahma", "kk_number": None})
    [result] = await match(registry, {"person_id": siti["id"]})
    ids = [c["person"]["id"] for c in result["candidates"]]
    assert siti["id"] not in ids and ids[0] == twin["id"]


# ---- the model's endpoints


async def test_model_defaults_then_estimated_from_the_registry(registry: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    response = await registry.get("/api/v1/matching/model", headers=OFFICER)
    assert response.status_code == 200 and response.json()["id"] is None
    assert set(response.json()["fields"]) == {f.name for f in FIELDS}
    await _bulk_people(engine, 1500)
    refused = await registry.post("/api/v1/matching/models", json={}, headers=OFFICER)
    assert refused.status_code == 403
    created = await registry.post("/api/v1/matching/models", json={"people": 1000}, headers=ADMIN)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] and body["estimated_from"]["people"] >= 1000
    assert {s["rule"] for s in body["estimated_from"]["sessions"]} == {"birth_date", "kk_number"}
    name = body["fields"]["name"]
    assert name["weights"][0] > 0 > name["weights"][-1]
    again = await registry.get("/api/v1/matching/model", headers=OFFICER)
    assert again.json()["id"] == body["id"]


async def _bulk_people(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    """People straight into the table (as an import would land them): households of four in one
    regency, a few entered twice."""
    rng = random.Random(3)
    firsts = ["siti", "nur", "ahmad", "muhammad", "rahmah", "budi", "dewi", "yusuf", "fatimah", "ali"]
    lasts = ["rahman", "hasanah", "saputra", "lestari", "hidayat", "wati", ""]
    rows = []
    for i in range(count):
        household = i // 4
        name = f"{rng.choice(firsts)} {rng.choice(lasts)}".strip()
        born = date(1950 + rng.randrange(70), 1 + rng.randrange(12), 1 + rng.randrange(28))
        row = {
            "id": uuid.uuid4(),
            "full_name": name,
            "name_normalized": name,
            "birth_date": born,
            "sex": rng.choice("MF"),
            "kk_number": f"637101010120{household:04d}",
            "region_code": f"63.71.01.100{1 + household % 5}",
            "address": f"jl pramuka no {household}",
        }
        rows.append(row)
        if rng.random() < 0.05:
            rows.append({**row, "id": uuid.uuid4(), "full_name": name + "h", "name_normalized": name + "h"})
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO registry.people (id, full_name, name_normalized, birth_date, sex, kk_number,"
                " region_code, address) VALUES (:id, :full_name, :name_normalized, :birth_date, :sex,"
                " :kk_number, :region_code, :address)"
            ),
            rows,
        )


# ---- comparisons and EM, without the database


def rec(name: str, **fields: Any) -> cmp.Rec:
    from services.registry.people.names import normalise

    return prepare(
        nik=fields.get("nik"),
        name_normalized=normalise(name),
        birth_date=fields.get("born"),
        sex=fields.get("sex"),
        region_code=fields.get("region", VILLAGE),
        kk_number=fields.get("kk"),
        address=fields.get("address"),
    )


def test_name_levels() -> None:
    assert cmp.name_level(rec("Nur Hayati"), rec("Nurhayati")) == 0
    assert cmp.name_level(rec("Hj. Siti Fatimah, S.Pd"), rec("Siti Fatima")) == 0
    assert cmp.name_level(rec("Rahmat Setiawan"), rec("Rahmta Setiawan")) == 1
    assert cmp.name_level(rec("Siti Rahmah"), rec("Siti Rahmah Hasanah")) == 3
    assert cmp.name_level(rec("Budi Santoso"), rec("Dewi Lestari")) == 5


def test_a_near_nik_is_a_typo_only_when_nothing_says_two_people() -> None:
    born = date(1985, 6, 5)
    a = rec("Siti Rahmah", nik="6371014506850001", born=born)
    assert cmp.compare(a, rec("Siti Rahmah", nik="6372014506850001", born=born))[cmp.NIK] == 1
    # Two people born on one day in two districts: serial 0001 in both, only the district differs.
    assert cmp.compare(a, rec("Siti Rahmah", nik="6371024506850001", born=born))[cmp.NIK] == 2
    # The names disagree: neighbouring serials of two registrations.
    assert cmp.compare(a, rec("Dewi Lestari", nik="6371014506850002", born=born))[cmp.NIK] == 2


def test_nik_shared_rule() -> None:
    shared = cmp.compare(
        rec("Siti Rahmah", nik="6371014506850001", born=date(1985, 6, 5), sex="F"),
        rec("Ahmad Fauzi", nik="6371014506850001", born=date(1980, 1, 2), sex="M"),
    )
    assert cmp.nik_shared_by_different_people(shared)
    score, flags = DEFAULT.assess(shared)
    assert flags == [NIK_SHARED] and score < 0.5
    one = cmp.compare(
        rec("Siti Rahmah", nik="6371014506850001", born=date(1985, 6, 5), sex="F"),
        rec("Siti Rahma", nik="6371014506850001", born=date(1985, 6, 5), sex="F"),
    )
    assert not cmp.nik_shared_by_different_people(one) and DEFAULT.assess(one)[0] > 0.99


def test_weights_never_favour_a_weaker_agreement() -> None:
    for weights in DEFAULT.weights:
        levels = weights[:-1]
        assert levels == sorted(levels, reverse=True)


def test_em_recovers_the_parameters_it_was_given() -> None:
    """Patterns drawn from a known model: EM (u fixed, as in training) finds m and λ again."""
    rng = random.Random(5)
    truth = MatchModel(
        prior=0.02,
        m=[
            [0.9, 0.05, 0.05],
            [0.7, 0.2, 0.04, 0.03, 0.02, 0.01],
            [0.9, 0.03, 0.03, 0.02, 0.02],
            [0.98, 0.02],
            [0.8, 0.05, 0.05, 0.03, 0.03, 0.02, 0.01, 0.01],
        ],
        u=DEFAULT.u,
    )
    patterns: Counter[tuple[int, ...]] = Counter()
    for _ in range(200_000):
        dist = truth.m if rng.random() < truth.prior else truth.u
        patterns[tuple(rng.choices(range(len(d)), weights=d)[0] for d in dist)] += 1
    m, prior, _, converged = em_session(patterns, truth.u, DEFAULT.m, DEFAULT.m, frozenset())
    assert converged and abs(prior - 0.02) < 0.003
    assert abs(m[cmp.NAME][0] - 0.7) < 0.03 and abs(m[cmp.BIRTH_DATE][0] - 0.9) < 0.03


def test_estimate_runs_on_prepared_people() -> None:
    rng = random.Random(1)
    people = []
    for i in range(3000):
        name = rng.choice(["siti", "nur", "ahmad", "budi"]) + " " + rng.choice(["rahman", "lestari", "wati"])
        born = date(1950 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
        kk = f"63710101012{i // 4:05d}"
        people.append(
            prepare(
                nik=None,
                name_normalized=name,
                birth_date=born,
                sex="F",
                region_code=VILLAGE,
                kk_number=kk,
                address=None,
            )
        )
        if i % 25 == 0:
            people.append(
                prepare(
                    nik=None,
                    name_normalized=name + "h",
                    birth_date=born,
                    sex="F",
                    region_code=VILLAGE,
                    kk_number=kk,
                    address=None,
                )
            )
    result = estimate([people], DEFAULT, random_pairs=50_000)
    assert result.expected_true_pairs == pytest.approx(120, rel=0.3)
    assert result.model.weights[cmp.NAME][1] > 0  # one typo speaks for one person
