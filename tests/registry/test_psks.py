"""PSKS roles: people and organisations, several roles for one person, roles vs distinct people."""

import httpx
import pytest

from tests.registry.factory import ADMIN, fields_of, person
from tests.support import auth

pytestmark = pytest.mark.usefixtures("clean")


async def role(registry: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await registry.post(
        "/api/v1/psks", headers=ADMIN, json={"region_code": "63.71.01", "active_from": "2024-01-01", **body}
    )


async def test_double_roles_counted_once_as_people(registry: httpx.AsyncClient) -> None:
    siti = await person(registry, full_name="Siti")
    budi = await person(registry, full_name="Budi", region_code="63.03.01.2001")
    for psks_type in ("02", "11", "03"):  # PSM and TKSK and TAGANA
        assert (await role(registry, psks_type=psks_type, person_id=siti["id"])).status_code == 201
    assert (
        await role(registry, psks_type="02", person_id=budi["id"], region_code="63.03.01")
    ).status_code == 201
    assert (await role(registry, psks_type="05", organisation_name="Karang Taruna Maju")).status_code == 201

    summary = (await registry.get("/api/v1/psks/summary", headers=ADMIN)).json()
    assert summary["total_roles"] == 5
    assert summary["total_people"] == 2
    assert summary["total_organisations"] == 1
    psm = next(t for t in summary["by_type"] if t["psks_type"] == "02")
    assert psm["roles"] == 2 and psm["people"] == 2
    rows = {(r["psks_type"], r["region_code"]): r for r in summary["by_type_and_region"]}
    assert rows[("02", "63.71")]["people"] == 1 and rows[("02", "63.03")]["people"] == 1

    kota = (await registry.get("/api/v1/psks/summary", params={"region": "63.71"}, headers=ADMIN)).json()
    assert kota["total_roles"] == 4 and kota["total_people"] == 1
    scoped = (await registry.get("/api/v1/psks/summary", headers=auth("viewer", regions=["63.03"]))).json()
    assert scoped["total_roles"] == 1 and scoped["total_people"] == 1  # no count leaks from 63.71


async def test_holder_rules(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    org_type = await role(registry, psks_type="04", person_id=someone["id"])
    assert org_type.status_code == 422 and fields_of(org_type) == {"organisation_name"}
    person_type = await role(registry, psks_type="11", organisation_name="LKS Harapan")
    assert person_type.status_code == 422 and fields_of(person_type) == {"person_id"}
    unknown = await role(registry, psks_type="13", person_id=someone["id"])
    assert unknown.status_code == 422 and fields_of(unknown) == {"psks_type"}
    backwards = await role(registry, psks_type="11", person_id=someone["id"], active_until="2023-01-01")
    assert backwards.status_code == 422 and fields_of(backwards) == {"active_until"}


async def test_same_role_twice_is_409_until_ended(registry: httpx.AsyncClient) -> None:
    someone = await person(registry)
    first = await role(registry, psks_type="11", person_id=someone["id"])
    assert (await role(registry, psks_type="11", person_id=someone["id"])).status_code == 409
    ended = await registry.post(f"/api/v1/psks/{first.json()['id']}/end", headers=ADMIN, json={})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert (await role(registry, psks_type="11", person_id=someone["id"])).status_code == 201
    summary = (await registry.get("/api/v1/psks/summary", headers=ADMIN)).json()
    assert summary["total_roles"] == 1
