"""Errors in Bahasa Indonesia for officers who ask for it; field names unchanged."""

import httpx
import pytest

from shared.i18n import TITLES_ID, wants_indonesian
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


@pytest.mark.parametrize(
    ("header", "indonesian"),
    [
        ("id", True),
        ("id-ID,id;q=0.9,en;q=0.8", True),
        ("en-US,en;q=0.9,id;q=0.8", False),
        ("en;q=0.5, id;q=0.9", True),
        ("in", True),
        (None, False),
        ("fr, id;q=0.1", True),
        ("*", False),
    ],
)
def test_language_choice(header: str | None, indonesian: bool) -> None:
    assert wants_indonesian(header) is indonesian


async def test_validation_error_in_indonesian(registry: httpx.AsyncClient) -> None:
    response = await registry.post(
        "/api/v1/people",
        headers={**auth("admin"), "Accept-Language": "id-ID"},
        json={"full_name": "Siti", "sex": "X", "region_code": "63.71"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Masukan tidak valid" and body["detail"] == "Periksa kolom berikut: sex"
    assert [e["field"] for e in body["errors"]] == ["sex"]  # field names stay as they are
    assert response.headers["content-language"] == "id"


async def test_business_refusal_title_in_indonesian_and_english_by_default(
    registry: httpx.AsyncClient,
) -> None:
    body = {"full_name": "Siti", "sex": "F", "region_code": "63.71.01.1001", "nik": "6371014506850001"}
    await registry.post("/api/v1/people", headers=auth("admin"), json=body)
    again = await registry.post(
        "/api/v1/people", headers={**auth("admin"), "Accept-Language": "id"}, json=body
    )
    assert again.status_code == 409 and again.json()["title"] == TITLES_ID["duplicate-nik"]
    english = await registry.post("/api/v1/people", headers=auth("admin"), json=body)
    assert english.json()["title"] == "A person with this NIK is already registered"
    assert english.headers["content-language"] == "en"
    anonymous = await registry.get("/api/v1/people", headers={"Accept-Language": "id"})
    assert anonymous.status_code == 401 and anonymous.json()["title"] == "Perlu autentikasi"
