"""The authorisation matrix over data: one record of every kind in Kota Banjarmasin (63.71, Kalimantan
Selatan) and one in Kota Samarinda (64.72, Kalimantan Timur); a regency officer of 63.71 (and
Kalimantan Selatan's provincial officer) reads the first and is told the second does not exist (404,
not 403: its existence is not theirs to know); no list shows them anything of Samarinda.

The routes come from the three OpenAPI documents: a new GET route with a path id fails
`test_every_record_route_has_a_fixture` until it is declared in ROUTES below, with the records that
fill its path in each region (or why its answer is the same for both)."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support import auth

ADMIN = auth("admin", pii=True, sub="matrix-admin")
SERVICE = auth("service")
OFFICERS = {
    "63": auth("provincial_officer", regions=["63"]),
    "64": auth("provincial_officer", regions=["64"]),
}
# The reader under test: a regency officer of Kota Banjarmasin, with personal data unmasked (so that a
# route needing pii:read answers on scope, not on masking).
KOTA = auth("regency_officer", regions=["63.71"], pii=True, sub="kota-banjarmasin")
# The same expectations hold one level up: Kalimantan Selatan's provincial officer.
READERS = {
    "regency_officer": KOTA,
    "provincial_officer": auth("provincial_officer", regions=["63"], pii=True, sub="kalsel-reader"),
}
TODAY = datetime.now(UTC).date()
YEAR = TODAY.year
LAST_MONTH = (TODAY - timedelta(days=30)).isoformat()
SIDES = {
    "in": ("63", "63.71", "63.71.01", "63.71.01.1001"),
    "out": ("64", "64.72", "64.72.01", "64.72.01.1001"),
}

# The smallest PNG there is (1×1, grey): attachments judge a file by its content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63600000000200015ad7e3a40000000049454e44ae426082"
)
Records = dict[str, dict[str, str]]  # side -> kind -> id


@dataclass(frozen=True)
class Route:
    """How to fill a GET route's path from the records of one side, and what a 63.71 officer gets.

    scoped: 2xx for the Banjarmasin record, 404 for the Samarinda one.
    public: the same answer for both (reference data, not any region's records): 2xx.
    refused: the officer's role may not use the route at all: 403 for both (`why` says so).
    named: the caller names the region in the query (region codes are public): 2xx, and 403 for
    Samarinda."""

    fill: Callable[[dict[str, str]], dict[str, str]]
    expect: str = "scoped"
    why: str = ""
    query: Callable[[dict[str, str]], dict[str, str]] | None = None
    # Answers that speak of the record itself besides 2xx (a run the worker has not computed yet is
    # "not ready", which still says the officer may see it).
    also: tuple[int, ...] = ()


def by(kind: str, name: str) -> Callable[[dict[str, str]], dict[str, str]]:
    return lambda r: {name: r[kind]}


ROUTES: dict[str, dict[str, Route]] = {
    "registry": {
        "/api/v1/people/{person_id}": Route(by("person", "person_id")),
        "/api/v1/people/{person_id}/history": Route(by("person", "person_id")),
        "/api/v1/people/{person_id}/data-export": Route(by("person", "person_id")),
        "/api/v1/people/{person_id}/ppks-assessments": Route(by("person", "person_id")),
        "/api/v1/households/{household_id}": Route(by("household", "household_id")),
        "/api/v1/ppks-assessments/{assessment_id}": Route(by("assessment", "assessment_id")),
        "/api/v1/imports/{import_id}": Route(by("import", "import_id")),
        "/api/v1/imports/{import_id}/errors": Route(by("import", "import_id")),
        "/api/v1/duplicates/scans/{scan_id}": Route(by("scan", "scan_id")),
        "/api/v1/duplicates/{pair_id}": Route(by("pair", "pair_id")),
        "/api/v1/regions/{code}": Route(
            lambda r: {"code": r["region"]}, "public", "the Kemendagri code list"
        ),
        "/api/v1/regions/{code}/children": Route(lambda r: {"code": r["region"]}, "public", "the code list"),
        "/api/v1/targeting/people/{person_id}": Route(
            by("person", "person_id"), "refused", "the worker's targeting read, service role only"
        ),
    },
    "programs": {
        "/api/v1/programs/{program_id}": Route(by("program", "program_id")),
        "/api/v1/programs/{program_id}/activities": Route(by("program", "program_id")),
        "/api/v1/programs/{program_id}/targeting-rules": Route(by("program", "program_id")),
        "/api/v1/programs/{program_id}/targeting-runs": Route(by("program", "program_id")),
        "/api/v1/enrolments/{enrolment_id}": Route(by("enrolment", "enrolment_id")),
        "/api/v1/enrolments/{enrolment_id}/benefits": Route(by("enrolment", "enrolment_id")),
        "/api/v1/indicators/{indicator_id}": Route(by("indicator", "indicator_id")),
        "/api/v1/institutions/{institution_id}": Route(by("institution", "institution_id")),
        "/api/v1/institutions/{institution_id}/caseload": Route(by("institution", "institution_id")),
        "/api/v1/admissions/{admission_id}": Route(by("admission", "admission_id")),
        "/api/v1/admissions/{admission_id}/basic-needs": Route(by("admission", "admission_id")),
        "/api/v1/kube-groups/{group_id}": Route(by("kube", "group_id")),
        "/api/v1/kube-groups/{group_id}/aids": Route(by("kube", "group_id")),
        "/api/v1/kube-aids/{aid_id}/uses": Route(by("kube_aid", "aid_id")),
        "/api/v1/targeting-runs/{run_id}": Route(by("run", "run_id")),
        "/api/v1/targeting-runs/{run_id}/candidates": Route(by("run", "run_id")),
        "/api/v1/targeting-runs/{run_id}/explain": Route(
            by("run", "run_id"), query=lambda r: {"person_id": r["client"]}, also=(409,)
        ),
        "/api/v1/targeting-runs/{run_id}/decisions": Route(by("run", "run_id")),
        "/api/v1/targeting-runs/{run_id}/fairness": Route(by("run", "run_id"), also=(409,)),
        "/api/v1/attachments/{attachment_id}": Route(by("attachment", "attachment_id")),
        "/api/v1/attachments/{attachment_id}/content": Route(by("attachment", "attachment_id")),
        "/api/v1/people/{person_id}/data-export": Route(by("client", "person_id")),
    },
    "disaster": {
        "/api/v1/disasters/{disaster_id}": Route(by("disaster", "disaster_id")),
        "/api/v1/disasters/{disaster_id}/entitlements": Route(by("disaster", "disaster_id")),
        "/api/v1/disasters/{disaster_id}/sitrep": Route(by("disaster", "disaster_id")),
        "/api/v1/sites/{site_id}": Route(by("site", "site_id")),
        "/api/v1/victims/{victim_id}": Route(by("victim", "victim_id")),
        "/api/v1/warehouses/{warehouse_id}/stock": Route(by("warehouse", "warehouse_id")),
        "/api/v1/warehouses/{warehouse_id}/ledger": Route(by("warehouse", "warehouse_id")),
        "/api/v1/distributions/{distribution_id}": Route(by("distribution", "distribution_id")),
        "/api/v1/people/{person_id}/data-export": Route(by("victim_person", "person_id")),
        "/api/v1/targets/victims/{year}": Route(
            lambda r: {"year": str(YEAR)},
            "named",
            "the region is named in the query: refusing it reveals nothing",
            query=lambda r: {"region": r["region"]},
        ),
        "/api/v1/attachments/{attachment_id}": Route(by("attachment", "attachment_id")),
        "/api/v1/attachments/{attachment_id}/content": Route(by("attachment", "attachment_id")),
    },
}


def _record_routes(app: Any) -> list[str]:
    return [
        template
        for template, item in app.openapi()["paths"].items()
        if template.startswith("/api/v1/") and "get" in item and "{" in template
    ]


def _list_routes(app: Any) -> list[str]:
    return [
        template
        for template, item in app.openapi()["paths"].items()
        if template.startswith("/api/v1/") and "get" in item and "{" not in template
    ]


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    body: dict[str, Any] = response.json()
    return body


# --- One record of every kind on each side ---------------------------------------------------------


async def _registry_side(client: httpx.AsyncClient, side: str, serial: int) -> dict[str, str]:
    province, regency, _, village = SIDES[side]
    district = village[:8].replace(".", "")
    officer = OFFICERS[province]
    out: dict[str, str] = {"region": regency}

    async def person(name: str, nik_serial: int) -> dict[str, Any]:
        return await _created(
            await client.post(
                "/api/v1/people",
                json={
                    "nik": f"{district}450685{nik_serial:04d}",
                    "full_name": name,
                    "birth_date": "1985-06-05",
                    "sex": "F",
                    "region_code": village,
                    "welfare_decile": 1,
                },
                headers=ADMIN,
            )
        )

    siti = await person("Siti Rahmah", serial)
    out["person"] = siti["id"]
    household = await _created(
        await client.post(
            "/api/v1/households",
            json={
                "kk_number": f"{district}150315{serial:04d}",
                "region_code": village,
                "members": [{"person_id": siti["id"], "relationship": "1"}],
            },
            headers=ADMIN,
        )
    )
    out["household"] = household["id"]
    assessment = await _created(
        await client.post(
            f"/api/v1/people/{siti['id']}/ppks-assessments",
            json={"ppks_type": "24", "assessed_on": LAST_MONTH},
            headers=ADMIN,
        )
    )
    out["assessment"] = assessment["id"]
    feed = f"id_dtks,nama,kode_wilayah\nDTKS-{side}-1,Budi Santoso,{village}\n".encode()
    # Imports are seen by officers whose regions hold all of the uploader's: a city's own upload.
    uploader = auth("provincial_officer", regions=[regency], sub=f"uploader-{regency}")
    imported = await _created(
        await client.post("/api/v1/imports", files={"file": ("f.csv", feed, "text/csv")}, headers=uploader)
    )
    out["import"] = imported["id"]
    # A likely duplicate of Siti (same name and birth date, one NIK digit apart), found by a scan run
    # here as the worker would.
    await person("Siti Rahmah", serial + 1)
    scan = await _created(
        await client.post("/api/v1/duplicates/scans", json={"region": regency}, headers=officer)
    )
    out["scan"] = scan["id"]
    ran = await client.post(
        f"/api/v1/duplicates/scans/{scan['id']}/partitions/{regency}/run", headers=SERVICE
    )
    assert ran.status_code < 300, ran.text
    pairs = (await client.get("/api/v1/duplicates", params={"region": regency}, headers=ADMIN)).json()[
        "items"
    ]
    assert pairs, f"the scan of {regency} found no pair"
    out["pair"] = pairs[0]["id"]
    return out


async def _programs_side(client: httpx.AsyncClient, side: str, person_id: str) -> dict[str, str]:
    province, regency, district, village = SIDES[side]
    officer = OFFICERS[province]
    client_id = str(uuid.uuid4())
    program = await _created(
        await client.post(
            "/api/v1/programs",
            json={
                "code": f"1.06.02.{side}",
                "name": "Bantuan sosial kota",
                "area": "perlindungan_jaminan_sosial",
                "year": YEAR,
                "funding_source": "APBD",
                "region_code": regency,
                "budget": 10_000_000,
            },
            headers=officer,
        )
    )
    await _created(
        await client.post(
            f"/api/v1/programs/{program['id']}/activities",
            json={"code": "A1", "name": "Permakanan", "budget": 1_000_000},
            headers=officer,
        )
    )
    enrolment = await _created(
        await client.post(
            f"/api/v1/programs/{program['id']}/enrolments",
            json={
                "person_id": client_id,
                "region_code": village,
                "period_start": f"{YEAR}-01-01",
                "period_end": f"{YEAR}-12-31",
            },
            headers=officer,
        )
    )
    indicator = await _created(
        await client.post(
            "/api/v1/indicators",
            json={
                "code": f"IND-{side}",
                "name": "Indikator",
                "unit": "%",
                "direction": "up",
                "region_code": regency,
            },
            headers=officer,
        )
    )
    institution = await _created(
        await client.post(
            "/api/v1/institutions",
            json={"name": "Panti", "kind": "lanjut_usia", "region_code": district, "capacity": 10},
            headers=officer,
        )
    )
    admission = await _created(
        await client.post(
            f"/api/v1/institutions/{institution['id']}/admissions",
            json={"person_id": client_id, "admitted_on": LAST_MONTH},
            headers=officer,
        )
    )
    kube = await _created(
        await client.post(
            "/api/v1/kube-groups",
            json={
                "name": "KUBE Maju Bersama",
                "business": "Warung sembako",
                "region_code": village,
                "formed_on": LAST_MONTH,
                "household_ids": [str(uuid.uuid4()) for _ in range(5)],
            },
            headers=officer,
        )
    )
    kube_aid = await _created(
        await client.post(
            f"/api/v1/kube-groups/{kube['id']}/aids",
            json={"amount": 1_000_000, "given_on": LAST_MONTH},
            headers=officer,
        )
    )
    await _created(
        await client.post(
            f"/api/v1/programs/{program['id']}/targeting-rules",
            json={
                "description": "Desil 1",
                "condition": {"all": [{"attribute": "welfare_decile", "op": "lte", "value": 1}]},
                "priority": ["welfare_decile"],
                "age_on": TODAY.isoformat(),
                "effective_from": f"{YEAR}-01-01",
            },
            headers=officer,
        )
    )
    run = await _created(
        await client.post(f"/api/v1/programs/{program['id']}/targeting-runs", json={}, headers=officer)
    )
    attachment = await _created(
        await client.post(
            "/api/v1/attachments",
            data={"record_type": "admission", "record_id": admission["id"], "kind": "document"},
            files={"file": ("surat.png", PNG, "image/png")},
            headers=officer,
        )
    )
    return {
        "attachment": attachment["id"],
        "program": program["id"],
        "enrolment": enrolment["id"],
        "indicator": indicator["id"],
        "institution": institution["id"],
        "admission": admission["id"],
        "client": client_id,
        "kube": kube["id"],
        "kube_aid": kube_aid["id"],
        "run": run["id"],
    }


async def _disaster_side(client: httpx.AsyncClient, side: str) -> dict[str, str]:
    province, regency, district, village = SIDES[side]
    officer = OFFICERS[province]
    person_id = str(uuid.uuid4())
    disaster = await _created(
        await client.post(
            "/api/v1/disasters",
            json={
                "name": f"Banjir {regency}",
                "kind": "banjir",
                "level": "regency",
                "started_on": (TODAY - timedelta(days=3)).isoformat(),
                "region_codes": [regency],
            },
            headers=officer,
        )
    )
    site = await _created(
        await client.post(
            "/api/v1/sites",
            json={
                "disaster_id": disaster["id"],
                "name": "Posko",
                "region_code": village,
                "covered_area_m2": 35,
                "toilets": 1,
                "water_liters_per_day": 300,
            },
            headers=officer,
        )
    )
    victim = await _created(
        await client.post(
            "/api/v1/victims",
            json={
                "disaster_id": disaster["id"],
                "full_name": "Siti Rahmah",
                "sex": "F",
                "condition": "mengungsi",
                "region_code": village,
                "person_id": person_id,
            },
            headers=officer,
        )
    )
    warehouse = await _created(
        await client.post(
            "/api/v1/warehouses", json={"name": f"Gudang {regency}", "region_code": district}, headers=officer
        )
    )
    await _created(
        await client.post(
            f"/api/v1/warehouses/{warehouse['id']}/receipts",
            json={"item_code": "beras", "quantity": 10},
            headers=officer,
        )
    )
    distribution = await _created(
        await client.post(
            "/api/v1/distributions",
            json={
                "disaster_id": disaster["id"],
                "warehouse_id": warehouse["id"],
                "victim_id": victim["id"],
                "items": [{"item_code": "beras", "quantity": 2}],
            },
            headers=officer,
        )
    )
    target = await client.put(
        f"/api/v1/targets/victims/{YEAR}", params={"region": regency}, json={"target": 100}, headers=officer
    )
    assert target.status_code == 200, target.text
    attachment = await _created(
        await client.post(
            "/api/v1/attachments",
            data={"record_type": "victim", "record_id": victim["id"], "kind": "photo"},
            files={"file": ("foto.png", PNG, "image/png")},
            headers=officer,
        )
    )
    return {
        "region": regency,
        "attachment": attachment["id"],
        "disaster": disaster["id"],
        "site": site["id"],
        "victim": victim["id"],
        "victim_person": person_id,
        "warehouse": warehouse["id"],
        "distribution": distribution["id"],
    }


@pytest.fixture
async def records(
    clean: None, registry: httpx.AsyncClient, programs: httpx.AsyncClient, disaster: httpx.AsyncClient
) -> dict[str, Records]:
    out: dict[str, Records] = {"registry": {}, "programs": {}, "disaster": {}}
    for side, serial in (("in", 1), ("out", 11)):
        out["registry"][side] = await _registry_side(registry, side, serial)
        out["programs"][side] = await _programs_side(programs, side, out["registry"][side]["person"])
        out["disaster"][side] = await _disaster_side(disaster, side)
    return out


# --- The matrix ------------------------------------------------------------------------------------


SERVICES = ("registry", "programs", "disaster")


@pytest.fixture
def clients(
    registry: httpx.AsyncClient, programs: httpx.AsyncClient, disaster: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"registry": registry, "programs": programs, "disaster": disaster}


@pytest.mark.parametrize("service", SERVICES)
def test_every_record_route_has_a_fixture(service: str, clients: dict[str, httpx.AsyncClient]) -> None:
    app = clients[service]._transport.app  # type: ignore[attr-defined]
    missing = [t for t in _record_routes(app) if t not in ROUTES[service]]
    assert not missing, (
        f"GET routes of {service} with no record declared for the scope matrix (add them to ROUTES in "
        f"tests/test_authorization_scope.py): {missing}"
    )
    gone = [t for t in ROUTES[service] if t not in _record_routes(app)]
    assert not gone, f"ROUTES names routes {service} no longer has: {gone}"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("service", SERVICES)
async def test_an_officer_reads_records_of_their_region_only(
    service: str, reader: str, clients: dict[str, httpx.AsyncClient], records: dict[str, Records]
) -> None:
    client = clients[service]
    app = client._transport.app  # type: ignore[attr-defined]
    failures = []
    for template in _record_routes(app):
        route = ROUTES[service].get(template)
        if route is None:
            continue  # test_every_record_route_has_a_fixture fails for it
        answers = []
        for side in ("in", "out"):
            values = records[service][side]
            params = route.query(values) if route.query else None
            answers.append(
                await client.get(_fill(template, route.fill(values)), params=params, headers=READERS[reader])
            )
        mine, theirs = answers
        want = {
            "scoped": ("2xx", 404),
            "public": ("2xx", "2xx"),
            "refused": (403, 403),
            "named": ("2xx", 403),
        }[route.expect]
        got = tuple(
            "2xx"
            if 200 <= r.status_code < 300 or (r is mine and r.status_code in route.also)
            else r.status_code
            for r in (mine, theirs)
        )
        if got != want:
            failures.append(
                f"{template}: Banjarmasin {mine.status_code}, Samarinda {theirs.status_code} "
                f"(want {want}); {theirs.text[:150] if got[1] != want[1] else mine.text[:150]}"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("service", SERVICES)
async def test_no_list_shows_an_officer_another_regions_records(
    service: str, reader: str, clients: dict[str, httpx.AsyncClient], records: dict[str, Records]
) -> None:
    client = clients[service]
    app = client._transport.app  # type: ignore[attr-defined]
    theirs = {v for k, v in records[service]["out"].items() if k != "region"}
    mine = {v for k, v in records[service]["in"].items() if k != "region"}
    failures, answered, shown_mine = [], 0, 0
    for template in _list_routes(app):
        response = await client.get(template, headers=READERS[reader])
        if response.status_code >= 500:
            failures.append(f"{template}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue  # needs parameters, or not for this role: it shows nothing either way
        answered += 1
        leaked = sorted(i for i in theirs if i in response.text)
        if leaked:
            failures.append(f"{template}: shows Samarinda records {leaked}")
        shown_mine += any(i in response.text for i in mine)
    assert not failures, "\n".join(failures)
    # The check means something only if lists answer and show the officer's own records.
    assert answered >= 3 and shown_mine >= 2, (answered, shown_mine)
