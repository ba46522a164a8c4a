"""Search: names as Indonesians write them, and the other filters, always within scope."""

from datetime import timedelta

import httpx
import pytest

from shared import clock
from tests.registry.factory import ADMIN, fields_of, person, years_ago
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


async def names(registry: httpx.AsyncClient, headers: dict[str, str] = ADMIN, **params: object) -> list[str]:
    response = await registry.get("/api/v1/people", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(p["full_name"] for p in response.json()["items"])


async def test_name_variants_titles_and_typos(registry: httpx.AsyncClient) -> None:
    await person(registry, full_name="Drs. H. Muhammad Yusuf, M.Si")
    await person(registry, full_name="Hj. Siti Aminah, S.Pd.")
    await person(registry, full_name="Budi Santoso")
    assert await names(registry, q="M. Yusup") == ["Drs. H. Muhammad Yusuf, M.Si"]
    assert await names(registry, q="Mohamad Yusuf") == ["Drs. H. Muhammad Yusuf, M.Si"]
    assert await names(registry, q="Siti Aminah") == ["Hj. Siti Aminah, S.Pd."]
    assert await names(registry, q="Siti Aminh") == ["Hj. Siti Aminah, S.Pd."]  # a typo
    assert await names(registry, q="Budi Santosa") == ["Budi Santoso"]
    assert await names(registry, q="Rahmat Hidayat") == []


async def test_filters(registry: httpx.AsyncClient) -> None:
    old = await person(
        registry, full_name="Nenek Tua", birth_date=(years_ago(70) - timedelta(days=3)).isoformat()
    )
    await person(
        registry,
        full_name="Anak Kecil",
        birth_date=(years_ago(7) - timedelta(days=3)).isoformat(),
        kk_number="6371011203150002",
    )
    await person(registry, full_name="Warga Banjar", region_code="63.03.01.2001")
    await registry.post(
        f"/api/v1/people/{old['id']}/ppks-assessments",
        headers=ADMIN,
        json={"ppks_type": "08", "assessed_on": clock.today().isoformat()},
    )
    assert await names(registry, age_min=60) == ["Nenek Tua"]
    assert await names(registry, age_max=17) == ["Anak Kecil"]
    assert await names(registry, age_min=5, age_max=8) == ["Anak Kecil"]
    assert await names(registry, ppks_type="08") == ["Nenek Tua"]
    assert await names(registry, kk="6371011203150002") == ["Anak Kecil"]
    assert await names(registry, birth_date=old["birth_date"]) == ["Nenek Tua"]
    assert await names(registry, region="63.03") == ["Warga Banjar"]
    assert await names(registry, status="deceased") == []
    assert await names(registry, headers=auth("viewer", regions=["63.03"]), q="Nenek") == []
    bad = await registry.get("/api/v1/people", params={"age_min": 9, "age_max": 3}, headers=ADMIN)
    assert bad.status_code == 422 and fields_of(bad) == {"age_min"}
    bad_type = await registry.get("/api/v1/people", params={"ppks_type": "99"}, headers=ADMIN)
    assert bad_type.status_code == 422 and fields_of(bad_type) == {"ppks_type"}
