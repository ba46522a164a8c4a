"""GET /people/export: the scoped registry as NDJSON or CSV, masked by role, access-logged."""

import csv
import io
import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.registry.test_imports import ADMIN, AHMAD, BUDI, NOOR, SITI, feed, imported, scalar
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")

KOTA = {"regions": ["63.71"], "sub": "kota-bjm"}


async def export(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> tuple[httpx.Response, list[dict]]:
    response = await client.get("/api/v1/people/export", params=params, headers=headers)
    if response.status_code != 200:
        return response, []
    if params.get("format") == "csv":
        return response, list(csv.DictReader(io.StringIO(response.text)))
    return response, [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture
async def people(registry: httpx.AsyncClient, clean: None) -> None:
    await imported(registry, feed([SITI, AHMAD, NOOR, BUDI]))  # three in 63.71, Budi in 63.03


@pytest.mark.usefixtures("people")
async def test_ndjson_with_pii_is_unmasked_and_every_person_is_access_logged(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response, rows = await export(registry, ADMIN)
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert sorted(r["id_dtks"] for r in rows) == ["6300000001", "6300000002", "6300000003", "6300000004"]
    siti = next(r for r in rows if r["id_dtks"] == "6300000001")
    assert siti["nik"] == SITI["nomor_nik"] and siti["birth_date"] == "1985-06-05"
    assert siti["mother_name"] == "Masitah" and siti["masked"] is False
    assert (
        await scalar(
            engine, "SELECT count(DISTINCT person_id) FROM registry.access_log WHERE action = 'export'"
        )
        == 4
    )
    assert await scalar(engine, "SELECT DISTINCT reader FROM registry.access_log") == "admin-1"


@pytest.mark.usefixtures("people")
async def test_csv_without_pii_is_masked_and_not_logged(
    registry: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    viewer = auth("regency_officer", **KOTA)
    response, rows = await export(registry, viewer, format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0].startswith("id,nik,kk_number,full_name,")
    assert sorted(r["id_dtks"] for r in rows) == ["6300000001", "6300000002", "6300000003"]  # not Budi
    siti = next(r for r in rows if r["id_dtks"] == "6300000001")
    assert siti["nik"] == "6371**********01" and siti["kk_number"] == "6371**********02"
    assert siti["birth_date"] == "" and siti["birth_year"] == "1985"
    assert siti["mother_name"] == "" and siti["masked"] == "True"
    assert await scalar(engine, "SELECT count(*) FROM registry.access_log") == 0


@pytest.mark.usefixtures("people")
async def test_export_is_scoped_and_narrowed_by_region(registry: httpx.AsyncClient) -> None:
    kota = auth("regency_officer", pii=True, **KOTA)
    _, own = await export(registry, kota)
    assert len(own) == 3
    _, elsewhere = await export(registry, kota, region="63.03")  # a region outside the scope: nothing
    assert elsewhere == []
    _, banjar = await export(registry, ADMIN, region="63.03")
    assert [r["id_dtks"] for r in banjar] == ["6300000004"]
    bad, _ = await export(registry, ADMIN, region="6303")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"region"}
    wrong, _ = await export(registry, ADMIN, format="xlsx")
    assert wrong.status_code == 422


async def test_export_pages_through_everyone_once(
    registry: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.registry.exports import service

    monkeypatch.setattr(service, "PAGE", 3)
    rows = [{**SITI, "id_dtks": f"63000001{i:02d}", "nomor_nik": "", "nama": f"Orang {i}"} for i in range(10)]
    await imported(registry, feed(rows))
    _, ndjson = await export(registry, ADMIN)
    assert sorted(r["id_dtks"] for r in ndjson) == sorted(r["id_dtks"] for r in rows)
    _, as_csv = await export(registry, ADMIN, format="csv")
    assert len(as_csv) == 10


async def test_csv_cells_that_look_like_formulas_are_quoted(registry: httpx.AsyncClient) -> None:
    await imported(
        registry, feed([{**NOOR, "nama": '=HYPERLINK("http://evil","klik")', "alamat": "+62 811"}])
    )
    _, rows = await export(registry, ADMIN, format="csv")
    assert rows[0]["full_name"] == '\'=HYPERLINK("http://evil","klik")'
    assert rows[0]["address"] == "'+62 811"


async def test_export_needs_a_token(registry: httpx.AsyncClient) -> None:
    response = await registry.get("/api/v1/people/export")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
