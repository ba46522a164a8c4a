"""Progress against the year's target, the situation report, and both as HXL-tagged CSV: counts that add
up, in the caller's regions only, and cells a spreadsheet cannot run as formulas."""

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest

from tests.disaster.scenes import (
    BANJAR,
    KOTA,
    PROVINCE,
    STARTED,
    TAGANA,
    TAGANA_BANJAR,
    TODAY,
    VIEWER,
    check_in,
    declare,
    problem,
    site,
    victim,
    warehouse,
)

pytestmark = pytest.mark.usefixtures("clean")

YEAR = TODAY.year
HANDED = f"{STARTED + timedelta(days=1)}T10:00:00+08:00"


def parse_csv(response: httpx.Response) -> tuple[list[str], list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    headers, tags, data = lines[0], lines[1], lines[2:]
    assert all(tag.startswith("#") for tag in tags)
    return headers, tags, [dict(zip(tags, row, strict=True)) for row in data]


async def give(
    client: httpx.AsyncClient, flood: dict, gudang: dict, headers: dict = TAGANA, **recipient: object
) -> None:
    response = await client.post(
        "/api/v1/distributions",
        json={
            "disaster_id": flood["id"],
            "warehouse_id": gudang["id"],
            "items": [{"item_code": "beras", "quantity": 2}],
            "distributed_at": HANDED,
            **recipient,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def scene(client: httpx.AsyncClient) -> dict:
    """A province-level flood in Kota Banjarmasin and Kabupaten Banjar."""
    flood = await declare(client, regions=["63.71", "63.03"], level="province")
    kota_gudang = await warehouse(client, stock={"beras": 100})
    banjar_gudang = await warehouse(client, region="63.03.01", stock={"beras": 100})
    posko = await site(client, flood["id"])
    household = str(uuid.uuid4())
    people = {
        "dead": await victim(
            client, flood["id"], full_name="Almarhum", condition="meninggal", household_id=household
        ),
        "missing": await victim(client, flood["id"], full_name="Hilang", condition="hilang"),
        "injured": await victim(client, flood["id"], full_name="Luka", condition="luka"),
        "sheltered": await victim(client, flood["id"], full_name="Mengungsi", condition="mengungsi"),
        "family": await victim(client, flood["id"], full_name="Keluarga", household_id=household),
        "untouched": await victim(client, flood["id"], full_name="Belum dibantu"),
        "banjar": await victim(
            client, flood["id"], headers=TAGANA_BANJAR, full_name="Martapura", region_code="63.03.01.2001"
        ),
    }
    assert (await check_in(client, posko["id"], people["sheltered"]["id"])).status_code == 201
    await give(client, flood, kota_gudang, victim_id=people["injured"]["id"])
    await give(client, flood, kota_gudang, household_id=household)  # aids "family"; "dead" is not counted
    await give(client, flood, banjar_gudang, headers=TAGANA_BANJAR, victim_id=people["banjar"]["id"])
    return {"flood": flood, "site": posko, "people": people, "gudang": kota_gudang}


async def test_victims_against_the_target(disaster: httpx.AsyncClient) -> None:
    await scene(disaster)
    target = await disaster.put(
        f"/api/v1/targets/victims/{YEAR}", params={"region": "63"}, json={"target": 17000}, headers=PROVINCE
    )
    assert target.status_code == 200 and target.json()["target"] == 17000
    await disaster.put(
        f"/api/v1/targets/victims/{YEAR}", params={"region": "63.71"}, json={"target": 8}, headers=KOTA
    )

    response = await disaster.get(
        "/api/v1/reports/victims", params={"year": YEAR, "region": "63"}, headers=PROVINCE
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["victims"] == 7 and report["target"] == 17000
    assert report["by_condition"] == {"meninggal": 1, "hilang": 1, "luka": 1, "mengungsi": 1, "terdampak": 3}
    # Handled: sheltered (mengungsi), aided (luka, keluarga, banjar); not the dead, missing or untouched.
    assert report["handled"] == {"total": 4, "sheltered": 1, "aided": 3}
    assert report["handled_percent"] == round(4 * 100 / 17000, 1)
    quarter = (TODAY.month - 1) // 3
    assert [q["handled"] for q in report["by_quarter"]][quarter:] == [4] * (4 - quarter)
    assert report["by_quarter"][3]["ends_on"] == f"{YEAR}-12-31"
    areas = {a["region_code"]: a for a in report["by_area"]}
    assert set(areas) == {"63.03", "63.71"}
    assert (
        areas["63.71"]["victims"] == 6
        and areas["63.71"]["handled"]["total"] == 3
        and areas["63.71"]["target"] == 8
    )
    assert areas["63.03"]["victims"] == 1 and areas["63.03"]["target"] is None

    # A regency officer gets their regency only, and cannot ask for the province.
    kota = await disaster.get(
        "/api/v1/reports/victims", params={"year": YEAR, "region": "63.71"}, headers=KOTA
    )
    assert kota.json()["victims"] == 6 and kota.json()["target"] == 8
    assert {a["region_code"] for a in kota.json()["by_area"]} == {"63.71.01"}
    wider = await disaster.get("/api/v1/reports/victims", params={"year": YEAR, "region": "63"}, headers=KOTA)
    assert wider.status_code == 403
    last_year = await disaster.get(
        "/api/v1/reports/victims", params={"year": YEAR - 1, "region": "63"}, headers=PROVINCE
    )
    assert last_year.json()["victims"] == 0 and last_year.json()["target"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "63"}, "year"),
        ({"year": 1990, "region": "63"}, "year"),
        ({"year": YEAR}, "region"),
        ({"year": YEAR, "region": "63-71"}, "region"),
        ({"year": YEAR, "region": "63", "format": "xlsx"}, "format"),
    ],
)
async def test_bad_report_query_is_422_naming_the_field(
    disaster: httpx.AsyncClient, params: dict, field: str
) -> None:
    response = await disaster.get("/api/v1/reports/victims", params=params, headers=PROVINCE)
    assert problem(response)[0::2] == (422, {field})


async def test_targets(disaster: httpx.AsyncClient) -> None:
    url = f"/api/v1/targets/victims/{YEAR}"
    assert (await disaster.get(url, params={"region": "63"}, headers=PROVINCE)).status_code == 404
    for body, field in (({"target": -1}, "target"), ({"target": "banyak"}, "target"), ({}, "target")):
        bad = await disaster.put(url, params={"region": "63"}, json=body, headers=PROVINCE)
        assert problem(bad)[0::2] == (422, {field})
    assert (
        await disaster.put(url, params={"region": "63"}, json={"target": 1}, headers=KOTA)
    ).status_code == 403
    assert (
        await disaster.put(url, params={"region": "63.71"}, json={"target": 1}, headers=VIEWER)
    ).status_code == 403
    assert (
        await disaster.put(url, params={"region": "63"}, json={"target": 17000}, headers=PROVINCE)
    ).status_code == 200
    again = await disaster.put(url, params={"region": "63"}, json={"target": 16500}, headers=PROVINCE)
    assert again.json()["target"] == 16500
    read = await disaster.get(url, params={"region": "63"}, headers=PROVINCE)
    assert read.json()["target"] == 16500 and read.json()["updated_by"] == "kalsel-officer"


async def test_victim_report_as_hxl_csv(disaster: httpx.AsyncClient) -> None:
    await scene(disaster)
    await disaster.put(
        f"/api/v1/targets/victims/{YEAR}", params={"region": "63"}, json={"target": 17000}, headers=PROVINCE
    )
    response = await disaster.get(
        "/api/v1/reports/victims", params={"year": YEAR, "region": "63", "format": "csv"}, headers=PROVINCE
    )
    headers, tags, data = parse_csv(response)
    assert headers[:3] == ["Year", "Level", "Province"]
    for tag in (
        "#adm1+code",
        "#adm2+code",
        "#affected+killed",
        "#affected+displaced",
        "#affected+injured",
        "#targeted",
        "#reached",
    ):
        assert tag in tags
    total = data[0]
    assert total["#meta+level"] == "total" and total["#adm1+code"] == "63" and total["#adm2+code"] == ""
    assert (total["#affected+total"], total["#affected+killed"], total["#reached"], total["#targeted"]) == (
        "7",
        "1",
        "4",
        "17000",
    )
    assert {(r["#adm2+code"], r["#affected+total"]) for r in data[1:]} == {("63.71", "6"), ("63.03", "1")}


async def test_sitrep(disaster: httpx.AsyncClient) -> None:
    s = await scene(disaster)
    url = f"/api/v1/disasters/{s['flood']['id']}/sitrep"
    response = await disaster.get(url, headers=PROVINCE)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["disaster"]["id"] == s["flood"]["id"] and report["day"] == (TODAY - STARTED).days + 1
    assert report["registered"]["total"] == 7 and report["registered"]["by_condition"]["meninggal"] == 1
    assert report["registered"]["handled"]["total"] == 4
    assert report["sheltered_now"] == 1 and report["sites_open"] == 1
    assert [site["id"] for site in report["sites"]] == [s["site"]["id"]]
    assert report["distributions"] == 3
    assert report["items"] == [
        {
            "item_code": "beras",
            "name": "Beras",
            "unit": "kg",
            "quantity": 6,
            "distributions": 3,
            "recipients": 3,
        }
    ]
    # In a regency officer's report, nothing from the other regency.
    banjar = (await disaster.get(url, headers=BANJAR)).json()
    assert banjar["registered"]["total"] == 1 and banjar["distributions"] == 1 and banjar["sites"] == []
    assert banjar["items"][0]["quantity"] == 2
    assert (
        await disaster.get(f"/api/v1/disasters/{uuid.uuid4()}/sitrep", headers=PROVINCE)
    ).status_code == 404


async def test_sitrep_as_hxl_csv_defuses_formulas(disaster: httpx.AsyncClient) -> None:
    flood = await declare(disaster, name='=HYPERLINK("http://evil","klik")')
    await site(
        disaster, flood["id"], name="+628123 Posko", covered_area_m2=7, toilets=0, water_liters_per_day=10
    )
    for part in ("summary", "sites", "items"):
        response = await disaster.get(
            f"/api/v1/disasters/{flood['id']}/sitrep",
            params={"format": "csv", "part": part},
            headers=PROVINCE,
        )
        _, tags, data = parse_csv(response)
        assert "#event+name" in tags
        for row in data:
            assert row["#event+name"] == '\'=HYPERLINK("http://evil","klik")'
            assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    _, tags, [row] = parse_csv(
        await disaster.get(
            f"/api/v1/disasters/{flood['id']}/sitrep",
            params={"format": "csv", "part": "sites"},
            headers=PROVINCE,
        )
    )
    assert {"#loc+camp+name", "#capacity", "#adm1+code", "#adm4+code"} <= set(tags)
    assert (
        row["#loc+camp+name"] == "'+628123 Posko"
        and row["#capacity"] == "2"
        and row["#adm4+code"] == "63.71.01.1001"
    )
    summary = parse_csv(
        await disaster.get(
            f"/api/v1/disasters/{flood['id']}/sitrep", params={"format": "csv"}, headers=PROVINCE
        )
    )[2]
    assert summary[0]["#affected+displaced+sheltered"] == "0" and summary[0]["#status"] == "emergency"
